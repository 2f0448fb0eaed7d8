/**
 * A Judge whose model runs elsewhere — the infer Lambda function or the infer container on a GPU
 * platform — reached through a transport that speaks the infer protocol. The remote side cannot
 * stream a rationale back, so a streaming caller gets the decision and the whole rationale when the
 * result arrives.
 */

import { InferenceFailedError } from '../errors.js';
import type { CheckResult, ModelInfo } from '../inference/check-result.js';
import type { CheckOptions } from '../inference/engine.js';
import type { Judge } from '../inference/judge.js';
import type { InferRequest, InferResponse } from './infer-protocol.js';

/** Sends one request; resolves with a successful answer or throws the typed error it stands for. */
export type InferTransport = (
  request: InferRequest,
) => Promise<Extract<InferResponse, { ok: true }>>;

export class RemoteJudge implements Judge {
  private constructor(
    private readonly transport: InferTransport,
    readonly model: ModelInfo,
    readonly statusWarning: string | null,
  ) {}

  /** Asks the remote side which model it runs (this also warms it). */
  static async connect(transport: InferTransport): Promise<RemoteJudge> {
    const answer = await transport({ action: 'describe' });
    if (!('model' in answer))
      throw new InferenceFailedError('the infer service did not describe its model');
    return new RemoteJudge(transport, answer.model, answer.statusWarning);
  }

  async check(bytes: Uint8Array, options: CheckOptions = {}): Promise<CheckResult> {
    // The pixels stay on the other side: a caller that wanted them decodes the bytes itself.
    const { signal: _signal, onText, onJudged, onDecoded: _onDecoded, ...wireOptions } = options;
    const answer = await this.transport({
      action: 'check',
      image: Buffer.from(bytes).toString('base64'),
      options: { ...wireOptions, explain: wireOptions.explain ?? 'never' },
    });
    if (!('result' in answer))
      throw new InferenceFailedError('the infer service answered without a result');
    const result = answer.result;
    if (result.judgment !== null && result.liveness !== null) {
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
    // Nothing is held here; the transport's client belongs to the caller.
  }
}
