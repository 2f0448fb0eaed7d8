/**
 * The payload between the API function and the `infer` function (and the infer container's HTTP
 * mode): zod-validated on both sides. Errors travel as their stable code and come back as the same
 * typed errors, so a remote model fails exactly like a local one.
 */

import { z } from 'zod';
import {
  AppError,
  InferenceFailedError,
  InferenceTimeoutError,
  InvalidImageError,
  ModelNotReadyError,
  ModelPackageError,
  PayloadTooLargeError,
  QueueFullError,
  ValidationError,
} from '../errors.js';
import type { CheckResult, ModelInfo } from './engine.js';

export const inferRequestSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('check'),
    image: z.base64(),
    options: z
      .object({
        explain: z.union([z.boolean(), z.literal('auto')]).default(false),
        maxNewTokens: z.number().int().min(0).max(4096).optional(),
        minNewTokens: z.number().int().min(0).max(4096).optional(),
        rationaleTimeoutMs: z.number().min(0).max(900_000).optional(),
        threshold: z.number().min(0).max(1).optional(),
        detect: z.boolean().optional(),
      })
      .default({ explain: false }),
  }),
  z.object({ action: z.literal('describe') }),
]);

export type InferRequest = z.input<typeof inferRequestSchema>;

export interface WireError {
  code: string;
  status: number;
  message: string;
  /** With QUEUE_FULL: when the remote model expects to have room. */
  retryAfterSeconds?: number;
}

export type InferResponse =
  | { ok: true; result: CheckResult }
  | { ok: true; model: ModelInfo; statusWarning: string | null }
  | { ok: false; error: WireError };

export function wireErrorOf(error: unknown): WireError {
  if (error instanceof QueueFullError) {
    const { code, status, message, retryAfterSeconds } = error;
    return { code, status, message, retryAfterSeconds };
  }
  if (error instanceof AppError)
    return { code: error.code, status: error.status, message: error.message };
  return { code: 'INFER_FAILED', status: 500, message: 'inference failed' };
}

/** The typed error a wire error stands for. */
export function errorFromWire(wire: WireError): AppError {
  const { code, message } = wire;
  switch (code) {
    case 'INPUT_EMPTY':
    case 'INPUT_NOT_AN_IMAGE':
    case 'INPUT_UNSUPPORTED_FORMAT':
    case 'INPUT_TRUNCATED_IMAGE':
    case 'INPUT_TOO_MANY_PIXELS':
      return new InvalidImageError(code, message);
    case 'INPUT_TOO_LARGE':
      return new PayloadTooLargeError(message);
    case 'INPUT_INVALID':
      return new ValidationError(message);
    case 'MODEL_PACKAGE_NOT_FOUND':
    case 'MODEL_MANIFEST_INVALID':
    case 'MODEL_FILE_TAMPERED':
    case 'MODEL_LOAD_FAILED':
      return new ModelPackageError(code, message);
    case 'MODEL_NOT_READY':
      return new ModelNotReadyError(message);
    case 'INFER_TIMEOUT':
      return new InferenceTimeoutError(message);
    // The remote model is busy: the API answers 503 with its Retry-After rather than a failure.
    case 'QUEUE_FULL':
      return new QueueFullError(wire.retryAfterSeconds ?? 1, message);
    default:
      return new InferenceFailedError(`remote inference failed: ${code}: ${message}`);
  }
}
