/**
 * `npm run build` step: bundles the capture page and <ifas-capture> into dist/capture/.
 */

import { buildCaptureAssets, CAPTURE_ASSETS_DIR } from '../src/capture/build-capture-assets.js';

await buildCaptureAssets();
console.log(`capture assets: ${CAPTURE_ASSETS_DIR}`);
