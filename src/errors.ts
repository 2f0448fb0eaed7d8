/**
 * The one typed error hierarchy of ifas-guard.
 *
 * Every error a caller can see carries a stable `code` (SCREAMING_SNAKE with an area prefix) and an
 * HTTP status, so the HTTP layer maps errors to `application/problem+json` in one place and the CLI
 * prints the same codes. Messages never contain image bytes, tokens or secrets.
 */

/** Every code a caller can see, in one list: HTTP problems, the infer wire, the guard and the CLI. */
export const ERROR_CODES = [
  'INPUT_EMPTY',
  'INPUT_NOT_AN_IMAGE',
  'INPUT_UNSUPPORTED_FORMAT',
  'INPUT_TRUNCATED_IMAGE',
  'INPUT_TOO_MANY_PIXELS',
  'INPUT_TOO_LARGE',
  'INPUT_FILE_NOT_FOUND',
  'MODEL_PACKAGE_NOT_FOUND',
  'MODEL_MANIFEST_INVALID',
  'MODEL_FILE_TAMPERED',
  'MODEL_LOAD_FAILED',
  'MODEL_NOT_READY',
  'INFER_FAILED',
  'INFER_TIMEOUT',
  'INFER_ABORTED',
  'CONFIG_INVALID',
  'INPUT_INVALID',
  'INPUT_MEDIA_TYPE_UNSUPPORTED',
  'INPUT_MALFORMED',
  'INTERNAL_ERROR',
  'AUTH_MISSING',
  'AUTH_INVALID',
  'AUTH_FORBIDDEN',
  'NOT_FOUND',
  'IDEMPOTENCY_KEY_REUSED',
  'QUEUE_FULL',
  'AUDIT_WRITE_FAILED',
  'HOOK_SIGNATURE_INVALID',
  'HOOK_REPLAYED',
  'LIVENESS_FAILED',
  'LIVENESS_NO_IMAGE',
  'LIVENESS_NO_SESSION',
  'LIVENESS_SESSION_REFUSED',
  'LIVENESS_UNAVAILABLE',
  'REFERENCE_REJECTED',
  'STORE_BUSY',
  'SESSION_EXPIRED',
  'SESSION_EXHAUSTED',
  'INFER_WORKER_CRASHED',
  'RATE_LIMITED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Each code's problem type URI (RFC 9457 `type`). */
export const PROBLEM_TYPE_BASE = 'https://ifas-guard.dev/problems/';

export function problemTypeFor(code: ErrorCode): string {
  return `${PROBLEM_TYPE_BASE}${code.toLowerCase()}`;
}

export interface AppErrorOptions {
  cause?: unknown;
  /** Structured, non-sensitive facts for logs and problem bodies (file names, limits, shapes). */
  details?: Record<string, unknown>;
}

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly status: number;
  abstract readonly title: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = this.constructor.name;
    this.details = options.details;
  }
}

/** The image bytes cannot be judged: empty, not an image, unsupported, truncated or too large. */
export class InvalidImageError extends AppError {
  readonly status = 422;
  readonly title = 'Image cannot be processed';
  constructor(
    readonly code: Extract<
      ErrorCode,
      | 'INPUT_EMPTY'
      | 'INPUT_NOT_AN_IMAGE'
      | 'INPUT_UNSUPPORTED_FORMAT'
      | 'INPUT_TRUNCATED_IMAGE'
      | 'INPUT_TOO_MANY_PIXELS'
    >,
    message: string,
    options?: AppErrorOptions,
  ) {
    super(message, options);
  }
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'INPUT_TOO_LARGE';
  readonly status = 413;
  readonly title = 'Payload too large';
}

/** The model package is missing, malformed or does not match its manifest's hashes. */
export class ModelPackageError extends AppError {
  readonly status = 500;
  readonly title = 'Model package rejected';
  constructor(
    readonly code: Extract<
      ErrorCode,
      | 'MODEL_PACKAGE_NOT_FOUND'
      | 'MODEL_MANIFEST_INVALID'
      | 'MODEL_FILE_TAMPERED'
      | 'MODEL_LOAD_FAILED'
    >,
    message: string,
    options?: AppErrorOptions,
  ) {
    super(message, options);
  }
}

export class ModelNotReadyError extends AppError {
  readonly code = 'MODEL_NOT_READY';
  readonly status = 503;
  readonly title = 'Model not ready';
}

export class InferenceFailedError extends AppError {
  readonly code = 'INFER_FAILED';
  readonly status = 500;
  readonly title = 'Inference failed';
}

export class InferenceTimeoutError extends AppError {
  readonly code = 'INFER_TIMEOUT';
  readonly status = 504;
  readonly title = 'Inference timed out';
}

export class InferenceAbortedError extends AppError {
  readonly code = 'INFER_ABORTED';
  readonly status = 499;
  readonly title = 'Inference aborted';
}

/** A request or input file that does not match its schema. */
export class ValidationError extends AppError {
  readonly code = 'INPUT_INVALID';
  readonly status = 422;
  readonly title = 'Invalid input';
}

/** Bad configuration: fails start-up, never sent to clients. */
export class ConfigError extends AppError {
  readonly code = 'CONFIG_INVALID';
  readonly status = 500;
  readonly title = 'Invalid configuration';
}

/** The request body is in a format the route does not take (HTTP 415). */
export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'INPUT_MEDIA_TYPE_UNSUPPORTED';
  readonly status = 415;
  readonly title = 'Unsupported media type';
}

/**
 * No usable credential (401): `AUTH_MISSING` when none was sent, `AUTH_INVALID` when it was wrong,
 * expired, revoked or for another audience. The HTTP layer adds `WWW-Authenticate`.
 */
export class AuthenticationError extends AppError {
  readonly status = 401;
  readonly title = 'Authentication required';
  constructor(
    readonly code: Extract<ErrorCode, 'AUTH_MISSING' | 'AUTH_INVALID'>,
    message: string,
    options?: AppErrorOptions,
  ) {
    super(message, options);
  }
}

/** A valid credential without the scope the route needs (403). */
export class ForbiddenError extends AppError {
  readonly code = 'AUTH_FORBIDDEN';
  readonly status = 403;
  readonly title = 'Insufficient scope';
  constructor(
    readonly requiredScope: string,
    message: string,
    options?: AppErrorOptions,
  ) {
    super(message, options);
  }
}

/** Nothing with that id for this tenant; another tenant's records answer the same (404). */
export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND';
  readonly status = 404;
  readonly title = 'Not found';
}

/**
 * An enrolment photo that cannot become a reference face (422): no face, several faces, poor quality,
 * or not judged live. `details.reason` is the quality reason or the decision; nothing is stored.
 */
export class ReferenceRejectedError extends AppError {
  readonly code = 'REFERENCE_REJECTED';
  readonly status = 422;
  readonly title = 'Reference face rejected';
}

/** A client request id sent again with a different image (409). */
export class IdempotencyConflictError extends AppError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  readonly status = 409;
  readonly title = 'Client request id reused with a different request';
}

/** An error worth retrying later: `retryAfterSeconds` becomes the Retry-After header. */
export abstract class RetryLaterError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
    options?: AppErrorOptions,
  ) {
    super(message, options);
  }
}

/** The inference queue is full (503). */
export class QueueFullError extends RetryLaterError {
  readonly code = 'QUEUE_FULL';
  readonly status = 503;
  readonly title = 'Service busy';
}

/** The database stayed locked by another connection for longer than the wait allows (503). */
export class StoreBusyError extends RetryLaterError {
  readonly code = 'STORE_BUSY';
  readonly status = 503;
  readonly title = 'Store busy';
}

/** The decision could not be recorded, so it is not returned (500): nothing unaudited is acknowledged. */
export class AuditWriteError extends AppError {
  readonly code = 'AUDIT_WRITE_FAILED';
  readonly status = 500;
  readonly title = 'Audit log write failed';
}

/** A body that cannot be parsed at all, such as broken JSON (400). */
export class MalformedRequestError extends AppError {
  readonly code = 'INPUT_MALFORMED';
  readonly status = 400;
  readonly title = 'Malformed request';
}

/** An inbound hook whose signature, timestamp or shared secret does not verify (401). */
export class HookAuthenticationError extends AppError {
  readonly code = 'HOOK_SIGNATURE_INVALID';
  readonly status = 401;
  readonly title = 'Hook not authenticated';
}

/** An inbound hook message id seen before (409): a replay, answered once only. */
export class HookReplayError extends AppError {
  readonly code = 'HOOK_REPLAYED';
  readonly status = 409;
  readonly title = 'Hook message replayed';
}

/** A failure with no more specific code (500); its message is logged, never sent to clients. */
export class InternalError extends AppError {
  readonly code = 'INTERNAL_ERROR';
  readonly status = 500;
  readonly title = 'Internal error';
}

/** A file named on the command line that does not exist (CLI only). */
export class InputFileNotFoundError extends AppError {
  readonly code = 'INPUT_FILE_NOT_FOUND';
  readonly status = 404;
  readonly title = 'Input file not found';
}

const LIVENESS_STATUS = {
  LIVENESS_FAILED: 403,
  LIVENESS_NO_IMAGE: 400,
  LIVENESS_NO_SESSION: 400,
  LIVENESS_SESSION_REFUSED: 403,
  LIVENESS_UNAVAILABLE: 503,
} as const;

/**
 * The guard middleware's refusals: the face check did not pass — not live, or not the account's face —
 * (403), the login carried no face image or names no liveness session (400), the session cannot be
 * used (403), or no decision could be had (503).
 */
export class LivenessRefusedError extends AppError {
  readonly title = 'Liveness check did not pass';
  readonly status: number;
  constructor(
    readonly code: keyof typeof LIVENESS_STATUS,
    message: string,
    options?: AppErrorOptions,
  ) {
    super(message, options);
    this.status = LIVENESS_STATUS[code];
  }
}

/** A liveness session past its expiry time refuses captures (410). */
export class SessionExpiredError extends AppError {
  readonly code = 'SESSION_EXPIRED';
  readonly status = 410;
  readonly title = 'Liveness session expired';
}

/** A liveness session whose attempts are used up refuses captures (410). */
export class SessionExhaustedError extends AppError {
  readonly code = 'SESSION_EXHAUSTED';
  readonly status = 410;
  readonly title = 'Liveness session has no attempts left';
}

/** The model worker thread running a check exited before answering (503: the pool replaces it). */
export class InferenceWorkerCrashedError extends AppError {
  readonly code = 'INFER_WORKER_CRASHED';
  readonly status = 503;
  readonly title = 'Model worker crashed';
}

/** Too many requests of one kind from one client in a short time (429), e.g. a session's previews. */
export class RateLimitedError extends RetryLaterError {
  readonly code = 'RATE_LIMITED';
  readonly status = 429;
  readonly title = 'Too many requests';
}

/** What a code needs besides its message to be rebuilt elsewhere (over the infer wire). */
export interface ErrorExtras {
  details?: Record<string, unknown> | undefined;
  retryAfterSeconds?: number | undefined;
  requiredScope?: string | undefined;
}

type ErrorFactory = (message: string, extras: ErrorExtras) => AppError;

const optionsOf = ({ details }: ErrorExtras): AppErrorOptions => (details ? { details } : {});

const plain =
  (Make: new (message: string, options?: AppErrorOptions) => AppError): ErrorFactory =>
  (message, extras) =>
    new Make(message, optionsOf(extras));

const withCode =
  <C extends ErrorCode>(
    Make: new (code: C, message: string, options?: AppErrorOptions) => AppError,
    code: C,
  ): ErrorFactory =>
  (message, extras) =>
    new Make(code, message, optionsOf(extras));

/** The registry: every code and the typed error it stands for. TypeScript keeps it complete. */
const ERROR_FACTORIES: Record<ErrorCode, ErrorFactory> = {
  INPUT_EMPTY: withCode(InvalidImageError, 'INPUT_EMPTY'),
  INPUT_NOT_AN_IMAGE: withCode(InvalidImageError, 'INPUT_NOT_AN_IMAGE'),
  INPUT_UNSUPPORTED_FORMAT: withCode(InvalidImageError, 'INPUT_UNSUPPORTED_FORMAT'),
  INPUT_TRUNCATED_IMAGE: withCode(InvalidImageError, 'INPUT_TRUNCATED_IMAGE'),
  INPUT_TOO_MANY_PIXELS: withCode(InvalidImageError, 'INPUT_TOO_MANY_PIXELS'),
  INPUT_TOO_LARGE: plain(PayloadTooLargeError),
  INPUT_FILE_NOT_FOUND: plain(InputFileNotFoundError),
  MODEL_PACKAGE_NOT_FOUND: withCode(ModelPackageError, 'MODEL_PACKAGE_NOT_FOUND'),
  MODEL_MANIFEST_INVALID: withCode(ModelPackageError, 'MODEL_MANIFEST_INVALID'),
  MODEL_FILE_TAMPERED: withCode(ModelPackageError, 'MODEL_FILE_TAMPERED'),
  MODEL_LOAD_FAILED: withCode(ModelPackageError, 'MODEL_LOAD_FAILED'),
  MODEL_NOT_READY: plain(ModelNotReadyError),
  INFER_FAILED: plain(InferenceFailedError),
  INFER_TIMEOUT: plain(InferenceTimeoutError),
  INFER_ABORTED: plain(InferenceAbortedError),
  CONFIG_INVALID: plain(ConfigError),
  INPUT_INVALID: plain(ValidationError),
  INPUT_MEDIA_TYPE_UNSUPPORTED: plain(UnsupportedMediaTypeError),
  INPUT_MALFORMED: plain(MalformedRequestError),
  INTERNAL_ERROR: plain(InternalError),
  AUTH_MISSING: withCode(AuthenticationError, 'AUTH_MISSING'),
  AUTH_INVALID: withCode(AuthenticationError, 'AUTH_INVALID'),
  AUTH_FORBIDDEN: (message, extras) =>
    new ForbiddenError(extras.requiredScope ?? '', message, optionsOf(extras)),
  NOT_FOUND: plain(NotFoundError),
  IDEMPOTENCY_KEY_REUSED: plain(IdempotencyConflictError),
  QUEUE_FULL: (message, extras) =>
    new QueueFullError(extras.retryAfterSeconds ?? 1, message, optionsOf(extras)),
  AUDIT_WRITE_FAILED: plain(AuditWriteError),
  HOOK_SIGNATURE_INVALID: plain(HookAuthenticationError),
  HOOK_REPLAYED: plain(HookReplayError),
  LIVENESS_FAILED: withCode(LivenessRefusedError, 'LIVENESS_FAILED'),
  LIVENESS_NO_IMAGE: withCode(LivenessRefusedError, 'LIVENESS_NO_IMAGE'),
  LIVENESS_NO_SESSION: withCode(LivenessRefusedError, 'LIVENESS_NO_SESSION'),
  LIVENESS_SESSION_REFUSED: withCode(LivenessRefusedError, 'LIVENESS_SESSION_REFUSED'),
  LIVENESS_UNAVAILABLE: withCode(LivenessRefusedError, 'LIVENESS_UNAVAILABLE'),
  REFERENCE_REJECTED: plain(ReferenceRejectedError),
  STORE_BUSY: (message, extras) =>
    new StoreBusyError(extras.retryAfterSeconds ?? 1, message, optionsOf(extras)),
  SESSION_EXPIRED: plain(SessionExpiredError),
  SESSION_EXHAUSTED: plain(SessionExhaustedError),
  INFER_WORKER_CRASHED: plain(InferenceWorkerCrashedError),
  RATE_LIMITED: (message, extras) =>
    new RateLimitedError(extras.retryAfterSeconds ?? 1, message, optionsOf(extras)),
};

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_FACTORIES, code);
}

/** The typed error a code stands for, e.g. when it arrives from another process. */
export function errorForCode(code: ErrorCode, message: string, extras: ErrorExtras = {}): AppError {
  return ERROR_FACTORIES[code](message, extras);
}

/** The extras an error carries that `errorForCode` needs to rebuild it. */
export function extrasOf(error: AppError): ErrorExtras {
  return {
    ...(error.details ? { details: error.details } : {}),
    ...(error instanceof RetryLaterError ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    ...(error instanceof ForbiddenError ? { requiredScope: error.requiredScope } : {}),
  };
}
