/**
 * The infer protocol over AWS Lambda: @aws-sdk/client-lambda InvokeCommand (RequestResponse).
 */

import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { InferenceFailedError } from '../errors.js';
import { parseInferResponse } from './infer-protocol.js';
import type { InferTransport } from './remote-judge.js';

/** Lambda's synchronous invoke payload limit; images beyond ≈ 4.4 MB (base64) cannot be sent. */
export const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;

export function lambdaTransport(client: LambdaClient, functionName: string): InferTransport {
  return async (request) => {
    const payload = Buffer.from(JSON.stringify(request));
    if (payload.length > LAMBDA_PAYLOAD_LIMIT) {
      throw new InferenceFailedError(
        `the image is too large to send to the infer function (${payload.length} bytes)`,
      );
    }
    let output: InvokeCommandOutput;
    try {
      output = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: payload,
        }),
      );
    } catch (error) {
      // Throttling, permissions, network: the SDK has already retried what it could.
      throw new InferenceFailedError('the infer function could not be invoked', { cause: error });
    }
    if (output.FunctionError) {
      // Timeouts, crashes and out-of-memory arrive here, never as a result.
      throw new InferenceFailedError(`the infer function failed (${output.FunctionError})`, {
        details: { functionError: output.FunctionError },
      });
    }
    let answer: unknown;
    try {
      answer = JSON.parse(output.Payload ? Buffer.from(output.Payload).toString('utf8') : '');
    } catch (error) {
      throw new InferenceFailedError(
        'the infer function answered with something that is not JSON',
        { cause: error },
      );
    }
    return parseInferResponse(answer, 'the infer function');
  };
}
