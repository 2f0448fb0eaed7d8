/**
 * Bundles the capture page and the embeddable <ifas-capture> component with esbuild, at build time
 * (npm run build) into dist/capture/: nothing is fetched from a CDN at run time.
 */

import { join } from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../project-root.js';

export const CAPTURE_ASSETS_DIR = join(projectRoot(), 'dist', 'capture');

export async function buildCaptureAssets(outdir: string = CAPTURE_ASSETS_DIR): Promise<void> {
  const source = join(projectRoot(), 'src', 'capture', 'browser');
  const common = {
    bundle: true,
    minify: true,
    sourcemap: false,
    target: ['chrome109', 'firefox115', 'safari16'],
    legalComments: 'none' as const,
    logLevel: 'warning' as const,
  };
  await Promise.all([
    // The page: an ES module on this service's origin.
    build({
      ...common,
      entryPoints: [join(source, 'capture-page.ts')],
      format: 'esm',
      outfile: join(outdir, 'capture-page.js'),
    }),
    // The component for hosts: a classic script, so a plain <script src> on another origin loads it.
    build({
      ...common,
      entryPoints: [join(source, 'ifas-capture.ts')],
      format: 'iife',
      outfile: join(outdir, 'ifas-capture.js'),
    }),
  ]);
}
