/**
 * One model worker thread of the pool (worker-pool.ts): loads its own engine (its own onnxruntime
 * sessions and thread pools) and batches the checks sent to it with a BatchingJudge. The main thread
 * verified the package files already, so the worker loads with `verifyHashes: false`. On `stop` it
 * lets its batches finish, releases the sessions and closes its port, which ends the thread.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { BatchingJudge } from './batching-judge.js';
import { IfasEngine } from './engine.js';
import {
  type EngineWorkerData,
  type FromWorker,
  serializeError,
  type ToWorker,
} from './worker-messages.js';

const port = parentPort;
if (!port) throw new Error('engine-worker.js runs only as a worker thread');
const data = workerData as EngineWorkerData;
const post = (message: FromWorker): void => port.postMessage(message);

async function main(): Promise<void> {
  let judge: BatchingJudge;
  try {
    const engine = await IfasEngine.load(data.modelDir, {
      ...data.engine,
      verifyHashes: false,
      ...(data.detectFaces ? {} : { faceDetector: false as const }),
    });
    judge = new BatchingJudge(engine, data.batching);
  } catch (error) {
    post({ type: 'load-failed', error: serializeError(error) });
    port?.close();
    return;
  }
  const aborts = new Map<number, AbortController>();

  port?.on('message', (message: ToWorker) => {
    if (message.type === 'abort') {
      aborts.get(message.id)?.abort();
      return;
    }
    if (message.type === 'stop') {
      void judge.dispose().finally(() => port.close());
      return;
    }
    if (message.type === 'preview') {
      const { id, bytes, options } = message;
      const preview = judge.preview;
      // The pool asks only when it was started with face detection, as every worker then was.
      if (!preview) throw new Error('preview asked of a worker without a face detector');
      preview(bytes, options).then(
        (answer) => post({ type: 'previewed', id, preview: answer }),
        (error: unknown) => post({ type: 'failed', id, error: serializeError(error) }),
      );
      return;
    }
    const { id, bytes, options, wants } = message;
    const abort = new AbortController();
    aborts.set(id, abort);
    judge
      .check(bytes, {
        ...options,
        signal: abort.signal,
        ...(wants.judged ? { onJudged: (judged) => post({ type: 'judged', id, judged }) } : {}),
        ...(wants.text ? { onText: (delta) => post({ type: 'text', id, delta }) } : {}),
        ...(wants.decoded
          ? {
              onDecoded: (image) =>
                post({
                  type: 'decoded',
                  id,
                  image: {
                    data: image.data,
                    width: image.width,
                    height: image.height,
                    format: image.format,
                  },
                }),
            }
          : {}),
      })
      .then(
        (result) => post({ type: 'result', id, result }),
        (error: unknown) => {
          if (!(error instanceof Error && 'code' in error)) {
            console.error(`model worker: ${error instanceof Error ? error.message : error}`);
          }
          post({ type: 'failed', id, error: serializeError(error) });
        },
      )
      .finally(() => aborts.delete(id));
  });
  post({ type: 'ready', model: judge.model, statusWarning: judge.statusWarning });
}

void main();
