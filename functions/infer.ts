/**
 * The `infer` function: the model in a container image (CPU on Lambda; the same image serves HTTP on
 * GPU container platforms, see docker/entrypoint.sh). Speaks the infer protocol; never records audits.
 */

import { loadInferEngine } from '../src/app/infer-engine.js';
import { answerInferRequest } from '../src/remote/answer-infer-request.js';

const engine = await loadInferEngine();

export const handler = (event: unknown) => answerInferRequest(engine, event);
