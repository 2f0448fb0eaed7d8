/**
 * What a Lambda function loads at cold start is what its module graph imports statically at run
 * time (type-only imports vanish; `await import()` waits for first use). The Cognito triggers run
 * under a 5 s timeout, so their graph must stay free of the model, the HTTP app and native
 * addons they never use; docs/benchmarks.md has the measured import time.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';

const root = projectRoot();

/** Files and packages reached from `entry` through static, non-type imports. */
function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(join(root, file), 'utf8');
    for (const match of text.matchAll(
      /^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+'([^']+)'/gms,
    )) {
      const spec = match[1] ?? '';
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts');
        if (existsSync(join(root, target))) visit(target);
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

describe('Cold-start import graphs of the Lambda functions', () => {
  it('finds the api function reaching the whole app (the walker sees through re-exports)', () => {
    const api = staticGraph('functions/api.ts');
    expect([...api.files]).toContain('src/app/build-service.ts');
    expect([...api.packages]).toEqual(
      expect.arrayContaining(['onnxruntime-node', 'hono', 'sharp']),
    );
  });

  it('keeps the Cognito triggers free of the model, the HTTP app and unused native addons', () => {
    const cognito = staticGraph('functions/cognito.ts');
    const heavy = [...cognito.packages].filter((p) =>
      /^(onnxruntime-node|sharp|better-sqlite3|pg|hono|@hono\/.*|@aws-sdk\/client-lambda|prom-client|@huggingface\/.*)$/.test(
        p,
      ),
    );
    expect(heavy).toEqual([]);
    const appParts = [...cognito.files].filter((f) =>
      /^src\/(http|inference\/engine|runtime|face|flags|remote)\b|build-service/.test(f),
    );
    expect(appParts).toEqual([]);
    expect([...cognito.files]).toContain('src/cognito/custom-challenge.ts');
  });
});
