/**
 * The importable auth-pipeline guard: `import { ifasGuard, ifasGuardMiddleware, remoteChecks } from 'ifas-guard/guard'`.
 */

export {
  type CheckClient,
  type GuardCheck,
  GuardCheckError,
  inProcessChecks,
  remoteChecks,
} from './check-clients.js';
export {
  type GuardOptions,
  type GuardVariables,
  type GuardVerdict,
  ifasGuard,
  ifasGuardMiddleware,
} from './ifas-guard.js';
export {
  inProcessSessions,
  remoteSessions,
  type SessionClient,
  type SessionRedeemOutcome,
} from './session-clients.js';
