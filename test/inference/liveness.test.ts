import { describe, expect, it } from 'vitest';
import { livenessFromLogits } from '../../src/inference/liveness.js';

describe('Function: livenessFromLogits', () => {
  it('is the two-way softmax of the Yes and No logits', () => {
    expect(livenessFromLogits(0, 0)).toBe(0.5);
    expect(livenessFromLogits(Math.log(3), 0)).toBeCloseTo(0.75, 12);
  });

  it('stays finite for extreme logits', () => {
    expect(livenessFromLogits(1000, -1000)).toBe(1);
    expect(livenessFromLogits(-1000, 1000)).toBe(0);
  });
});
