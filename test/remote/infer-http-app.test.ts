import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueFullError } from '../../src/errors.js';
import { BatchingJudge } from '../../src/inference/batching-judge.js';
import { IfasEngine } from '../../src/inference/engine.js';
import { googleIdTokenVerifier } from '../../src/remote/google-id-token-verifier.js';
import { inferHttpApp } from '../../src/remote/infer-http-app.js';
import { errorFromWire, type WireError } from '../../src/remote/infer-protocol.js';
import { RemoteJudge } from '../../src/remote/remote-judge.js';
import { FACE_32, TINY_PACKAGE } from '../support/fixtures.js';
import { startGoogleTokens } from '../support/google-tokens.js';

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

describe('inferHttpApp with Google ID tokens (IFAS_INFER_AUTH=iam)', () => {
  it('serves /invoke to a verified Google ID token and refuses a missing or rejected one', async () => {
    const google = await startGoogleTokens();
    try {
      const audience = 'https://ifas-infer-abc123-ew.a.run.app';
      const judge = new BatchingJudge(engine, { maxBatch: 1, maxWaitMs: 0, maxWaiting: 1 });
      const app = inferHttpApp({
        judge,
        verifyIdToken: googleIdTokenVerifier({ audience, jwksUrl: google.jwksUrl }),
        maxBodyBytes: 1 << 20,
      });
      const describeWith = (authorization?: string) =>
        app.request('/invoke', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(authorization ? { authorization } : {}),
          },
          body: JSON.stringify({ action: 'describe' }),
        });
      const valid = await describeWith(`Bearer ${await google.sign({ aud: audience })}`);
      expect(valid.status).toBe(200);
      expect(await valid.json()).toMatchObject({ ok: true, model: { name: 'ifas-tiny' } });
      for (const refused of [
        await describeWith(),
        await describeWith(`Bearer ${TOKEN}`),
        await describeWith(`Bearer ${google.unsigned({ aud: audience })}`),
      ]) {
        expect(refused.status).toBe(401);
        expect(await refused.json()).toMatchObject({ ok: false, error: { code: 'AUTH_INVALID' } });
      }
    } finally {
      await google.close();
    }
  });
});
