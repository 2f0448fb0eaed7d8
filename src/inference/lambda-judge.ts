/**
 * A Judge that runs the model in the `infer` Lambda function (or any function speaking the infer
 * protocol), through @aws-sdk/client-lambda InvokeCommand. Lambda cannot stream a rationale back, so
 * a streaming caller gets the decision and the whole rationale when the result arrives.
 */

import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { InferenceFailedError } from '../errors.js';
import type { CheckOptions, CheckResult, ModelInfo } from './engine.js';
import { errorFromWire, type InferRequest, type InferResponse } from './infer-protocol.js';
import type { Judge } from './judge.js';

/** Lambda's synchronous invoke payload limit; images beyond ≈ 4.4 MB (base64) must not be sent. */
export const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;

export class LambdaJudge implements Judge {
  private constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
    readonly model: ModelInfo,
    readonly statusWarning: string | null,
  ) {}

  /** Asks the function which model it runs (this also warms it). */
  static async connect(client: LambdaClient, functionName: string): Promise<LambdaJudge> {
    const answer = await invoke(client, functionName, { action: 'describe' });
    if (!('model' in answer))
      throw new InferenceFailedError('the infer function did not describe its model');
    return new LambdaJudge(client, functionName, answer.model, answer.statusWarning);
  }

  async check(bytes: Uint8Array, options: CheckOptions = {}): Promise<CheckResult> {
    const { signal: _signal, onText, onJudged, ...wireOptions } = options;
    const answer = await invoke(this.client, this.functionName, {
      action: 'check',
      image: Buffer.from(bytes).toString('base64'),
      options: { ...wireOptions, explain: wireOptions.explain ?? false },
    });
    if (!('result' in answer))
      throw new InferenceFailedError('the infer function answered without a result');
    const result = answer.result;
    if (result.judgment !== null && result.liveness !== null && result.decision !== 'uncertain') {
      onJudged?.({
        judgment: result.judgment,
        liveness: result.liveness,
        threshold: result.threshold,
        decision: result.decision,
        explaining: result.rationale !== null,
      });
    }
    if (result.rationale && onText) onText(result.rationale);
    return result;
  }

  async dispose(): Promise<void> {
    // The client belongs to the caller; nothing is held here.
  }
}

async function invoke(
  client: LambdaClient,
  functionName: string,
  request: InferRequest,
): Promise<Extract<InferResponse, { ok: true }>> {
  const payload = Buffer.from(JSON.stringify(request));
  if (payload.length > LAMBDA_PAYLOAD_LIMIT) {
    throw new InferenceFailedError(
      `the image is too large to send to the infer function (${payload.length} bytes)`,
    );
  }
  const output = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: payload,
    }),
  );
  const text = output.Payload ? Buffer.from(output.Payload).toString('utf8') : '';
  if (output.FunctionError) {
    // Timeouts, crashes and out-of-memory arrive here, never as a result.
    throw new InferenceFailedError(`the infer function failed (${output.FunctionError})`, {
      details: { functionError: output.FunctionError },
    });
  }
  let answer: InferResponse;
  try {
    answer = JSON.parse(text) as InferResponse;
  } catch (error) {
    throw new InferenceFailedError('the infer function answered with something that is not JSON', {
      cause: error,
    });
  }
  if (!answer.ok) throw errorFromWire(answer.error);
  return answer;
}
