/**
 * The `api` function: the Hono app behind API Gateway (HTTP API); wiring in src/app/lambda-api.ts.
 * The model runs in this function (IFAS_INFERENCE=in-process), in the `infer` function (=lambda) or
 * in the GPU container (=http).
 */

import { lambdaApiHandler } from '../src/app/lambda-api.js';

export const handler = await lambdaApiHandler();
