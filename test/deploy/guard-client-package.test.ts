import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';

const run = promisify(execFile);
const PACKAGE = join(projectRoot(), 'packages', 'guard-client');
const RUNTIME_DEPENDENCIES = new Set(['zod', 'openapi-fetch']);

interface Packed {
  size: number;
  entryCount: number;
  files: Array<{ path: string }>;
}
let packed: Packed;
let emitted: string[];

beforeAll(async () => {
  await rm(join(PACKAGE, 'dist'), { recursive: true, force: true });
  // npm pack runs prepack (the build) and lists what would be published.
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], {
    cwd: PACKAGE,
    maxBuffer: 16 * 1024 * 1024,
  });
  packed = (JSON.parse(stdout) as Packed[])[0] as Packed;
  emitted = (await readdir(join(PACKAGE, 'dist'), { recursive: true })).filter((f) =>
    f.endsWith('.js'),
  );
}, 120_000);

describe('packages/guard-client (ifas-guard-client)', () => {
  it('publishes the guard alone: zod and openapi-fetch its only dependencies, only its own compiled files', async () => {
    const manifest = JSON.parse(await readFile(join(PACKAGE, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    // zod: face-match's schema; openapi-fetch: the typed API client behind remoteSessions.
    expect(manifest.dependencies).toEqual({ 'openapi-fetch': '0.17.0', zod: '4.6.7' });
    expect(manifest.peerDependenciesMeta).toEqual({ hono: { optional: true } });
    expect(packed.files.map((f) => f.path).sort()).toEqual(
      expect.arrayContaining(['dist/guard/index.js', 'dist/guard/index.d.ts', 'package.json']),
    );
    expect(packed.files.some((f) => /onnx|sharp|sqlite|postgres|engine/.test(f.path))).toBe(false);
    expect(packed.size).toBeLessThan(50 * 1024);
  });

  it('imports nothing at run time but its own files, zod and openapi-fetch', async () => {
    const outside: string[] = [];
    for (const file of emitted) {
      const text = await readFile(join(PACKAGE, 'dist', file), 'utf8');
      for (const match of text.matchAll(/^(?:import|export)\s[^;]*?\bfrom\s+'([^']+)'/gms)) {
        if (!match[1]?.startsWith('.') && !RUNTIME_DEPENDENCIES.has(match[1] ?? ''))
          outside.push(`${file}: ${match[1]}`);
      }
    }
    expect(outside).toEqual([]);
    const guard = (await import(join(PACKAGE, 'dist', 'guard', 'index.js'))) as Record<
      string,
      unknown
    >;
    expect(Object.keys(guard).sort()).toEqual([
      'GuardCheckError',
      'ifasGuard',
      'ifasGuardMiddleware',
      'remoteChecks',
      'remoteSessions',
    ]);
  });
});
