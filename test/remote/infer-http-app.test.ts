import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueFullError } from '../../src/errors.js';
import { BatchingJudge } from '../../src/inference/batching-judge.js';
import { IfasEngine } from '../../src/inference/engine.js';
import { inferHttpApp } from '../../src/remote/infer-http-app.js';
import { errorFromWire, type WireError } from '../../src/remote/infer-protocol.js';
import { RemoteJudge } from '../../src/remote/remote-judge.js';
import { FACE_32, TINY_PACKAGE } from '../support/fixtures.js';

const TOKEN = 'infer-token-0123456789abcdef';
let engine: IfasEngine;
let image: string;

beforeAll(async () => {
  engine = await IfasEngine.load(TINY_PACKAGE, { intraOpThreads: 1, faceDetector: false });
  image = (await readFile(FACE_32)).toString('base64');
});

afterAll(async () => {
  await engine.dispose();
});

const invoke = (app: ReturnType<typeof inferHttpApp>) =>
  app.request('/invoke', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'check', image }),
  });

describe('inferHttpApp with a BatchingJudge', () => {
  it('answers a full queue with 503, Retry-After and QUEUE_FULL, which the API side reads back as QueueFullError', async () => {
    const judge = new BatchingJudge(engine, { maxBatch: 1, maxWaitMs: 0, maxWaiting: 1 });
    const app = inferHttpApp({ judge, token: TOKEN, maxBodyBytes: 1 << 20 });
    // One runs, one waits, the third finds the queue full.
    const [first, waited, second] = await Promise.all([invoke(app), invoke(app), invoke(app)]);
    expect([first.status, waited.status, second.status]).toEqual([200, 200, 503]);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const refused = (await second.json()) as { ok: false; error: WireError };
    expect(refused.error).toMatchObject({ code: 'QUEUE_FULL', status: 503 });

    // The API's RemoteJudge turns the wire error back into the typed error (→ 503 to its caller).
    const busy = await RemoteJudge.connect(async (request) => {
      if (request.action === 'describe') {
        return { ok: true, model: engine.model, statusWarning: null };
      }
      throw errorFromWire(refused.error);
    });
    await expect(busy.check(new Uint8Array([1]))).rejects.toBeInstanceOf(QueueFullError);
  });
});

describe("inferHttpApp behind the platform's authentication (IFAS_INFER_AUTH=iam)", () => {
  it('serves /invoke without its own token when the platform admitted the caller', async () => {
    const judge = new BatchingJudge(engine, { maxBatch: 1, maxWaitMs: 0, maxWaiting: 1 });
    const app = inferHttpApp({ judge, token: 'platform', maxBodyBytes: 1 << 20 });
    const res = await app.request('/invoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'describe' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, model: { name: 'ifas-tiny' } });
  });
});
