/**
 * The Cognito triggers run under Cognito's ~5 s limit: their import graph must not reach the model
 * runtime, the HTTP framework or the image codec. Walks the static imports from functions/cognito.ts
 * (dynamic `import()` is how lambda-parts defers the whole service) and lists the packages reached.
 * The cold-import time itself is measured by bench/cognito-import.ts (docs/benchmarks.md).
 */

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';

const HEAVY = ['onnxruntime-node', 'sharp', 'hono', '@hono/zod-openapi', '@hono/node-server'];

function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  // `import … from '…'` and `export … from '…'`, but not `import('…')` or `import type`.
  for (const match of text.matchAll(/^(?:import|export)\s+(?!type\b)[^'";]*?from\s+'([^']+)'/gm)) {
    if (match[1]) found.push(match[1]);
  }
  for (const match of text.matchAll(/^import\s+'([^']+)'/gm)) {
    if (match[1]) found.push(match[1]);
  }
  return found;
}

function reachablePackages(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) {
        visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      } else if (!spec.startsWith('node:')) {
        packages.add(
          spec.startsWith('@')
            ? spec.split('/').slice(0, 2).join('/')
            : (spec.split('/')[0] ?? spec),
        );
      }
    }
  };
  visit(entry);
  return { files, packages };
}

describe('Cognito triggers: a light import graph', () => {
  it('reaches the audit store and configuration, never the model runtime, Hono or sharp', () => {
    const { files, packages } = reachablePackages(join(projectRoot(), 'functions', 'cognito.ts'));
    expect([...files].some((f) => f.endsWith('src/cognito/custom-challenge.ts'))).toBe(true);
    expect([...files].some((f) => f.endsWith('src/audit/open-audit-store.ts'))).toBe(true);
    expect(HEAVY.filter((name) => packages.has(name))).toEqual([]);
    expect([...files].some((f) => f.endsWith('src/app/build-service.ts'))).toBe(false);
  });

  it('would notice the whole service being imported (the walk is not blind)', () => {
    const { packages } = reachablePackages(join(projectRoot(), 'src', 'app', 'build-service.ts'));
    expect(HEAVY.filter((name) => packages.has(name))).toEqual(
      expect.arrayContaining(['onnxruntime-node', 'sharp', '@hono/zod-openapi']),
    );
  });
});
