/**
 * Paths to the committed cross-language fixtures and a helper that copies the tiny package into a
 * temporary folder so a test can damage it.
 */

import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/project-root.js';

export const FIXTURES = join(projectRoot(), 'test', 'fixtures');
export const TINY_PACKAGE = join(FIXTURES, 'models', 'ifas-tiny');
export const FACE_32 = join(FIXTURES, 'images', 'face-32.png');
export const SAMPLE_PORTRAIT = join(projectRoot(), 'samples', 'grace-hopper.jpg');
/** dlib's public-domain example photos, extracted by test/support/global-setup.ts. */
export const DLIB_FACES = join(projectRoot(), 'test', '.cache', 'dlib-faces');

export interface Goldens {
  package: string;
  image: string;
  tolerance: { absolute: number };
  visualTokens: { dims: number[]; head: number[]; meanAbs: number };
  judgmentLogits: { live: number; spoof: number };
  logitsHead: number[];
  liveness: number;
  judgmentTokenId: number;
  greedy: { maxNewTokens: number; tokens: number[] };
}

export async function readGoldens(): Promise<Goldens> {
  return JSON.parse(await readFile(join(FIXTURES, 'goldens', 'ifas-tiny.json'), 'utf8')) as Goldens;
}

export async function copyTinyPackage(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ifas-pkg-'));
  await cp(TINY_PACKAGE, dir, { recursive: true });
  return dir;
}
