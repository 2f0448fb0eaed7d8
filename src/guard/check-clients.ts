/**
 * How the auth-pipeline guard reaches ifas-guard: over HTTP (a deployed service and an API key
 * with checks:write), or in the same process through app/in-process-checks.ts when the host app
 * embeds the service. Its run-time imports stay inside guard/, face/face-match.ts and the kernel:
 * it is also the light package packages/guard-client.
 */

import type { FaceMatch } from '../face/face-match.js';
import type { Decision } from '../inference/decisions.js';

export interface GuardCheck {
  id: string;
  decision: Decision;
  liveness: number | null;
  rationale: string | null;
  qualityReason: string | null;
  /** Present when the subject has an enrolled reference face. */
  match?: FaceMatch;
  /**
   * The service's policy for this tenant requires an enrolled reference: from the check or redemption
   * answer over HTTP (`referenceRequired`), from the service itself in-process.
   */
  referenceRequired?: boolean;
}

export interface GuardCheckInput {
  image: Uint8Array;
  subject: string | null;
  clientRequestId?: string;
}

export type CheckClient = (input: GuardCheckInput) => Promise<GuardCheck>;

/** A failure to get a decision (service unreachable, refused the request); `status` is the service's. */
export class GuardCheckError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'GuardCheckError';
  }
}

export interface RemoteOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function remoteChecks(options: RemoteOptions): CheckClient {
  const send = options.fetch ?? fetch;
  const url = `${options.baseUrl.replace(/\/$/, '')}/v1/checks`;
  return async (input) => {
    const form = new FormData();
    form.append('image', new Blob([input.image]));
    form.append('explain', 'auto');
    if (input.subject !== null) form.append('subject', input.subject);
    if (input.clientRequestId) form.append('clientRequestId', input.clientRequestId);
    let response: Response;
    try {
      response = await send(url, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${options.apiKey}` },
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
    } catch (error) {
      throw new GuardCheckError(
        `ifas-guard is unreachable: ${error instanceof Error ? error.message : String(error)}`,
        503,
        'GUARD_UNREACHABLE',
      );
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      throw new GuardCheckError(
        String(body.detail ?? `HTTP ${response.status}`),
        response.status,
        String(body.code ?? 'GUARD_FAILED'),
      );
    }
    return body as unknown as GuardCheck;
  };
}
