/**
 * Bundles the operator console (its script and stylesheet) with esbuild at build time (npm run build)
 * into dist/console/, so /console fetches nothing from a CDN and runs under a CSP of 'self' only.
 */

import { join } from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../project-root.js';

export const CONSOLE_ASSETS_DIR = join(projectRoot(), 'dist', 'console');

/** The files /console/assets/ serves, as esbuild writes them. */
export const CONSOLE_SCRIPT = 'console.js';
export const CONSOLE_STYLES = 'console-styles.css';

export async function buildConsoleAssets(outdir: string = CONSOLE_ASSETS_DIR): Promise<void> {
  const source = join(projectRoot(), 'src', 'console', 'browser');
  await build({
    entryPoints: {
      console: join(source, 'console-page.ts'),
      'console-styles': join(source, 'console.css'),
    },
    entryNames: '[name]',
    outdir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome109', 'firefox115', 'safari16'],
    legalComments: 'none',
    logLevel: 'warning',
  });
}
