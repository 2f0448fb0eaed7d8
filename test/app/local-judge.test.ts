import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/build-service.js';
import { defaultDetectorDir } from '../../src/face/face-detector.js';
import { defaultEmbedderDir } from '../../src/face/face-embedder.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { EngineWorkerPool } from '../../src/inference/worker-pool.js';
import { TINY_PACKAGE } from '../support/fixtures.js';
import { IDENTITY_ENV, type IdentityPhotos, identityPhotos } from '../support/identity-photos.js';
import { keyFor, startTestService } from '../support/service.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON that the assertions check
type Json = any;

let service: Service;
let photos: IdentityPhotos;
let home: string;
const previousHome = process.env.HOME;

function imageForm(image: Buffer): FormData {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'face.png');
  return form;
}

beforeAll(async () => {
  // The verified-files record lives under ~/.cache: a fresh home shows what this start wrote.
  home = await mkdtemp(join(tmpdir(), 'ifas-home-'));
  process.env.HOME = home;
  photos = await identityPhotos();
  service = await startTestService({
    ...IDENTITY_ENV,
    IFAS_WORKERS: '2',
    IFAS_WORKER_THREADS: '1',
    IFAS_MODEL_VERIFY: 'cached',
  });
}, 60_000);

afterAll(async () => {
  await service?.close();
  process.env.HOME = previousHome;
});

describe('buildService with IFAS_WORKERS=2 (the serving path of `ifas serve`)', () => {
  it('judges through a pool of model worker threads, enrolment and face match included', async () => {
    const status = service.model.status;
    expect(status.state).toBe('ready');
    expect(status.state === 'ready' && status.engine).toBeInstanceOf(EngineWorkerPool);
    const enroller = await keyFor(service, 'acme', ['subjects:write']);
    const checker = await keyFor(service, 'acme', ['checks:write']);
    const enrolled = await service.app.request('/v1/subjects/vin/reference', {
      method: 'PUT',
      body: imageForm(photos.holder),
      headers: { authorization: `Bearer ${enroller}` },
    });
    expect(enrolled.status).toBe(201);
    const checkOf = async (image: Buffer): Promise<Json> => {
      const form = imageForm(image);
      form.append('subject', 'vin');
      const res = await service.app.request('/v1/checks', {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${checker}` },
      });
      expect(res.status).toBe(201);
      return res.json();
    };
    const [same, other] = await Promise.all([
      checkOf(photos.holderAgain),
      checkOf(photos.attacker),
    ]);
    expect(same.match.matched).toBe(true);
    expect(other.match.matched).toBe(false);
  });

  it("matches the face on the check's own decoded pixels, with the same score as from the bytes", async () => {
    const outcome = await service.checks.submit({
      tenant: 'acme',
      image: photos.holderAgain,
      subject: null,
      clientRequestId: null,
      explain: 'never',
      caller: { kind: 'cli', id: 'test' },
      requestId: null,
      userAgent: null,
      keepPixels: true,
    });
    const { pixels, result } = outcome;
    const decoded = await decodeImage(photos.holderAgain);
    expect(pixels?.data).toEqual(decoded.data);
    expect([pixels?.width, pixels?.height]).toEqual([decoded.width, decoded.height]);
    const references = service.checks.references;
    const face = result?.face;
    if (!references || !face || !pixels) throw new Error('the check found no face');
    const fromPixels = await references.match('acme', 'vin', pixels, face);
    const fromBytes = await references.match('acme', 'vin', photos.holderAgain, face);
    expect(fromPixels).toEqual(fromBytes);
    expect(fromPixels?.matched).toBe(true);
  });

  it('reports the running workers and their crashes in /metrics', async () => {
    const reader = await keyFor(service, 'acme', ['metrics:read']);
    const res = await service.app.request('/metrics', {
      headers: { authorization: `Bearer ${reader}` },
    });
    const text = await res.text();
    expect(text).toMatch(/^ifas_model_workers 2$/m);
    expect(text).toMatch(/^ifas_model_worker_crashes_total 0$/m);
  });

  it('records every package it verified (model, detector, embedder) in one verified-files record', async () => {
    const record = JSON.parse(
      await readFile(join(home, '.cache', 'ifas-guard', 'verified-files.json'), 'utf8'),
    ) as { files: Record<string, unknown> };
    const paths = Object.keys(record.files);
    for (const dir of [TINY_PACKAGE, defaultDetectorDir(), defaultEmbedderDir()]) {
      expect(paths.some((path) => path.startsWith(`${dir}/`))).toBe(true);
    }
  });
});
