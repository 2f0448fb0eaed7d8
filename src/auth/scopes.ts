/**
 * What a credential may do. Keys and JWTs carry a subset; each route names the one it needs.
 */

import { z } from 'zod';

export const SCOPES = [
  'checks:write',
  'checks:read',
  'audit:read',
  'metrics:read',
  'images:read',
  'subjects:write',
  'sessions:write',
  'sessions:read',
  // Requeue a dead-letter flag for delivery (the operator console's retry).
  'flags:write',
  // List the tenant's API keys (ids, names, scopes, dates; never a secret or its hash).
  'keys:read',
] as const;
export const scopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof scopeSchema>;

/** Who is calling, after authentication. Every query the routes run is filtered by `tenant`. */
export interface Principal {
  tenant: string;
  scopes: ReadonlySet<string>;
  /** An API key id or a JWT `sub`; recorded in the audit log, never the credential itself. */
  caller: { kind: 'api-key' | 'jwt'; id: string };
}
