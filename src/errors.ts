/**
 * The one typed error hierarchy of ifas-guard.
 *
 * Every error a caller can see carries a stable `code` (SCREAMING_SNAKE with an area prefix) and an
 * HTTP status, so the HTTP layer maps errors to `application/problem+json` in one place and the CLI
 * prints the same codes. Messages never contain image bytes, tokens or secrets.
 */

export type ErrorCode =
  | 'INPUT_EMPTY'
  | 'INPUT_NOT_AN_IMAGE'
  | 'INPUT_UNSUPPORTED_FORMAT'
  | 'INPUT_TRUNCATED_IMAGE'
  | 'INPUT_TOO_MANY_PIXELS'
  | 'INPUT_TOO_LARGE'
  | 'MODEL_PACKAGE_NOT_FOUND'
  | 'MODEL_MANIFEST_INVALID'
  | 'MODEL_FILE_TAMPERED'
  | 'MODEL_LOAD_FAILED'
  | 'MODEL_NOT_READY'
  | 'INFER_FAILED'
  | 'INFER_TIMEOUT'
  | 'INFER_ABORTED'
  | 'CONFIG_INVALID'
  | 'INPUT_INVALID'
  | 'INPUT_MEDIA_TYPE_UNSUPPORTED'
  | 'INPUT_MALFORMED'
  | 'INTERNAL_ERROR'
  | 'AUTH_MISSING'
  | 'AUTH_INVALID'
  | 'AUTH_FORBIDDEN'
  | 'NOT_FOUND'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'QUEUE_FULL'
  | 'AUDIT_WRITE_FAILED'
  | 'HOOK_SIGNATURE_INVALID'
  | 'HOOK_REPLAYED'
  | 'SESSION_EXPIRED'
  | 'SESSION_EXHAUSTED';

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

/** A client request id sent again with a different image (409). */
export class IdempotencyConflictError extends AppError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  readonly status = 409;
  readonly title = 'Client request id reused with a different request';
}

/** The inference queue is full (503); `retryAfterSeconds` becomes the Retry-After header. */
export class QueueFullError extends AppError {
  readonly code = 'QUEUE_FULL';
  readonly status = 503;
  readonly title = 'Service busy';
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
    options?: AppErrorOptions,
  ) {
    super(message, options);
  }
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
