/**
 * How the auth-pipeline guard reaches ifas-guard: in the same process (a CheckService, when the
 * host app embeds the service) or over HTTP (a deployed service and an API key with checks:write).
 */

import type { Caller } from '../audit/audit-record.js';
import type { Decision } from '../inference/check-result.js';
import type { CheckService } from '../service/check-service.js';

export interface GuardCheck {
  id: string;
  decision: Decision;
  liveness: number | null;
  rationale: string | null;
  qualityReason: string | null;
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

export function inProcessChecks(
  checks: CheckService,
  tenant: string,
  caller: Caller = { kind: 'cli', id: 'ifas-guard-middleware' },
): CheckClient {
  return async (input) => {
    const outcome = await checks.submit({
      tenant,
      image: input.image,
      subject: input.subject,
      clientRequestId: input.clientRequestId ?? null,
      explain: 'auto',
      caller,
      requestId: null,
      userAgent: null,
    });
    const r = outcome.stored.record;
    return {
      id: r.checkId,
      decision: r.decision,
      liveness: r.liveness,
      rationale: r.rationale,
      qualityReason: r.qualityReason,
    };
  };
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
