/**
 * The typed client for ifas-guard's public API: openapi-fetch over the types generated from
 * /openapi.json (src/client/api-types.ts), authenticated by an API key. Used by the guard's remote
 * session redemption and by the docs' examples.
 */

import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './api-types.js';

export type IfasApiClient = Client<paths>;

export interface ApiClientOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
}

export function ifasApiClient(options: ApiClientOptions): IfasApiClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
