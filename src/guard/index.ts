/**
 * The auth-pipeline guard: `import { ifasGuard, ifasGuardMiddleware, remoteChecks } from 'ifas-guard-client'` (or from
 * 'ifas-guard/guard', which adds the in-process client). No run-time imports beyond this folder,
 * src/errors.ts, src/inference/decisions.ts and src/face/face-match.ts (zod).
 */

export {
  type CheckClient,
  type GuardCheck,
  GuardCheckError,
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
  remoteSessions,
  type SessionClient,
  type SessionRedeemOutcome,
} from './session-clients.js';
