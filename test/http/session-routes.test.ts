import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/build-service.js';
import { openSqlDialect, type SqlDialect } from '../../src/store/sql-dialect.js';
import { FACE_32, SAMPLE_PORTRAIT } from '../support/fixtures.js';
import { cameraFrames } from '../support/frames.js';
import { keyFor, startTestService } from '../support/service.js';
import { signedHookRequest } from '../support/signed-hook.js';

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const ALLOWED_ORIGIN = 'https://login.acme.test';
const MAX_IMAGE_BYTES = 300_000;

let service: Service;
let db: SqlDialect;
let creator: string; // acme: sessions:write + sessions:read
let reader: string; // acme: checks:read + audit:read
let otherTenant: string; // globex: sessions:write + sessions:read
let face: Buffer;
let portrait: Buffer;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON that the assertions check
type Json = any;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  return service.app.request(path, init);
}

async function createSession(body: Record<string, unknown> = {}, key = creator): Promise<Json> {
  const res = await request('/v1/sessions', {
    method: 'POST',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    body: JSON.stringify({ subject: 'alice@acme.test', purpose: 'login', ...body }),
  });
  expect(res.status).toBe(201);
  return res.json();
}

function framesForm(frames: readonly Uint8Array[]): FormData {
  const form = new FormData();
  frames.forEach((frame, index) => {
    form.append('image', new Blob([frame], { type: 'image/jpeg' }), `f${index}.jpg`);
  });
  return form;
}

function capture(id: string, token: string, frames: readonly Uint8Array[]): Promise<Response> {
  return request(`/v1/sessions/${id}/captures`, {
    method: 'POST',
    headers: bearer(token),
    body: framesForm(frames),
  });
}

async function readSession(id: string, key = creator): Promise<Json> {
  const res = await request(`/v1/sessions/${id}`, { headers: bearer(key) });
  expect(res.status).toBe(200);
  return res.json();
}

/** Sixteen distinct pictures (two faces × four turns × mirrored or not), so sessions do not replay each other. */
async function distinctFace(variant: number): Promise<Buffer> {
  const base = (variant >> 3) % 2 === 0 ? face : portrait;
  const turned = sharp(base).rotate((variant % 4) * 90);
  return ((variant >> 2) % 2 === 0 ? turned : turned.flop())
    .resize(96, 96, { fit: 'cover' })
    .png()
    .toBuffer();
}

beforeAll(async () => {
  face = await readFile(FACE_32);
  portrait = await readFile(SAMPLE_PORTRAIT);
  const dataDir = await mkdtemp(join(tmpdir(), 'ifas-sessions-'));
  service = await startTestService({
    IFAS_DATA_DIR: dataDir,
    IFAS_SUBJECT_POLICY: 'keyed-hash',
    IFAS_MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES),
    IFAS_SESSIONS: JSON.stringify({ tenants: { acme: { allowedOrigins: [ALLOWED_ORIGIN] } } }),
    IFAS_HOOKS: JSON.stringify({ tenants: { acme: { secrets: [SECRET] } } }),
  });
  creator = await keyFor(service, 'acme', ['sessions:write', 'sessions:read']);
  reader = await keyFor(service, 'acme', ['checks:read', 'audit:read']);
  otherTenant = await keyFor(service, 'globex', ['sessions:write', 'sessions:read']);
  // The session table itself (in the audit database), to move a session's clock or attempts without waiting.
  db = await openSqlDialect({ kind: 'sqlite', path: join(dataDir, 'audit.sqlite') });
});

afterAll(async () => {
  await db.close();
  await service.close();
});

describe('POST /v1/sessions', () => {
  it('creates a session whose capture URL carries the token in the fragment only', async () => {
    const created = await createSession({
      ttlSeconds: 120,
      returnUrl: 'https://app.acme.test/done',
    });
    expect(created.id).toMatch(/^ses_/);
    expect(created.captureToken).toMatch(/^cap_/);
    expect(created.captureUrl).toBe(
      `${new URL(created.captureUrl).origin}/capture/${created.id}#token=${created.captureToken}`,
    );
    const ttl = Date.parse(created.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(100_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    const view = await readSession(created.id);
    expect(view).toMatchObject({
      status: 'created',
      purpose: 'login',
      attempts: 0,
      maxAttempts: 3,
      decision: null,
    });
    // Stored under the keyed-hash policy, never as given.
    expect(view.subject).toMatch(/^[0-9a-f]{64}$/);
  });

  it('needs sessions:write, refuses a TTL over 600 s, and keeps tenants apart', async () => {
    const noScope = await keyFor(service, 'acme', ['checks:write']);
    const forbidden = await request('/v1/sessions', {
      method: 'POST',
      headers: { ...bearer(noScope), 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 's', purpose: 'login' }),
    });
    expect(forbidden.status).toBe(403);
    const tooLong = await request('/v1/sessions', {
      method: 'POST',
      headers: { ...bearer(creator), 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 's', purpose: 'login', ttlSeconds: 601 }),
    });
    expect(tooLong.status).toBe(422);
    const created = await createSession();
    const elsewhere = await request(`/v1/sessions/${created.id}`, { headers: bearer(otherTenant) });
    expect(elsewhere.status).toBe(404);
  });
});

describe('POST /v1/sessions/{id}/captures', () => {
  it('judges every frame, audits each, and tells the client only passed, retry or failed', async () => {
    const created = await createSession();
    const frames = await cameraFrames(await distinctFace(1), 3, 11);
    const started = performance.now();
    const res = await capture(created.id, created.captureToken, frames);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    const answer: Json = await res.json();
    expect(Object.keys(answer).sort()).toEqual(answer.reason ? ['reason', 'status'] : ['status']);
    expect(['passed', 'retry', 'failed']).toContain(answer.status);
    expect(JSON.stringify(answer)).not.toMatch(/liveness|rationale|0\.\d/);
    const view = await readSession(created.id);
    expect(view.attempts).toBe(1);
    expect(view.checkIds).toHaveLength(3);
    expect(view.rationale).toMatch(/Frame 1 \(chk_/);
    expect(view.reasons).not.toContain('static_frames');
    expect(view.reasons).not.toContain('replayed_capture');
    if (answer.status === 'passed')
      expect(view).toMatchObject({ status: 'judged', decision: 'live' });
    for (const checkId of view.checkIds) {
      const check = await request(`/v1/checks/${checkId}`, { headers: bearer(reader) });
      expect(check.status).toBe(200);
    }
    const audit: Json = await (
      await request('/v1/audit?limit=500', { headers: bearer(reader) })
    ).json();
    const sessionRecords = audit.records.filter(
      (r: Json) => r.record.request.caller.id === created.id,
    );
    // Three frame checks, then the session's own decision over them.
    expect(sessionRecords).toHaveLength(4);
    expect(sessionRecords.map((r: Json) => r.record.checkId)).toEqual([
      ...view.checkIds,
      `${created.id}.1`,
    ]);
    expect(sessionRecords[0].record.request.caller.kind).toBe('session');
    console.log(
      `capture-to-decision, 3 frames (tiny fixture model, in-process): ${elapsed.toFixed(0)} ms`,
    );
  });

  it('accepts JSON frames too', async () => {
    const created = await createSession();
    const frames = await cameraFrames(await distinctFace(2), 2, 12);
    const res = await request(`/v1/sessions/${created.id}/captures`, {
      method: 'POST',
      headers: { ...bearer(created.captureToken), 'content-type': 'application/json' },
      body: JSON.stringify({ frames: frames.map((frame) => frame.toString('base64')) }),
    });
    expect(res.status).toBe(200);
    expect((await readSession(created.id)).checkIds).toHaveLength(2);
  });

  it('fails a still image sent as several frames (static_frames)', async () => {
    const created = await createSession();
    const [still] = await cameraFrames(await distinctFace(3), 1, 13);
    const res = await capture(created.id, created.captureToken, [
      still as Buffer,
      still as Buffer,
      still as Buffer,
    ]);
    expect(await res.json()).toEqual({ status: 'failed' });
    const view = await readSession(created.id);
    expect(view).toMatchObject({ status: 'judged', decision: 'spoof' });
    expect(view.reasons).toContain('static_frames');
    expect(view.rationale).toMatch(/one still image/);
  });

  it('fails frames that copy an earlier capture of the tenant (replayed_capture), exact or re-encoded', async () => {
    const first = await createSession();
    const frames = await cameraFrames(await distinctFace(4), 3, 15);
    expect((await capture(first.id, first.captureToken, frames)).status).toBe(200);

    const exact = await createSession();
    const replayed = await cameraFrames(await distinctFace(5), 2, 17);
    const res = await capture(exact.id, exact.captureToken, [...replayed, frames[1] as Buffer]);
    expect(await res.json()).toEqual({ status: 'failed' });
    expect((await readSession(exact.id)).reasons).toContain('replayed_capture');

    // The same picture re-encoded at another quality: other bytes, nearly the same difference hash.
    const near = await createSession();
    const reencoded = await sharp(frames[0] as Buffer)
      .jpeg({ quality: 70 })
      .toBuffer();
    const nearFrames = [
      reencoded,
      await sharp(frames[2] as Buffer)
        .jpeg({ quality: 75 })
        .toBuffer(),
    ];
    await capture(near.id, near.captureToken, nearFrames);
    expect((await readSession(near.id)).reasons).toContain('replayed_capture');
  });

  it('authenticates only by the session’s own capture token', async () => {
    const one = await createSession();
    const two = await createSession();
    const frames = await cameraFrames(await distinctFace(6), 1, 19);
    expect((await capture(one.id, two.captureToken, frames)).status).toBe(401);
    expect((await capture(one.id, creator, frames)).status).toBe(401);
    const none = await request(`/v1/sessions/${one.id}/captures`, {
      method: 'POST',
      body: framesForm(frames),
    });
    expect(none.status).toBe(401);
    expect((await capture('ses_doesnotexist0000000000', one.captureToken, frames)).status).toBe(
      404,
    );
    // A capture token opens nothing else.
    for (const [path, method] of [
      [`/v1/sessions/${one.id}`, 'GET'],
      ['/v1/sessions', 'POST'],
      ['/v1/checks', 'POST'],
      ['/v1/audit', 'GET'],
    ] as const) {
      const res = await request(path, { method, headers: bearer(one.captureToken) });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it('refuses a used token (401), an expired session and an exhausted one (410)', async () => {
    const used = await createSession();
    const [still] = await cameraFrames(await distinctFace(7), 1, 21);
    await capture(used.id, used.captureToken, [still as Buffer, still as Buffer]); // static: judged at once
    const again = await capture(
      used.id,
      used.captureToken,
      await cameraFrames(await distinctFace(8), 2, 23),
    );
    expect(again.status).toBe(401);

    const expired = await createSession();
    await db.run('UPDATE liveness_sessions SET expires_at = ? WHERE id = ?', [
      new Date(Date.now() - 1000).toISOString(),
      expired.id,
    ]);
    const late = await capture(expired.id, expired.captureToken, await cameraFrames(face, 1, 25));
    expect(late.status).toBe(410);
    expect(((await late.json()) as Json).code).toBe('SESSION_EXPIRED');
    expect((await readSession(expired.id)).status).toBe('expired');

    const exhausted = await createSession({ maxAttempts: 1 });
    await db.run("UPDATE liveness_sessions SET attempts = 1, state = 'capturing' WHERE id = ?", [
      exhausted.id,
    ]);
    const over = await capture(
      exhausted.id,
      exhausted.captureToken,
      await cameraFrames(face, 1, 27),
    );
    expect(over.status).toBe(410);
    expect(((await over.json()) as Json).code).toBe('SESSION_EXHAUSTED');
  });

  it('refuses more than 5 frames, none or a non-image (422) and an oversize frame (413)', async () => {
    const created = await createSession();
    const six = await cameraFrames(await distinctFace(9), 6, 29);
    expect((await capture(created.id, created.captureToken, six)).status).toBe(422);
    expect((await capture(created.id, created.captureToken, [])).status).toBe(422);
    const big = new Uint8Array(MAX_IMAGE_BYTES + 1);
    expect((await capture(created.id, created.captureToken, [big])).status).toBe(413);
    const notImage = await capture(created.id, created.captureToken, [
      new TextEncoder().encode('<svg/>'),
    ]);
    expect(notImage.status).toBe(422);
    // None of these spent an attempt.
    expect((await readSession(created.id)).attempts).toBe(0);
  });

  it('grants CORS only to the tenant’s configured origins', async () => {
    const created = await createSession();
    const preflight = (origin: string) =>
      request(`/v1/sessions/${created.id}/captures`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const globex = await createSession({}, otherTenant);
    const cross = await request(`/v1/sessions/${globex.id}/captures`, {
      method: 'OPTIONS',
      headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(cross.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('POST /v1/sessions/{id}/preview', () => {
  const previewOf = (id: string, token: string, image: Uint8Array) => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(image)]), 'preview.jpg');
    return request(`/v1/sessions/${id}/preview`, {
      method: 'POST',
      headers: bearer(token),
      body: form,
    });
  };

  it('answers a hint (here: unavailable, no detector in this process), bounded, rate-limited, by capture token only', async () => {
    const created = await createSession();
    const small = await sharp(await distinctFace(12))
      .resize(80)
      .jpeg()
      .toBuffer();
    const first = await previewOf(created.id, created.captureToken, small);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ hint: 'unavailable' });
    // A second one at once: too soon for this session (another session is not affected).
    const again = await previewOf(created.id, created.captureToken, small);
    expect(again.status).toBe(429);
    expect(await again.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = await createSession();
    expect((await previewOf(other.id, other.captureToken, small)).status).toBe(200);
    expect((await previewOf(other.id, creator, small)).status).toBe(401);
    expect((await previewOf(other.id, created.captureToken, small)).status).toBe(401);
    const big = await sharp({
      create: { width: 600, height: 600, channels: 3, background: { r: 1, g: 2, b: 3 } },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect((await previewOf(other.id, other.captureToken, big)).status).toBe(413);
    // No attempt spent, nothing judged.
    const view = await readSession(created.id);
    expect(view).toMatchObject({ status: 'created', attempts: 0, checkIds: [] });
  });
});

describe('GET /capture/{id}', () => {
  it('serves the capture page publicly under a strict CSP, and says so when the session is unknown', async () => {
    const created = await createSession({ returnUrl: 'https://app.acme.test/done?x="<y>"' });
    const page = await request(new URL(created.captureUrl).pathname);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain(`session-id="${created.id}" state="created"`);
    expect(html).toContain('data-return-url="https://app.acme.test/done?x=&#34;&#60;y&#62;&#34;"');
    expect(html).not.toContain(created.captureToken);
    expect(html).not.toMatch(/<script>|<style>| style=/);
    const unknown = await request('/capture/ses_nosuchsession00000000');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('state="invalid"');
  });
});

describe('redeeming a session', () => {
  async function judgedSession(variant: number): Promise<Json> {
    const created = await createSession();
    await capture(
      created.id,
      created.captureToken,
      await cameraFrames(await distinctFace(variant), 3, 40 + variant),
    );
    return { ...created, view: await readSession(created.id) };
  }

  it('redeems once, for the same subject and tenant', async () => {
    const session = await judgedSession(11);
    const redeem = (subject: string, key = creator) =>
      request(`/v1/sessions/${session.id}/redemption`, {
        method: 'POST',
        headers: { ...bearer(key), 'content-type': 'application/json' },
        body: JSON.stringify({ subject }),
      }).then((res) => res.json() as Promise<Json>);
    if (session.view.status !== 'judged') {
      expect(await redeem('alice@acme.test')).toMatchObject({
        redeemed: false,
        reason: 'session_not_judged',
      });
      return;
    }
    expect(await redeem('mallory@acme.test')).toMatchObject({
      redeemed: false,
      reason: 'subject_mismatch',
    });
    expect(await redeem('alice@acme.test', otherTenant)).toMatchObject({
      redeemed: false,
      reason: 'session_not_found',
    });
    const first = await redeem('alice@acme.test');
    expect(first).toMatchObject({
      redeemed: true,
      session: { id: session.id, status: 'consumed' },
      referenceRequired: false, // this tenant's policy, which a remote guard enforces from here
    });
    expect(await redeem('alice@acme.test')).toMatchObject({
      redeemed: false,
      reason: 'session_already_used',
    });
    expect((await readSession(session.id)).status).toBe('consumed');
  });

  it('POST /v1/hooks/verify accepts sessionId like checkId', async () => {
    const [still] = await cameraFrames(await distinctFace(10), 1, 59);
    const created = await createSession();
    await capture(created.id, created.captureToken, [still as Buffer, still as Buffer]); // judged spoof
    const hook = async (sessionId: string, subject: string) => {
      const res = await request(
        '/v1/hooks/verify',
        signedHookRequest({ type: 'liveness.verify', data: { subject, sessionId } }, SECRET),
      );
      expect(res.status).toBe(200);
      return res.json() as Promise<Json>;
    };
    expect(await hook(created.id, 'bob@acme.test')).toMatchObject({
      action: 'deny',
      reason: 'subject_mismatch',
    });
    const answer = await hook(created.id, 'alice@acme.test');
    expect(answer).toMatchObject({
      action: 'deny',
      reason: 'spoof',
      decision: 'spoof',
      sessionId: created.id,
    });
    expect(answer.rationale).toMatch(/one still image/);
    expect(await hook(created.id, 'alice@acme.test')).toMatchObject({
      action: 'deny',
      reason: 'session_already_used',
    });
  });
});
