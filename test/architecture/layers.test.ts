/**
 * The import rule of docs/architecture.md, enforced: each folder of src/ (and functions/) may import
 * only the folders listed for it. Type-only imports count too: a type is a dependency.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';

/** `kernel` is the files directly in src/ (errors, zod-issues, project-root). */
const ALLOWED: Record<string, readonly string[]> = {
  kernel: [],
  model: ['kernel'],
  runtime: ['kernel'],
  crypto: ['kernel'],
  image: ['model', 'kernel'],
  face: ['image', 'model', 'runtime', 'kernel'],
  inference: ['face', 'image', 'model', 'runtime', 'kernel'],
  store: ['kernel'],
  audit: ['inference', 'face', 'store', 'crypto', 'kernel'],
  auth: ['audit', 'kernel'],
  config: ['kernel'],
  identity: ['store', 'audit', 'crypto', 'config', 'face', 'image', 'kernel'],
  flags: ['store', 'audit', 'config', 'kernel'],
  remote: ['inference', 'auth', 'kernel'],
  eval: ['inference', 'kernel'],
  service: ['identity', 'audit', 'flags', 'config', 'inference', 'face', 'kernel'],
  client: ['kernel'],
  sessions: ['service', 'store', 'audit', 'auth', 'config', 'image', 'face', 'kernel'],
  capture: ['client', 'kernel'],
  console: ['client', 'kernel'],
  hooks: ['service', 'sessions', 'audit', 'auth', 'config', 'inference', 'face', 'kernel'],
  cognito: ['service', 'sessions', 'audit', 'kernel'],
  // decisions.ts and face-match.ts only: the guard is also the light package ifas-guard-client.
  guard: ['client', 'inference', 'face', 'kernel'],
  http: [
    'service',
    'sessions',
    'capture',
    'console',
    'hooks',
    'identity',
    'flags',
    'audit',
    'auth',
    'config',
    'inference',
    'face',
    'kernel',
  ],
  app: [
    'http',
    'sessions',
    'remote',
    'cognito',
    'guard',
    'hooks',
    'service',
    'identity',
    'store',
    'flags',
    'audit',
    'auth',
    'config',
    'inference',
    // The one verified-files record a process shares between its packages.
    'model',
    'kernel',
  ],
  cli: ['app', 'eval', 'audit', 'auth', 'config', 'inference', 'kernel'],
  functions: ['app'],
};

/** Packages only some folders may use: the model runtime stays free of AWS, one file owns onnxruntime. */
const PACKAGE_OWNERS: Array<{ pattern: RegExp; allowed: (file: string) => boolean }> = [
  { pattern: /^@aws-sdk\//, allowed: (file) => /^src\/(remote|app)\//.test(file) },
  { pattern: /^onnxruntime-node$/, allowed: (file) => file === 'src/runtime/onnx.ts' },
];

const root = projectRoot();

function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** src/a/b.ts → a; src/errors.ts → kernel; functions/x.ts → functions. */
function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'functions') return 'functions';
  return parts.length === 2 ? 'kernel' : (parts[1] ?? 'kernel');
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'([^']+)'/g)) {
    if (match[1]) found.push(match[1]);
  }
  return found;
}

const files = [...tsFiles('src'), ...tsFiles('functions')];

describe('Architecture: the import rule of docs/architecture.md', () => {
  it('reads every source file and finds its imports', () => {
    expect(files.length).toBeGreaterThan(80);
    expect(importsOf('src/app/build-service.ts')).toContain('../http/app.js');
    expect(Object.keys(ALLOWED)).toEqual(expect.arrayContaining([...new Set(files.map(folderOf))]));
  });

  it('has no import against the rule', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(root, resolve(root, dirname(file), spec));
        const to = folderOf(target);
        if (to !== from && !(ALLOWED[from] ?? []).includes(to)) {
          wrong.push(`${file} imports ${target} (${from} → ${to})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the AWS SDK out of the model runtime and onnxruntime-node in one file', () => {
    const wrong = files.flatMap((file) =>
      importsOf(file)
        .filter((spec) => PACKAGE_OWNERS.some((o) => o.pattern.test(spec) && !o.allowed(file)))
        .map((spec) => `${file} imports ${spec}`),
    );
    expect(wrong).toEqual([]);
  });

  it('is a rule without cycles: the folders form layers', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (folder: string, path: string[]): void => {
      if (done.has(folder)) return;
      if (visiting.has(folder)) throw new Error(`cycle: ${[...path, folder].join(' → ')}`);
      visiting.add(folder);
      for (const next of ALLOWED[folder] ?? []) visit(next, [...path, folder]);
      visiting.delete(folder);
      done.add(folder);
    };
    for (const folder of Object.keys(ALLOWED)) visit(folder, []);
    expect(done.size).toBe(Object.keys(ALLOWED).length);
  });
});
