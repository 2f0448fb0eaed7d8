/**
 * What the person in front of the camera is told. Live hints come from the server's preview of a small
 * frame (face detection and capture quality: move closer, one face only …) where it offers one, else
 * from the picture itself (light, steadiness); after an attempt, from the server's capture-quality
 * reason. Never a score.
 */

export const RETRY_HINTS: Record<string, string> = {
  no_face: 'We could not see a face. Centre your face in the oval.',
  multiple_faces: 'One face only, please.',
  face_too_small: 'Move closer to the camera.',
  too_dark: 'More light, please.',
  overexposed: 'Too bright: move away from the light.',
  too_blurry: 'Hold the camera still.',
  retake: 'Let’s try that once more. Look at the camera.',
};

export const MESSAGES = {
  ready: 'Centre your face in the oval, then press “Take my photo”.',
  capturing: 'Hold still…',
  checking: 'Checking…',
  passed: 'Done: you are verified.',
  failed: 'We could not confirm a live person.',
  exhausted: 'No attempts left. Please start the login again.',
  expired: 'This face check has expired. Please start the login again.',
  used: 'This face check link was already used.',
  invalid: 'This face check link is not valid.',
  denied:
    'Camera access was denied. Allow the camera for this site in your browser settings, then reload.',
  noCamera: 'No camera was found. Connect a camera or use another device.',
  network: 'The check could not be sent. Check your connection and try again.',
  tooDark: 'More light, please.',
  tooBright: 'Too bright: move away from the light.',
  holdStill: 'Hold still.',
} as const;

/** Mean luma (0–255) of an RGBA pixel buffer, sampled. */
export function meanLuma(rgba: Uint8ClampedArray): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < rgba.length; i += 16) {
    sum += 0.299 * (rgba[i] ?? 0) + 0.587 * (rgba[i + 1] ?? 0) + 0.114 * (rgba[i + 2] ?? 0);
    count += 1;
  }
  return count === 0 ? 0 : sum / count;
}

/** The hint for a server preview's answer: null for `ok` (the local light and steadiness hints then speak). */
export function previewHint(hint: string): string | null {
  if (hint === 'ok') return null;
  return RETRY_HINTS[hint] ?? null;
}

/** The live hint for one preview sample, given the previous sample's luma (movement shows as change). */
export function liveHint(luma: number, previousLuma: number | null): string {
  if (luma < 50) return MESSAGES.tooDark;
  if (luma > 215) return MESSAGES.tooBright;
  if (previousLuma !== null && Math.abs(luma - previousLuma) > 25) return MESSAGES.holdStill;
  return MESSAGES.ready;
}
