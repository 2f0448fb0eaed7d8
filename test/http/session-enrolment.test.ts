/**
 * Enrolment from a liveness session with `purpose: enrol`, end to end through the real routes (tiny
 * model, real face detector and embedder, reference faces on): a passing session stores the subject's
 * reference face from its best frame — the same code as PUT /v1/subjects/{subject}/reference — and later
 * checks of the subject carry the match; a subject that already has a reference is refused unless the
 * session was created with `replaceReference: true`, and a replacement must still be the same face.
 * Every outcome is in the session's audit record.
 */

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/build-service.js';
import { cameraFrames, onBackdrop } from '../support/frames.js';
import { IDENTITY_ENV, type IdentityPhotos, identityPhotos } from '../support/identity-photos.js';
import { keyFor, startTestService } from '../support/service.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON that the assertions check
type Json = any;

let service: Service;
let photos: IdentityPhotos;
let backend: string; // sessions:write + sessions:read
let checker: string; // checks:write + audit:read

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function createEnrolSession(subject: string, extra: Record<string, unknown> = {}) {
  return service.app.request('/v1/sessions', {
    method: 'POST',
    headers: { ...bearer(backend), 'content-type': 'application/json' },
    body: JSON.stringify({ subject, purpose: 'enrol', maxAttempts: 1, ...extra }),
  });
}

/** Creates an enrol session and completes it with camera-like frames of `face`; the answer and the view. */
/** POST the frames to the session's capture route with its capture token. */
function sendFrames(created: Json, frames: readonly Uint8Array[]): Promise<Response> {
  const form = new FormData();
  for (const frame of frames) form.append('image', new Blob([new Uint8Array(frame)]), 'f.jpg');
  return Promise.resolve(
    service.app.request(`/v1/sessions/${created.id}/captures`, {
      method: 'POST',
      headers: bearer(created.captureToken),
      body: form,
    }),
  );
}

async function enrolThroughSession(
  subject: string,
  face: Buffer,
  seed: number,
  extra: Record<string, unknown> = {},
): Promise<{ answer: Json; view: Json; id: string }> {
  const res = await createEnrolSession(subject, extra);
  expect(res.status).toBe(201);
  const created: Json = await res.json();
  const captured = await sendFrames(created, await cameraFrames(face, 3, seed));
  expect(captured.status).toBe(200);
  const view = await service.app.request(`/v1/sessions/${created.id}`, {
    headers: bearer(backend),
  });
  return { answer: await captured.json(), view: await view.json(), id: created.id };
}

/** The photo with a plain border on some sides: the same face in a picture no earlier session showed. */
const bordered = (photo: Buffer, sides: { left?: number; top?: number }) =>
  sharp(photo)
    .extend({ ...sides, background: { r: 60, g: 64, b: 72 } })
    .png()
    .toBuffer();

async function checkOf(subject: string, image: Buffer): Promise<Json> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(image)]), 'face.png');
  form.append('subject', subject);
  const res = await service.app.request('/v1/checks', {
    method: 'POST',
    headers: bearer(checker),
    body: form,
  });
  expect(res.status).toBe(201);
  return res.json();
}

async function sessionRecord(id: string): Promise<Json> {
  const res = await service.app.request(`/v1/audit?session=${id}`, { headers: bearer(checker) });
  const [entry] = ((await res.json()) as Json).records;
  return entry.record;
}

beforeAll(async () => {
  photos = await identityPhotos();
  service = await startTestService(IDENTITY_ENV);
  backend = await keyFor(service, 'acme', ['sessions:write', 'sessions:read']);
  checker = await keyFor(service, 'acme', ['checks:write', 'audit:read']);
});

afterAll(async () => {
  await service.close();
});

describe('Enrolment from a liveness session (purpose: enrol)', () => {
  it('stores the reference face from the best frame of a passing session; later checks carry the match', async () => {
    const { answer, view, id } = await enrolThroughSession('vin', photos.holder, 301);
    expect(answer).toEqual({ status: 'passed' });
    expect(view).toMatchObject({
      status: 'judged',
      decision: 'live',
      purpose: 'enrol',
      enrolment: { status: 'enrolled', reason: null },
    });
    expect(view.checkIds).toContain(view.enrolment.checkId);
    expect((await sessionRecord(id)).session).toMatchObject({
      purpose: 'enrol',
      clientStatus: 'passed',
      enrolment: { status: 'enrolled', checkId: view.enrolment.checkId },
    });
    expect((await checkOf('vin', photos.holderAgain)).match.matched).toBe(true);
    expect((await checkOf('vin', photos.attacker)).match.matched).toBe(false);
  });

  it('refuses a subject that already has a reference, unless replaceReference — and a replacement must be the same face', async () => {
    const refused = await createEnrolSession('vin');
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({
      code: 'REFERENCE_REJECTED',
      details: { reason: 'reference_exists' },
    });
    // Someone else's face cannot replace the reference: it is matched against the one it replaces.
    const impostor = await enrolThroughSession('vin', photos.attacker, 311, {
      replaceReference: true,
    });
    expect(impostor.answer).toEqual({ status: 'failed' });
    expect(impostor.view.reasons).toContain('face_mismatch');
    expect(impostor.view.enrolment).toBeNull();
    expect((await checkOf('vin', photos.holderAgain)).match.matched).toBe(true);
    // The holder's own newer photo does replace it.
    const renewed = await enrolThroughSession('vin', photos.holderAgain, 312, {
      replaceReference: true,
    });
    expect(renewed.answer).toEqual({ status: 'passed' });
    expect(renewed.view.enrolment).toMatchObject({ status: 'enrolled' });
    expect((await checkOf('vin', photos.holder)).match.matched).toBe(true);
  });

  it('refuses at capture time when a reference was enrolled after the session was created, and audits it', async () => {
    const res = await createEnrolSession('carol');
    const created: Json = await res.json();
    const enroller = await keyFor(service, 'acme', ['subjects:write']);
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(photos.holder)]), 'face.png');
    const put = await service.app.request('/v1/subjects/carol/reference', {
      method: 'PUT',
      headers: bearer(enroller),
      body: form,
    });
    expect(put.status).toBe(201);
    const mirrored = await sharp(photos.holder).flop().png().toBuffer();
    const captured = await sendFrames(created, await cameraFrames(mirrored, 3, 321));
    expect(await captured.json()).toEqual({ status: 'failed' });
    const record = await sessionRecord(created.id);
    expect(record.decision).toBe('live');
    expect(record.session).toMatchObject({
      clientStatus: 'failed',
      enrolment: { status: 'refused', reason: 'reference_exists', checkId: null },
    });
  });

  it('lets only one of two enrol sessions completed at the same instant store the reference', async () => {
    const [one, two] = await Promise.all([
      // Crops no earlier session showed (the replay defence compares every capture of the tenant).
      enrolThroughSession('erin', await bordered(photos.holder, { left: 90 }), 341),
      enrolThroughSession('erin', await bordered(photos.holderAgain, { top: 80 }), 342),
    ]);
    const outcomes = [one, two].map((s) => s.view.enrolment);
    expect(outcomes.filter((e) => e?.status === 'enrolled')).toHaveLength(1);
    // The other: refused (reference_exists), or — when the winner's reference appeared while its frames
    // were being matched, so some frames carry a match and some none — failed as face_mismatch.
    const loser = [one, two].find((s) => s.view.enrolment?.status !== 'enrolled');
    expect(loser?.answer).toEqual({ status: 'failed' });
    if (loser?.view.enrolment) {
      expect(loser.view.enrolment).toEqual({
        status: 'refused',
        reason: 'reference_exists',
        checkId: null,
      });
    } else expect(loser?.view.reasons).toContain('face_mismatch');
  });

  it('takes the reference back when the session decision cannot be written to the audit log', async () => {
    // Fault injection on the real store: session decision records fail to append, checks still do.
    const store = service.store;
    const append = store.append.bind(store);
    store.append = async (record, outbox) => {
      if (record.session) throw new Error('the disk is full');
      return append(record, outbox);
    };
    try {
      const res = await createEnrolSession('dana');
      const created: Json = await res.json();
      const face = await sharp(photos.holderAgain).flop().png().toBuffer();
      const captured = await sendFrames(created, await cameraFrames(face, 3, 331));
      expect(captured.status).toBe(500);
      expect(await captured.json()).toMatchObject({ code: 'AUDIT_WRITE_FAILED' });
    } finally {
      store.append = append;
    }
    // No reference stands that the log does not record: the subject has none, and may enrol again.
    expect((await checkOf('dana', photos.holderAgain)).match).toBeUndefined();
    expect((await createEnrolSession('dana')).status).toBe(201);
  });

  it('stores nothing from a session that does not pass (a still image sent as frames)', async () => {
    const res = await createEnrolSession('bruce');
    const created: Json = await res.json();
    const still = await sharp(photos.attacker).jpeg().toBuffer();
    const captured = await sendFrames(created, [still, still, still]);
    expect(await captured.json()).toEqual({ status: 'failed' });
    const view: Json = await (
      await service.app.request(`/v1/sessions/${created.id}`, { headers: bearer(backend) })
    ).json();
    expect(view.reasons).toContain('static_frames');
    expect(view.enrolment).toBeNull();
    expect((await checkOf('bruce', photos.attacker)).match).toBeUndefined();
    // Nothing was enrolled, so a new enrol session for the subject is still allowed.
    expect((await createEnrolSession('bruce')).status).toBe(201);
  });
});

describe('Enrolment sessions where reference faces are off', () => {
  it('are refused at creation (nothing could ever be enrolled)', async () => {
    const plain = await startTestService({ IFAS_SUBJECT_POLICY: 'keyed-hash' });
    try {
      const key = await keyFor(plain, 'acme', ['sessions:write']);
      const res = await plain.app.request('/v1/sessions', {
        method: 'POST',
        headers: { ...bearer(key), 'content-type': 'application/json' },
        body: JSON.stringify({ subject: 'x', purpose: 'enrol' }),
      });
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ details: { reason: 'reference_faces_disabled' } });
    } finally {
      await plain.close();
    }
  });
});

describe('POST /v1/sessions/{id}/preview with the face detector on', () => {
  async function preview(created: Json, image: Buffer, captureWidth = 640): Promise<Json> {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(image)]), 'preview.jpg');
    form.append('captureWidth', String(captureWidth));
    const res = await service.app.request(`/v1/sessions/${created.id}/preview`, {
      method: 'POST',
      headers: bearer(created.captureToken),
      body: form,
    });
    expect(res.status).toBe(200);
    return res.json();
  }

  // Face size against captureWidth: test/inference/engine-preview.test.ts (the tiny model's smallest face is 11 px).
  it('tells one face from several and from none, without spending an attempt or recording anything', async () => {
    const res = await service.app.request('/v1/sessions', {
      method: 'POST',
      headers: { ...bearer(backend), 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'preview-1', purpose: 'login' }),
    });
    const created: Json = await res.json();
    const before: Json = await (
      await service.app.request('/v1/audit?limit=500', { headers: bearer(checker) })
    ).json();
    const wait = () => new Promise((resolve) => setTimeout(resolve, 450));
    expect(await preview(created, await onBackdrop(photos.holder, 240))).toEqual({ hint: 'ok' });
    await wait();
    const group = await sharp(photos.group).resize(320).jpeg({ quality: 70 }).toBuffer();
    expect(await preview(created, group)).toEqual({ hint: 'multiple_faces' });
    await wait();
    const empty = await sharp({
      create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 90, b: 90 } },
    })
      .jpeg()
      .toBuffer();
    expect(await preview(created, empty)).toEqual({ hint: 'no_face' });
    const view: Json = await (
      await service.app.request(`/v1/sessions/${created.id}`, { headers: bearer(backend) })
    ).json();
    expect(view).toMatchObject({ status: 'created', attempts: 0, checkIds: [] });
    const after: Json = await (
      await service.app.request('/v1/audit?limit=500', { headers: bearer(checker) })
    ).json();
    expect(after.records).toHaveLength(before.records.length);
  });
});
