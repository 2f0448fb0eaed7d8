/**
 * The infer container's HTTP mode (docker/entrypoint.sh starts it when no Lambda runtime is
 * present); the settings and the server are in src/app/infer-container.ts.
 */

import { startInferContainer } from '../src/app/infer-container.js';

await startInferContainer();
