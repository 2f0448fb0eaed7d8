/**
 * The `api` function's handler: the service's Hono app through hono/aws-lambda. A check refused
 * because the model's queue is full is logged as one JSON line ({"refused":"QUEUE_FULL"}), which
 * infra/'s monitoring stack counts (alarm "queue-full").
 */

import { handle } from 'hono/aws-lambda';
import { lambdaService } from './lambda-parts.js';

export async function lambdaApiHandler() {
  const answer = handle((await lambdaService()).app);
  const handler: typeof answer = async (event, context) => {
    const response = await answer(event, context);
    if (response.statusCode === 503 && response.body.includes('"QUEUE_FULL"')) {
      console.warn(JSON.stringify({ refused: 'QUEUE_FULL' }));
    }
    return response;
  };
  return handler;
}
