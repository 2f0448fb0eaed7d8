import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_NAME, projectRoot } from '../../src/project-root.js';

const run = promisify(execFile);
const ROOT = projectRoot();

let packedPaths: Set<string>;

beforeAll(async () => {
  // The build (npm run build) runs before the tests in .ci/run; pack lists what it would publish from it.
  expect(existsSync(join(ROOT, 'dist', 'src')), 'run `npm run build` first').toBe(true);
  const { stdout } = await run(
    'npm',
    ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  const [packed] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  packedPaths = new Set(packed?.files.map((file) => file.path));
}, 120_000);

async function filesUnder(relative: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, relative), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(ROOT.length + 1));
}

describe('the published ifas-guard package', () => {
  it('carries every file of the default model package and of the face networks', async () => {
    for (const model of [DEFAULT_MODEL_NAME, 'face-detector', 'face-embedder']) {
      const files = await filesUnder(join('models', model));
      expect(files.length).toBeGreaterThan(0);
      expect(files.filter((file) => !packedPaths.has(file))).toEqual([]);
    }
  });

  it('carries the capture page and console bundles the server serves', async () => {
    for (const bundle of ['dist/capture', 'dist/console']) {
      const files = await filesUnder(bundle);
      expect(files.length).toBeGreaterThan(0);
      expect(files.filter((file) => !packedPaths.has(file))).toEqual([]);
    }
  });

  it('leaves out tests, training code and source maps', () => {
    const stray = [...packedPaths].filter((path) => /^(test|training|bench)\/|\.map$/.test(path));
    expect(stray).toEqual([]);
  });
});
