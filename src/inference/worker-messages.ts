/**
 * The messages between the worker pool (main thread) and its engine workers. Both sides are this
 * build, so the shapes are typed, not validated; errors cross as code + message + extras and are
 * rebuilt as the same typed error with `errorForCode`.
 */

import { AppError, type ErrorCode, type ErrorExtras, extrasOf } from '../errors.js';
import type { BatchingOptions } from './batching-judge.js';
import type { CheckResult, JudgedCheck, ModelInfo } from './check-result.js';
import type { CheckOptions, EngineOptions } from './engine.js';
import type { FacePreview, PreviewOptions } from './judge.js';

/** What a worker loads: settings only (no functions, no loaded objects cross a thread). */
export interface EngineWorkerData {
  modelDir: string;
  engine: Pick<
    EngineOptions,
    'executionProvider' | 'intraOpThreads' | 'decoderThreads' | 'maxPixels' | 'face'
  >;
  detectFaces: boolean;
  batching: BatchingOptions;
}

/** The options of a check that can cross: the callbacks become `wants` flags, the signal an abort. */
export type WorkerCheckOptions = Omit<CheckOptions, 'signal' | 'onJudged' | 'onText' | 'onDecoded'>;

export interface SerializedError {
  code: ErrorCode;
  message: string;
  extras: ErrorExtras;
}

export type ToWorker =
  | {
      type: 'check';
      id: number;
      bytes: Uint8Array;
      options: WorkerCheckOptions;
      wants: { judged: boolean; text: boolean; decoded: boolean };
    }
  | { type: 'preview'; id: number; bytes: Uint8Array; options: PreviewOptions }
  | { type: 'abort'; id: number }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; model: ModelInfo; statusWarning: string | null }
  | { type: 'load-failed'; error: SerializedError }
  | { type: 'judged'; id: number; judged: JudgedCheck }
  | { type: 'text'; id: number; delta: string }
  | {
      type: 'decoded';
      id: number;
      image: { data: Uint8Array; width: number; height: number; format: 'jpeg' | 'png' | 'webp' };
    }
  | { type: 'result'; id: number; result: CheckResult }
  | { type: 'previewed'; id: number; preview: FacePreview }
  | { type: 'failed'; id: number; error: SerializedError };

/** A typed error keeps its code; anything else crosses as INFER_FAILED (its text stays in the worker). */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof AppError) {
    return { code: error.code, message: error.message, extras: extrasOf(error) };
  }
  return { code: 'INFER_FAILED', message: 'inference failed in a model worker', extras: {} };
}
