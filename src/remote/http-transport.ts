/**
 * The infer protocol over HTTP, to the infer container on a GPU platform (Cloud Run, Azure Container
 * Apps, RunPod, …): POST {url}/invoke with a bearer credential — the container's own token, or a
 * Google ID token when Cloud Run's IAM ingress guards the service (google-id-token.ts). The call
 * gives up after `timeoutMs` (default 20 s), inside the API's own 29 s.
 */

import { InferenceFailedError } from '../errors.js';
import { parseInferResponse } from './infer-protocol.js';
import type { InferTransport } from './remote-judge.js';

export interface HttpTransportOptions {
  url: string;
  /** The container's token, or a source of Google ID tokens for IAM ingress. */
  token: string | (() => Promise<string>);
  timeoutMs?: number;
}

export const DEFAULT_INFER_TIMEOUT_MS = 20_000;

export function httpTransport(options: HttpTransportOptions): InferTransport {
  const endpoint = `${options.url.replace(/\/$/, '')}/invoke`;
  return async (request) => {
    let response: Response;
    try {
      const credential = typeof options.token === 'string' ? options.token : await options.token();
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_INFER_TIMEOUT_MS),
      });
    } catch (error) {
      throw new InferenceFailedError('the infer container is unreachable', { cause: error });
    }
    const payload: unknown = await response.json().catch(() => null);
    if (payload === null)
      throw new InferenceFailedError(
        `the infer container answered HTTP ${response.status} without JSON`,
      );
    return parseInferResponse(payload, `the infer container (HTTP ${response.status})`);
  };
}
