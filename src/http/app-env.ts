/**
 * The Hono environment every route shares: the authenticated principal and the request id.
 */

import type { RequestIdVariables } from 'hono/request-id';
import type { AuthVariables } from '../auth/auth-middleware.js';

export interface AppEnv {
  Variables: AuthVariables & RequestIdVariables;
}
