/**
 * The `api` function: the Hono app behind API Gateway (HTTP API), through hono/aws-lambda. The model
 * runs in this function (IFAS_INFERENCE=in-process) or in the `infer` function (=lambda).
 */

import { handle } from 'hono/aws-lambda';
import { lambdaService } from '../src/app/lambda-parts.js';

const service = await lambdaService();

export const handler = handle(service.app);
