/**
 * A liveness session's own decision in the hash-chained audit log, and the replay defence under a race,
 * through the real routes of one service on each real database (SQLite file, PostgreSQL server): every
 * attempt appends a session record (reasons, frame check ids, what the client heard) before the answer;
 * GET /v1/sessions/{id} and GET /v1/audit?session= find it; chain verification covers it (a tampered
 * session record breaks the chain); and of sessions that send the same frames at the same instant, only
 * one may pass — the others read replayed_capture.
 */

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/build-service.js';
import { FACE_32, SAMPLE_PORTRAIT } from '../support/fixtures.js';
import { cameraFrames } from '../support/frames.js';
import { freshDatabaseUrl } from '../support/postgres.js';
import { keyFor, startTestService } from '../support/service.js';
import { signedHookRequest } from '../support/signed-hook.js';
import { tamperPostgres, tamperSqlite } from '../support/tamper.js';

const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON that the assertions check
type Json = any;

interface Backend {
  env: () => Promise<Record<string, string>>;
  /** Raw SQL behind the store's back, as an attacker with database access. */
  tamper: (env: Record<string, string>, sql: string) => Promise<void>;
}

const BACKENDS: Array<[string, Backend]> = [
  [
    'SQLite file',
    {
      env: async () => ({ IFAS_DATA_DIR: await mkdtemp(join(tmpdir(), 'ifas-session-audit-')) }),
      tamper: (env, sql) => tamperSqlite(join(env.IFAS_DATA_DIR ?? '', 'audit.sqlite'), sql),
    },
  ],
  [
    'PostgreSQL server',
    {
      env: async () => ({
        IFAS_DATA_DIR: await mkdtemp(join(tmpdir(), 'ifas-session-audit-')),
        IFAS_AUDIT_STORE: 'postgres',
        IFAS_DATABASE_URL: await freshDatabaseUrl(),
      }),
      tamper: (env, sql) => tamperPostgres(env.IFAS_DATABASE_URL ?? '', sql),
    },
  ],
];

describe.each(BACKENDS)('Session decisions in the audit log, on a real %s', (_name, backend) => {
  let service: Service;
  let env: Record<string, string>;
  let creator: string;
  let auditor: string;
  let faces: Buffer[];

  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  async function createSession(subject = 'alice@acme.test'): Promise<Json> {
    const res = await service.app.request('/v1/sessions', {
      method: 'POST',
      headers: { ...bearer(creator), 'content-type': 'application/json' },
      body: JSON.stringify({ subject, purpose: 'login' }),
    });
    expect(res.status).toBe(201);
    return res.json();
  }

  async function capture(session: Json, frames: readonly Uint8Array[]): Promise<Json> {
    const form = new FormData();
    for (const frame of frames) form.append('image', new Blob([new Uint8Array(frame)]), 'f.jpg');
    const res = await service.app.request(`/v1/sessions/${session.id}/captures`, {
      method: 'POST',
      headers: bearer(session.captureToken),
      body: form,
    });
    expect(res.status).toBe(200);
    return res.json();
  }

  const read = async (path: string, key = creator): Promise<Json> => {
    const res = await service.app.request(path, { headers: bearer(key) });
    expect(res.status).toBe(200);
    return res.json();
  };

  const sessionRecords = async (id: string): Promise<Json[]> =>
    (await read(`/v1/audit?session=${id}`, auditor)).records;

  beforeAll(async () => {
    env = {
      ...(await backend.env()),
      IFAS_SUBJECT_POLICY: 'keyed-hash',
      IFAS_HOOKS: JSON.stringify({ tenants: { acme: { secrets: [SECRET] } } }),
    };
    service = await startTestService(env);
    creator = await keyFor(service, 'acme', ['sessions:write', 'sessions:read']);
    auditor = await keyFor(service, 'acme', ['audit:read', 'checks:read']);
    const base = [await readFile(FACE_32), await readFile(SAMPLE_PORTRAIT)];
    faces = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        sharp(base[i % 2])
          .rotate((i >> 1) * 90)
          .resize(96, 96, { fit: 'cover' })
          .png()
          .toBuffer(),
      ),
    );
  });

  afterAll(async () => {
    await service?.close();
  });

  it('appends one session record per attempt, found by session id, with reasons and frame check ids', async () => {
    const session = await createSession();
    const [still] = await cameraFrames(faces[0] as Buffer, 1, 3);
    const answer = await capture(session, [still as Buffer, still as Buffer, still as Buffer]);
    expect(answer).toEqual({ status: 'failed' });
    const view = await read(`/v1/sessions/${session.id}`);
    const records = await sessionRecords(session.id);
    expect(records).toHaveLength(1);
    const [entry] = records;
    expect(view.decisionRecords).toEqual([
      { id: `${session.id}.1`, seq: entry.seq, hash: entry.hash },
    ]);
    expect(entry.record).toMatchObject({
      checkId: `${session.id}.1`,
      subject: view.subject, // the stored (keyed-hash) form, so ?subject= finds it too
      decision: 'spoof',
      rationaleSource: 'session',
      request: { caller: { kind: 'session', id: session.id } },
      session: {
        id: session.id,
        attempt: 1,
        purpose: 'login',
        final: true,
        clientStatus: 'failed',
        frameCheckIds: view.checkIds,
      },
    });
    expect(entry.record.session.reasons).toContain('static_frames');
    expect(entry.record.rationale).toMatch(/one still image/);
    // Appended after its frames' checks, in the same chain.
    const frames = await read('/v1/audit?limit=500', auditor);
    const seqOf = (id: string) => frames.records.find((r: Json) => r.record.checkId === id)?.seq;
    for (const checkId of view.checkIds) expect(seqOf(checkId)).toBeLessThan(entry.seq);
    const bySubject = await read('/v1/audit?subject=alice@acme.test&limit=500', auditor);
    expect(bySubject.records.map((r: Json) => r.record.checkId)).toContain(`${session.id}.1`);
  });

  it('records replayed_capture, and a session record is neither a check nor redeemable as one', async () => {
    const first = await createSession();
    const frames = await cameraFrames(faces[1] as Buffer, 2, 5);
    await capture(first, frames);
    const second = await createSession();
    expect(await capture(second, frames)).toEqual({ status: 'failed' });
    const [entry] = await sessionRecords(second.id);
    expect(entry.record.session.reasons).toContain('replayed_capture');
    expect(entry.record.decision).toBe('spoof');

    const asCheck = await service.app.request(`/v1/checks/${first.id}.1`, {
      headers: bearer(auditor),
    });
    expect(asCheck.status).toBe(404);
    const hook = await service.app.request(
      '/v1/hooks/verify',
      signedHookRequest(
        { type: 'liveness.verify', data: { subject: 'alice@acme.test', checkId: `${first.id}.1` } },
        SECRET,
      ),
    );
    expect(await hook.json()).toMatchObject({ action: 'deny', reason: 'check_not_found' });
  });

  it('lets only one of several sessions sending the same frames at the same instant pass', async () => {
    const racers = await Promise.all([0, 1, 2, 3].map(() => createSession()));
    const frames = await cameraFrames(faces[2] as Buffer, 2, 7);
    const answers = await Promise.all(racers.map((session) => capture(session, frames)));
    const views = await Promise.all(racers.map((s) => read(`/v1/sessions/${s.id}`)));
    const replayed = views.filter((view) => view.reasons.includes('replayed_capture'));
    expect(replayed).toHaveLength(racers.length - 1);
    const winner = views.findIndex((view) => !view.reasons.includes('replayed_capture'));
    answers.forEach((answer, index) => {
      if (index !== winner) expect(answer).toEqual({ status: 'failed' });
    });
  });

  it('verifies the chain with session records in it, and sees a tampered session record', async () => {
    const session = await createSession('bob@acme.test');
    await capture(session, await cameraFrames(faces[3] as Buffer, 2, 9));
    const before = await read('/v1/audit/verify', auditor);
    expect(before).toMatchObject({ ok: true, firstBreak: null });
    const [entry] = await sessionRecords(session.id);
    // The attacker rewrites what the session decided and why, leaving the hashes as they were.
    await backend.tamper(
      env,
      `UPDATE audit_records SET body = replace(body, '"attempt":1', '"attempt":2')
       WHERE check_id = '${session.id}.1'`,
    );
    const after = await read('/v1/audit/verify', auditor);
    expect(after).toMatchObject({
      ok: false,
      firstBreak: { seq: entry.seq, reason: 'hash_mismatch' },
    });
  });
});
