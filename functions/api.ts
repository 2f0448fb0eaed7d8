/**
 * The `api` function: the Hono app behind API Gateway (HTTP API), through hono/aws-lambda. The model
 * runs in this function (IFAS_INFERENCE=in-process), in the `infer` function (=lambda) or in the
 * GPU container (=http). A check refused because the model's queue is full is logged as one JSON
 * line, which infra/'s monitoring stack counts (alarm "queue-full").
 */

import { handle } from 'hono/aws-lambda';
import { lambdaService } from '../src/app/lambda-parts.js';

const service = await lambdaService();
const answer = handle(service.app);

export const handler: typeof answer = async (event, context) => {
  const response = await answer(event, context);
  if (response.statusCode === 503 && response.body.includes('"QUEUE_FULL"')) {
    console.warn(JSON.stringify({ refused: 'QUEUE_FULL' }));
  }
  return response;
};
