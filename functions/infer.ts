/**
 * The `infer` function: the model in a container image (CPU on Lambda; the same image serves HTTP on
 * GPU container platforms, see docker/entrypoint.sh). Speaks the infer protocol; never records audits.
 */

import { answerInferRequest } from '../src/inference/answer-infer-request.js';
import { loadInferEngine } from '../src/lambda/infer-engine.js';

const engine = await loadInferEngine();

export const handler = (event: unknown) => answerInferRequest(engine, event);
