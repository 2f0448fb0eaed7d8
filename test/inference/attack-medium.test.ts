import { describe, expect, it } from 'vitest';
import { attackMediumOf } from '../../src/inference/attack-medium.js';

describe('Function: attackMediumOf', () => {
  it.each([
    ['The face is shown on a phone screen; moiré and a bezel are visible.', 'replay'],
    ['A printed photo on glossy paper, slightly bent.', 'print'],
    ['Halftone dots cover the skin.', 'print'],
    ['A paper mask with cut-out eyes.', 'mask'],
    ['The person wears a silicone mask.', 'mask'],
    ['A mannequin head stands in front of the camera.', 'mannequin'],
    ['Two monitors glow behind the face.', 'replay'],
    ['A woman with short hair smiles in daylight.', null],
    ['The displayed passport is genuine.', null],
  ])('%s → %s', (text, medium) => {
    expect(attackMediumOf(text)).toBe(medium);
  });

  it('returns null without a rationale', () => {
    expect(attackMediumOf(null)).toBeNull();
  });
});
