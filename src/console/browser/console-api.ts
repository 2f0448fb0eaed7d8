/**
 * The console's calls through the typed API client (openapi-fetch over the types generated from
 * /openapi.json). The credential lives only in this object's closure — in memory, never in a URL or
 * in storage — and signing out drops the object. Every failure becomes one sentence for the page,
 * from the problem+json the API answers with.
 */

import createClient from 'openapi-fetch';
import type { components, paths } from '../../client/api-types.js';

type Schemas = components['schemas'];
export type AuditEntry = Schemas['AuditEntry'];
export type AuditPage = Schemas['AuditPage'];
export type ChainVerdict = Schemas['ChainVerdict'];
export type LatestCheckpoints = Schemas['LatestCheckpoints'];
export type Flag = Schemas['Flag'];
export type ApiKey = Schemas['ApiKey'];
export type FlagStatus = Flag['status'];

export type Answer<T> = { ok: true; data: T } | { ok: false; status: number; message: string };

export interface RecordFilter {
  subject?: string;
  decision?: 'live' | 'spoof' | 'uncertain';
  from?: string;
  to?: string;
  checkId?: string;
}

interface Problem {
  title?: string;
  detail?: string;
  code?: string;
}

/** What an operator should read for a refused or failed call. */
export function problemMessage(status: number, problem: Problem | undefined): string {
  if (status === 401) {
    return `This credential was not accepted: ${problem?.detail ?? 'unknown, expired or revoked'}.`;
  }
  if (status === 403) {
    // The API's detail names the scope: "this credential lacks the audit:read scope".
    const detail = problem?.detail ?? 'this credential lacks the scope this needs';
    return `${detail.charAt(0).toUpperCase()}${detail.slice(1)}.`;
  }
  if (problem?.detail) return `${problem.title ?? 'Error'}: ${problem.detail}`;
  return `The service answered ${status}.`;
}

async function settle<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Answer<T>> {
  try {
    const { data, error, response } = await call;
    if (response.ok && data !== undefined) return { ok: true, data };
    return {
      ok: false,
      status: response.status,
      message: problemMessage(response.status, error as Problem | undefined),
    };
  } catch {
    return { ok: false, status: 0, message: 'The service cannot be reached.' };
  }
}

export type ConsoleApi = ReturnType<typeof consoleApi>;

export function consoleApi(baseUrl: string, credential: string) {
  const client = createClient<paths>({
    baseUrl,
    headers: { authorization: `Bearer ${credential}` },
    // Nothing the console fetches may be cached or sent on with a Referer.
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
  });
  return {
    records: (filter: RecordFilter, cursor?: string) =>
      // Newest first; format=json answers one AuditPage (the route's other media types are exports).
      settle(
        client.GET('/v1/audit', {
          params: {
            query: {
              ...filter,
              format: 'json',
              order: 'desc',
              limit: 25,
              ...(cursor ? { cursor } : {}),
            },
          },
        }) as Promise<{ data?: AuditPage; error?: unknown; response: Response }>,
      ),
    verify: () => settle(client.GET('/v1/audit/verify')),
    checkpoints: () => settle(client.GET('/v1/audit/checkpoints/latest')),
    flags: (status?: FlagStatus) =>
      // The route's maximum page: the oldest 500 with that status.
      settle(
        client.GET('/v1/flags', {
          params: { query: { limit: 500, ...(status ? { status } : {}) } },
        }),
      ),
    retryFlag: (id: string) =>
      settle(client.POST('/v1/flags/{id}/retry', { params: { path: { id } } })),
    keys: () => settle(client.GET('/v1/keys')),
  };
}
