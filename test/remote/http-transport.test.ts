import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InferenceFailedError,
  InvalidImageError,
  PayloadTooLargeError,
  QueueFullError,
} from '../../src/errors.js';
import type { CheckResult } from '../../src/inference/check-result.js';
import type { CheckOptions } from '../../src/inference/engine.js';
import { IfasEngine } from '../../src/inference/engine.js';
import type { Judge } from '../../src/inference/judge.js';
import { httpTransport } from '../../src/remote/http-transport.js';
import { inferHttpApp } from '../../src/remote/infer-http-app.js';
import { RemoteJudge } from '../../src/remote/remote-judge.js';
import { FACE_32, TINY_PACKAGE } from '../support/fixtures.js';
import { freePort, startReceiver } from '../support/receivers.js';

const TOKEN = 'infer-token-0123456789';

/** The real engine, held at a gate so a test can keep the one GPU slot busy. */
class GatedJudge implements Judge {
  private release: (() => void) | null = null;
  private gate: Promise<void> = Promise.resolve();
  entered = 0;
  constructor(private readonly engine: IfasEngine) {}
  get model() {
    return this.engine.model;
  }
  get statusWarning() {
    return this.engine.statusWarning;
  }
  hold(): void {
    const gate = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    this.gate = gate;
  }
  open(): void {
    this.release?.();
    this.gate = Promise.resolve();
  }
  async check(bytes: Uint8Array, options?: CheckOptions): Promise<CheckResult> {
    this.entered += 1;
    await this.gate;
    return this.engine.check(bytes, options);
  }
  dispose(): Promise<void> {
    return this.engine.dispose();
  }
}

let engine: IfasEngine;
let judge: GatedJudge;
let server: ServerType;
let url: string;
let face: Buffer;

beforeAll(async () => {
  engine = await IfasEngine.load(TINY_PACKAGE, { faceDetector: false });
  judge = new GatedJudge(engine);
  face = await readFile(FACE_32);
  const app = inferHttpApp({ judge, token: TOKEN, maxBodyBytes: 64 * 1024, maxWaiting: 0 });
  server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await engine.dispose();
});

describe('Function: httpTransport against the infer container app on loopback', () => {
  it('describes the model and returns the same result as the engine in-process', async () => {
    const remote = await RemoteJudge.connect(httpTransport({ url, token: TOKEN }));
    expect(remote.model).toEqual(engine.model);
    const [there, here] = await Promise.all([
      remote.check(face, { detect: false, explain: 'always', maxNewTokens: 3 }),
      engine.check(face, { detect: false, explain: 'always', maxNewTokens: 3 }),
    ]);
    expect(there.decision).toBe(here.decision);
    expect(there.liveness).toBeCloseTo(here.liveness ?? Number.NaN, 6);
    expect(there.rationaleTokenIds).toEqual(here.rationaleTokenIds);
  });

  it('brings a remote input error back as the same typed error', async () => {
    const transport = httpTransport({ url, token: TOKEN });
    const failure = transport({
      action: 'check',
      image: Buffer.from('not an image').toString('base64'),
    });
    await expect(failure).rejects.toBeInstanceOf(InvalidImageError);
    await expect(failure).rejects.toMatchObject({ code: 'INPUT_NOT_AN_IMAGE', status: 422 });
  });

  it('answers a wrong token with AUTH_INVALID and an oversized body with INPUT_TOO_LARGE', async () => {
    await expect(
      httpTransport({ url, token: 'wrong-token-0123456789' })({ action: 'describe' }),
    ).rejects.toBeInstanceOf(AuthenticationError);
    const big = Buffer.alloc(128 * 1024, 1).toString('base64');
    await expect(
      httpTransport({ url, token: TOKEN })({ action: 'check', image: big }),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('a busy container reaches the caller as QUEUE_FULL (503) with its Retry-After', async () => {
    const transport = httpTransport({ url, token: TOKEN });
    const image = face.toString('base64');
    judge.hold();
    const before = judge.entered;
    const first = transport({ action: 'check', image, options: { detect: false } });
    while (judge.entered === before) await new Promise((resolve) => setTimeout(resolve, 5));
    try {
      const refused = await transport({ action: 'check', image }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(QueueFullError);
      expect(refused).toMatchObject({ code: 'QUEUE_FULL', status: 503 });
      expect((refused as QueueFullError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    } finally {
      judge.open();
    }
    await expect(first).resolves.toMatchObject({ ok: true });
  });

  it('fails with INFER_FAILED when nothing listens, when the answer is not JSON or not the protocol', async () => {
    const nobody = httpTransport({ url: `http://127.0.0.1:${await freePort()}`, token: TOKEN });
    await expect(nobody({ action: 'describe' })).rejects.toThrow(/unreachable/);
    const text = await startReceiver(async () => ({ status: 502, body: 'bad gateway' }));
    const json = await startReceiver(async () => ({ status: 200, body: '{"ok":true}' }));
    try {
      const fromText = httpTransport({ url: `http://127.0.0.1:${text.port}`, token: TOKEN });
      await expect(fromText({ action: 'describe' })).rejects.toThrow(/HTTP 502 without JSON/);
      const fromJson = httpTransport({ url: `http://127.0.0.1:${json.port}`, token: TOKEN });
      const wrong = fromJson({ action: 'describe' });
      await expect(wrong).rejects.toBeInstanceOf(InferenceFailedError);
      await expect(wrong).rejects.toThrow(/not an infer response/);
    } finally {
      await Promise.all([text.close(), json.close()]);
    }
  });
});
