/**
 * The `infer` function: the model in a container image (CPU on Lambda; the same image serves HTTP on
 * GPU container platforms, see docker/entrypoint.sh). Speaks the infer protocol; never records audits.
 */

import { inferFunctionHandler } from '../src/app/infer-engine.js';

export const handler = await inferFunctionHandler();
