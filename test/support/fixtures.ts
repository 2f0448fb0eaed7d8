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
/** Imported from tiny random CLIP + Qwen2 checkpoints: fp16 weights and KV cache, ONNX external data. */
export const HF_TINY_PACKAGE = join(FIXTURES, 'models', 'ifas-hf-tiny');
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

/** PyTorch reference written by `python -m ifas.hf.export --goldens` (the image lies beside it). */
export interface HfGoldens {
  image: string;
  liveness: number;
  judgment: 'live' | 'spoof';
  maxNewTokens: number;
  rationaleTokenIds: number[];
  tolerance: number;
}

export async function readHfGoldens(): Promise<{ goldens: HfGoldens; image: string }> {
  const dir = join(FIXTURES, 'goldens');
  const goldens = JSON.parse(await readFile(join(dir, 'ifas-hf-tiny.json'), 'utf8')) as HfGoldens;
  return { goldens, image: join(dir, goldens.image) };
}

export async function copyTinyPackage(source = TINY_PACKAGE): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ifas-pkg-'));
  await cp(source, dir, { recursive: true });
  return dir;
}
