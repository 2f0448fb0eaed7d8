import { describe, expect, it } from 'vitest';
import { decisionFromLiveness, livenessFromLogits } from '../../src/inference/liveness.js';

describe('Function: livenessFromLogits', () => {
  it('is the two-way softmax of the Yes and No logits', () => {
    expect(livenessFromLogits(0, 0)).toBe(0.5);
    expect(livenessFromLogits(Math.log(3), 0)).toBeCloseTo(0.75, 12);
  });

  it('divides the logit difference by the calibration temperature', () => {
    // σ(ln 3 / 2) = √3 / (√3 + 1)
    expect(livenessFromLogits(Math.log(3), 0, 2)).toBeCloseTo(
      Math.sqrt(3) / (Math.sqrt(3) + 1),
      12,
    );
    expect(livenessFromLogits(5, 1, 4)).toBeCloseTo(livenessFromLogits(1, 0), 12);
    expect(livenessFromLogits(2, 0, 0.5)).toBeGreaterThan(livenessFromLogits(2, 0));
  });

  it('stays finite for extreme logits', () => {
    expect(livenessFromLogits(1000, -1000)).toBe(1);
    expect(livenessFromLogits(-1000, 1000)).toBe(0);
  });
});

describe('Function: decisionFromLiveness', () => {
  it('decides by the threshold alone without a band', () => {
    expect(decisionFromLiveness(0.5, 0.5, null)).toBe('live');
    expect(decisionFromLiveness(0.4999, 0.5, null)).toBe('spoof');
  });

  it('answers uncertain inside [low, high) of the band, by the threshold outside it', () => {
    const band = [0.3, 0.7] as const;
    expect(decisionFromLiveness(0.3, 0.5, band)).toBe('uncertain');
    expect(decisionFromLiveness(0.6999, 0.5, band)).toBe('uncertain');
    expect(decisionFromLiveness(0.7, 0.5, band)).toBe('live');
    expect(decisionFromLiveness(0.2999, 0.5, band)).toBe('spoof');
    // A band collapsed onto the threshold is empty.
    expect(decisionFromLiveness(0.5, 0.5, [0.5, 0.5])).toBe('live');
  });
});
