/**
 * Single-face photos of three people cut from dlib's `bald_guys.jpg` collage (extracted by
 * scripts/fetch-dlib-faces.sh): two different photos of one actor and one photo of another. The
 * centres are the hand labels of training/ifas/face/identity_photos.py.
 */

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { DLIB_FACES } from './fixtures.js';

const COLLAGE = join(DLIB_FACES, 'bald_guys.jpg');

/** A square around a face centre, 2.4 × a typical face side, as PNG. */
async function cut(x: number, y: number, side: number): Promise<Buffer> {
  const half = Math.round(side / 2);
  return sharp(await readFile(COLLAGE))
    .extract({ left: x - half, top: y - half, width: 2 * half, height: 2 * half })
    .png()
    .toBuffer();
}

export interface IdentityPhotos {
  /** Vin Diesel, photo A (the account holder's enrolment photo). */
  holder: Buffer;
  /** Vin Diesel, another photo (the account holder logging in). */
  holderAgain: Buffer;
  /** Bruce Willis (the attacker's own face). */
  attacker: Buffer;
  /** Several faces at once. */
  group: Buffer;
}

export async function identityPhotos(): Promise<IdentityPhotos> {
  return {
    holder: await cut(647, 528, 300),
    holderAgain: await cut(135, 190, 260),
    attacker: await cut(853, 918, 300),
    group: await readFile(join(DLIB_FACES, '2008_002470.jpg')),
  };
}

/** Service settings with face detection and reference faces on (a fresh key per test run). */
export const IDENTITY_ENV = {
  IFAS_DETECT_FACES: 'true',
  IFAS_REFERENCE_KEY: randomBytes(32).toString('base64'),
  IFAS_SUBJECT_POLICY: 'keyed-hash',
};
