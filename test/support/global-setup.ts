/**
 * Runs once before the test files: extracts dlib's public-domain example photos from the Debian
 * archive (scripts/fetch-dlib-faces.sh) so face tests use real group photos without committing them,
 * and starts a real PostgreSQL server (scripts/start-postgres.sh) whose URL the tests `inject`.
 */

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { projectRoot } from '../../src/project-root.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export function setup(project: TestProject): void {
  const scripts = join(projectRoot(), 'scripts');
  execFileSync('bash', [join(scripts, 'fetch-dlib-faces.sh')], { stdio: 'inherit' });
  const output = execFileSync('bash', [join(scripts, 'start-postgres.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = output.toString().trim().split('\n').pop() ?? '';
  project.provide('postgresUrl', url);
}
