/**
 * `npm run build` step: bundles the capture page and <ifas-capture> into dist/capture/, and the
 * operator console into dist/console/.
 */

import { buildCaptureAssets, CAPTURE_ASSETS_DIR } from '../src/capture/build-capture-assets.js';
import { buildConsoleAssets, CONSOLE_ASSETS_DIR } from '../src/console/build-console-assets.js';

await Promise.all([buildCaptureAssets(), buildConsoleAssets()]);
console.log(`capture assets: ${CAPTURE_ASSETS_DIR}`);
console.log(`console assets: ${CONSOLE_ASSETS_DIR}`);
