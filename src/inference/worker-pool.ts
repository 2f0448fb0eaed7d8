/**
 * The model on several cores: N worker threads, each with its own engine and its own dynamic batcher
 * (engine-worker.ts), behind the same Judge interface as one in-process engine. onnxruntime-node runs
 * a session synchronously on the thread that calls it, so one process judges on one core at a time
 * outside the vision encoder's pool; workers let the cores judge different checks at once.
 *
 * - A check goes to the worker with the fewest checks in flight (so batches form per worker).
 * - The package is verified once here, in the main thread, with the one verified-files record.
 * - A worker that exits unasked fails its in-flight checks with InferenceWorkerCrashedError (503,
 *   worth a retry) and is replaced; a replacement that cannot load is retried with backoff.
 * - dispose() is graceful: new checks are refused, the ones in flight finish, then each worker
 *   releases its sessions and exits (terminated if it does not within the grace period).
 */

import { Worker } from 'node:worker_threads';
import {
  errorForCode,
  InferenceTimeoutError,
  InferenceWorkerCrashedError,
  ModelNotReadyError,
} from '../errors.js';
import type { CheckResult, ModelInfo } from './check-result.js';
import { type CheckOptions, type EngineOptions, IfasEngine } from './engine.js';
import type { FacePreview, Judge, PreviewOptions } from './judge.js';
import type {
  EngineWorkerData,
  FromWorker,
  SerializedError,
  ToWorker,
  WorkerCheckOptions,
} from './worker-messages.js';

export interface WorkerPoolOptions extends Omit<EngineWorkerData, 'engine'> {
  workers: number;
  engine: EngineWorkerData['engine'] &
    Pick<EngineOptions, 'verifyHashes' | 'verifyMode' | 'hashCache'>;
  /** How long dispose() waits for in-flight checks and for workers to exit (default 10 s). */
  shutdownGraceMs?: number;
  /** Told about worker exits and failed replacements (the server logs them). */
  log?: (line: string) => void;
}

interface Pending {
  options: CheckOptions;
  resolve: (result: CheckResult) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

interface Slot {
  worker: Worker;
  /** Kept: `worker.threadId` reads -1 once the thread has exited. */
  threadId: number;
  ready: boolean;
  stopping: boolean;
  pending: Map<number, Pending>;
  /** Face-stage previews (live hints) in flight: short, and never batched with the checks. */
  previews: Map<
    number,
    { resolve: (preview: FacePreview) => void; reject: (error: unknown) => void }
  >;
}

const REPLACE_BACKOFF_MS = [100, 1_000, 5_000, 30_000];

function errorOf(serialized: SerializedError): Error {
  return errorForCode(serialized.code, serialized.message, serialized.extras);
}

/**
 * The worker's script: the compiled engine-worker.js beside this module, or, when this module runs
 * from TypeScript sources (tests, `tsx`), the .ts file through tsx's loader.
 */
function spawnEngineWorker(workerData: EngineWorkerData): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const script = new URL('./engine-worker.ts', here).href;
    const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })`;
    return new Worker(bootstrap, { eval: true, workerData });
  }
  return new Worker(new URL('./engine-worker.js', here), { workerData });
}

export class EngineWorkerPool implements Judge {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closing = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** Counters for metrics, tests and benchmarks. */
  readonly stats = { crashes: 0, replaced: 0, checks: 0 };

  private constructor(
    private readonly options: WorkerPoolOptions,
    readonly model: ModelInfo,
    readonly statusWarning: string | null,
  ) {}

  /** Verifies the package once, then starts every worker and waits until all have loaded. */
  static async start(options: WorkerPoolOptions): Promise<EngineWorkerPool> {
    const { verifyHashes, verifyMode, hashCache, ...engine } = options.engine;
    if (verifyHashes ?? true) {
      await IfasEngine.verify(options.modelDir, {
        ...(verifyMode ? { verifyMode } : {}),
        ...(hashCache ? { hashCache } : {}),
        ...(options.detectFaces ? {} : { faceDetector: false as const }),
      });
    }
    const workerOptions = { ...options, engine };
    const started = await Promise.allSettled(
      Array.from({ length: options.workers }, () => startSlot(workerOptions)),
    );
    const failed = started.find((s) => s.status === 'rejected');
    const slots = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (failed) {
      await Promise.all(slots.map(({ slot }) => slot.worker.terminate()));
      throw failed.reason;
    }
    const first = slots[0];
    if (!first) throw new RangeError('a worker pool needs at least one worker');
    const pool = new EngineWorkerPool(workerOptions, first.model, first.statusWarning);
    for (const { slot } of slots) pool.adopt(slot);
    return pool;
  }

  get size(): number {
    return this.slots.filter((slot) => slot.ready).length;
  }

  /** The worker threads' ids (diagnostics; a replaced worker has a new id). */
  get threadIds(): number[] {
    return this.slots.map((slot) => slot.threadId);
  }

  /** In-flight checks per worker, in slot order. */
  get inFlight(): number[] {
    return this.slots.map((slot) => slot.pending.size);
  }

  /** Ends one worker abruptly, as a crash would (fault tests and drills). */
  async killWorker(threadId: number): Promise<void> {
    const slot = this.slots.find((s) => s.threadId === threadId);
    if (slot) await slot.worker.terminate();
  }

  check(bytes: Uint8Array, options: CheckOptions = {}): Promise<CheckResult> {
    if (this.closing) {
      return Promise.reject(new ModelNotReadyError('the model is shutting down'));
    }
    const slot = this.leastLoaded();
    if (!slot) {
      return Promise.reject(new ModelNotReadyError('no model worker is running; one is starting'));
    }
    const { signal, onJudged, onText, onDecoded, ...rest } = options;
    const wireOptions: WorkerCheckOptions = rest;
    const id = this.nextId++;
    this.stats.checks++;
    return new Promise<CheckResult>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new InferenceTimeoutError('the request time limit passed before the model ran'));
        return;
      }
      const onAbort = (): void => this.post(slot, { type: 'abort', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      slot.pending.set(id, {
        options,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      this.post(slot, {
        type: 'check',
        id,
        bytes,
        options: wireOptions,
        wants: { judged: !!onJudged, text: !!onText, decoded: !!onDecoded },
      });
    });
  }

  /** The face stage alone on a preview frame, in the least-loaded worker; undefined without detection. */
  get preview():
    | ((bytes: Uint8Array, options: PreviewOptions) => Promise<FacePreview>)
    | undefined {
    if (!this.options.detectFaces) return undefined;
    return (bytes, options) => {
      const slot = this.closing ? undefined : this.leastLoaded();
      if (!slot) return Promise.reject(new ModelNotReadyError('no model worker is running'));
      const id = this.nextId++;
      return new Promise<FacePreview>((resolve, reject) => {
        slot.previews.set(id, { resolve, reject });
        this.post(slot, { type: 'preview', id, bytes, options });
      });
    };
  }

  private post(slot: Slot, message: ToWorker): void {
    slot.worker.postMessage(message);
  }

  private leastLoaded(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (!slot.ready || slot.stopping) continue;
      if (!best || slot.pending.size < best.pending.size) best = slot;
    }
    return best;
  }

  /** Takes a started worker into the pool: its answers settle checks, its exit replaces it. */
  private adopt(slot: Slot): void {
    this.slots.push(slot);
    slot.worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    slot.worker.on('error', (error) => {
      this.options.log?.(`model worker ${slot.threadId} failed: ${error.message}`);
    });
    slot.worker.once('exit', (code) => this.onExit(slot, code));
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    if (message.type === 'ready' || message.type === 'load-failed') return;
    const preview = slot.previews.get(message.id);
    if (preview && (message.type === 'previewed' || message.type === 'failed')) {
      slot.previews.delete(message.id);
      if (message.type === 'previewed') preview.resolve(message.preview);
      else preview.reject(errorOf(message.error));
      return;
    }
    const pending = slot.pending.get(message.id);
    if (!pending) return;
    switch (message.type) {
      case 'judged':
        pending.options.onJudged?.(message.judged);
        return;
      case 'text':
        pending.options.onText?.(message.delta);
        return;
      case 'decoded': {
        const { data, ...rest } = message.image;
        pending.options.onDecoded?.({
          ...rest,
          data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
        });
        return;
      }
      case 'previewed':
        return;
      case 'result':
        slot.pending.delete(message.id);
        pending.cleanup();
        pending.resolve(message.result);
        return;
      case 'failed':
        slot.pending.delete(message.id);
        pending.cleanup();
        pending.reject(errorOf(message.error));
        return;
    }
  }

  private onExit(slot: Slot, code: number): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    const crashed = !slot.stopping;
    for (const pending of slot.pending.values()) {
      pending.cleanup();
      pending.reject(
        crashed
          ? new InferenceWorkerCrashedError(
              `the model worker running this check exited (code ${code}); retry`,
            )
          : new ModelNotReadyError('the model is shutting down'),
      );
    }
    slot.pending.clear();
    for (const preview of slot.previews.values()) {
      preview.reject(new InferenceWorkerCrashedError(`the model worker exited (code ${code})`));
    }
    slot.previews.clear();
    if (crashed && !this.closing) {
      this.stats.crashes++;
      this.options.log?.(`model worker ${slot.threadId} exited (code ${code}); replacing it`);
      this.replace(0);
    }
  }

  private replace(attempt: number): void {
    const delay = attempt === 0 ? 0 : (REPLACE_BACKOFF_MS[attempt - 1] ?? 30_000);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closing) return;
      startSlot(this.options).then(
        ({ slot }) => {
          if (this.closing) {
            void slot.worker.terminate();
            return;
          }
          this.stats.replaced++;
          this.adopt(slot);
        },
        (error: unknown) => {
          this.options.log?.(
            `a replacement model worker failed to load: ${error instanceof Error ? error.message : error}`,
          );
          this.replace(attempt + 1);
        },
      );
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  async dispose(): Promise<void> {
    this.closing = true;
    for (const timer of this.timers) clearTimeout(timer);
    const grace = this.options.shutdownGraceMs ?? 10_000;
    const deadline = Date.now() + grace;
    // Let the checks in flight finish (their decisions are still recorded by the caller).
    while (this.slots.some((slot) => slot.pending.size > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(
      [...this.slots].map(async (slot) => {
        slot.stopping = true;
        const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
        this.post(slot, { type: 'stop' });
        const timer = setTimeout(
          () => void slot.worker.terminate(),
          Math.max(0, deadline - Date.now()) + 1_000,
        );
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** Starts one worker and waits for it to load its engine (or to say why it could not). */
function startSlot(
  options: WorkerPoolOptions,
): Promise<{ slot: Slot; model: ModelInfo; statusWarning: string | null }> {
  const workerData: EngineWorkerData = {
    modelDir: options.modelDir,
    engine: options.engine,
    detectFaces: options.detectFaces,
    batching: options.batching,
  };
  const worker = spawnEngineWorker(workerData);
  const slot: Slot = {
    worker,
    threadId: worker.threadId,
    ready: false,
    stopping: false,
    pending: new Map(),
    previews: new Map(),
  };
  return new Promise((resolve, reject) => {
    const onExit = (code: number): void =>
      reject(new InferenceWorkerCrashedError(`a model worker exited while loading (code ${code})`));
    const onError = (error: Error): void => {
      worker.off('exit', onExit);
      reject(error);
    };
    worker.once('exit', onExit);
    worker.once('error', onError);
    worker.once('message', (message: FromWorker) => {
      worker.off('exit', onExit);
      worker.off('error', onError);
      if (message.type === 'ready') {
        slot.ready = true;
        resolve({ slot, model: message.model, statusWarning: message.statusWarning });
      } else if (message.type === 'load-failed') {
        void worker.terminate();
        reject(errorOf(message.error));
      } else {
        void worker.terminate();
        reject(new InferenceWorkerCrashedError('a model worker spoke before it was ready'));
      }
    });
  });
}
