/**
 * The infer protocol over HTTP, to the infer container on a GPU platform (Cloud Run, Azure Container
 * Apps, RunPod, …): POST {url}/invoke with a bearer token.
 */

import { InferenceFailedError } from '../errors.js';
import { parseInferResponse } from './infer-protocol.js';
import type { InferTransport } from './remote-judge.js';

export interface HttpTransportOptions {
  url: string;
  token: string;
  timeoutMs?: number;
}

export function httpTransport(options: HttpTransportOptions): InferTransport {
  const endpoint = `${options.url.replace(/\/$/, '')}/invoke`;
  return async (request) => {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
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
