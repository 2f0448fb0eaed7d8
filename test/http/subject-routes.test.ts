import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/build-service.js';
import { defaultEmbedderDir } from '../../src/face/face-embedder.js';
import { IDENTITY_ENV, type IdentityPhotos, identityPhotos } from '../support/identity-photos.js';
import { keyFor, startTestService } from '../support/service.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON that the assertions check
type Json = any;

let service: Service;
let photos: IdentityPhotos;
let enroller: string;
let checker: string;

function imageForm(image: Buffer, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'face.png');
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return form;
}

const enrol = (subject: string, image: Buffer, key = enroller) =>
  Promise.resolve(
    service.app.request(`/v1/subjects/${subject}/reference`, {
      method: 'PUT',
      body: imageForm(image),
      headers: { authorization: `Bearer ${key}` },
    }),
  );

const check = (subject: string, image: Buffer) =>
  Promise.resolve(
    service.app.request('/v1/checks', {
      method: 'POST',
      body: imageForm(image, { subject }),
      headers: { authorization: `Bearer ${checker}` },
    }),
  );

beforeAll(async () => {
  photos = await identityPhotos();
  service = await startTestService(IDENTITY_ENV);
  enroller = await keyFor(service, 'acme', ['subjects:write']);
  checker = await keyFor(service, 'acme', ['checks:write', 'checks:read']);
});

afterAll(async () => {
  await service.close();
});

describe('PUT /v1/subjects/{subject}/reference', () => {
  it('enrols from a live photo and then every check of that subject carries the match', async () => {
    const enrolled = await enrol('vin', photos.holder);
    const body: Json = await enrolled.json();
    expect(enrolled.status).toBe(201);
    expect(body).toMatchObject({ subject: 'vin', model: 'dlib-resnet-face-v1' });
    expect(body.checkId).toMatch(/^chk_/);

    const same: Json = await (await check('vin', photos.holderAgain)).json();
    expect(same.match.matched).toBe(true);
    expect(same.match.score).toBeGreaterThanOrEqual(same.match.threshold);
    const other: Json = await (await check('vin', photos.attacker)).json();
    expect(other.match.matched).toBe(false);
    expect(other.match.score).toBeLessThan(other.match.threshold);
    const noReference: Json = await (await check('nobody', photos.attacker)).json();
    expect(noReference.match).toBeUndefined();
  });

  it('answers 422 with the reason and stores nothing for several faces or no face', async () => {
    const group = await enrol('crowd', photos.group);
    expect(group.status).toBe(422);
    expect(((await group.json()) as Json).details.reason).toBe('multiple_faces');
    const blank = await enrol(
      'crowd',
      await readFile(join(process.cwd(), 'test/fixtures/images/face-32.png')),
    );
    expect(blank.status).toBe(422);
    expect(((await blank.json()) as Json).code).toBe('REFERENCE_REJECTED');
    const after: Json = await (await check('crowd', photos.attacker)).json();
    expect(after.match).toBeUndefined();
  });

  it('answers 422 with the decision for a photo judged a spoof, and stores nothing', async () => {
    const strict = await startTestService({ ...IDENTITY_ENV, IFAS_THRESHOLD: '0.999' });
    try {
      const key = await keyFor(strict, 'acme', ['subjects:write']);
      const form = imageForm(photos.holder);
      const res = await strict.app.request('/v1/subjects/vin/reference', {
        method: 'PUT',
        body: form,
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({
        code: 'REFERENCE_REJECTED',
        details: { reason: 'spoof', decision: 'spoof' },
      });
      expect(await strict.checks.references?.has('acme', 'vin')).toBe(false);
    } finally {
      await strict.close();
    }
  });

  it('needs subjects:write', async () => {
    expect((await enrol('vin', photos.holder, checker)).status).toBe(403);
  });
});

describe('DELETE /v1/subjects/{subject}/reference', () => {
  it('removes a reference and answers 404 for an unknown subject', async () => {
    expect((await enrol('willis', photos.attacker)).status).toBe(201);
    const del = (subject: string) =>
      Promise.resolve(
        service.app.request(`/v1/subjects/${subject}/reference`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${enroller}` },
        }),
      );
    expect((await del('willis')).status).toBe(204);
    expect((await del('willis')).status).toBe(404);
    const after: Json = await (await check('willis', photos.attacker)).json();
    expect(after.match).toBeUndefined();
  });
});

describe('Start-up with reference faces', () => {
  it('refuses a missing or altered embedder with MODEL_FILE_TAMPERED', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'embedder-'));
    try {
      await cp(defaultEmbedderDir(), dir, { recursive: true });
      await writeFile(join(dir, 'MODEL_CARD.md'), 'edited');
      await expect(
        startTestService({ ...IDENTITY_ENV, IFAS_EMBEDDER_DIR: dir }),
      ).rejects.toMatchObject({
        code: 'MODEL_FILE_TAMPERED',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
