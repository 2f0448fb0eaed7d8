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
