/**
 * Cognito custom-authentication triggers (Define, Create and Verify Auth Challenge) for a liveness
 * challenge; wiring and settings in src/app/cognito-triggers.ts, logic in src/cognito/.
 */

export { createHandler, defineHandler, verifyHandler } from '../src/app/cognito-triggers.js';
