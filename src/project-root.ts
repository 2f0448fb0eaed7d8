/**
 * Locates the project folder (the one whose package.json is ifas-guard's), so defaults such as the
 * shipped model resolve the same from src/ under vitest and from dist/ after a build.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './errors.js';

export const DEFAULT_MODEL_NAME = 'ifas-mini';

export function projectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (true) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'ifas-guard') {
        return dir;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new ConfigError('ifas-guard package.json not found above this module');
    }
    dir = parent;
  }
}

export function defaultModelDir(): string {
  return join(projectRoot(), 'models', DEFAULT_MODEL_NAME);
}
