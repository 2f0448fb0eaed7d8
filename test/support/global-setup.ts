/**
 * Runs once before the test files: extracts dlib's public-domain example photos from the Debian
 * archive (scripts/fetch-dlib-faces.sh) so face tests use real group photos without committing them.
 */

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/project-root.js';

export function setup(): void {
  execFileSync('bash', [join(projectRoot(), 'scripts', 'fetch-dlib-faces.sh')], {
    stdio: 'inherit',
  });
}
