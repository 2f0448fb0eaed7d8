/**
 * `ifas-guard/guard`: the auth-pipeline guard (src/guard, also published alone as
 * ifas-guard-client) plus the in-process clients (checks and sessions) for a host app that embeds the service.
 */

export * from '../guard/index.js';
export { inProcessChecks } from './in-process-checks.js';
export { inProcessSessions } from './in-process-sessions.js';
