/**
 * The attacker's cases of identity binding, each end to end through the real routes and triggers of
 * one service (tiny model, real face detector and embedder, reference faces on, SQLite audit file):
 * the identity-provider hook, the Cognito triggers, the guard middleware and the Auth0 recipe. Every
 * case has its legitimate twin next to it, so a denial is not just the service denying everything.
 * The same cases run twice: on single-use check ids, and on liveness sessions (capture page frames,
 * redeemed by the hook, the guard's session mode and Cognito's session mode).
 */

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Hono } from 'hono';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/build-service.js';
import {
  type GuardVariables,
  ifasGuardMiddleware,
  inProcessChecks,
  inProcessSessions,
  remoteChecks,
} from '../../src/app/guard.js';
import { createSessionChallenge, verifyAuthChallenge } from '../../src/cognito/custom-challenge.js';
import { projectRoot } from '../../src/project-root.js';
import { hs256, type PostLoginAction, runPostLogin } from '../support/auth0-actions.js';
import { createEvent, defineEvent, verifyEvent } from '../support/cognito-events.js';
import { cameraFrames } from '../support/frames.js';
import { IDENTITY_ENV, type IdentityPhotos, identityPhotos } from '../support/identity-photos.js';
import { keyFor, recordCheck, testServiceEnv } from '../support/service.js';
import { signedHookRequest } from '../support/signed-hook.js';

const ACME = `whsec_${Buffer.alloc(32, 11).toString('base64')}`;
const GLOBEX = `whsec_${Buffer.alloc(32, 12).toString('base64')}`;
const INITECH = `whsec_${Buffer.alloc(32, 14).toString('base64')}`;
const VICTIM = 'victim-7d1e';

// The Cognito handlers read their settings at import: the same data folder as the service below.
Object.assign(
  process.env,
  await testServiceEnv({
    ...IDENTITY_ENV,
    IFAS_PUBLIC_URL: 'https://ifas.example.test',
    IFAS_COGNITO_TENANT: 'acme',
    IFAS_HOOKS: JSON.stringify({
      tenants: {
        acme: { secrets: [ACME] },
        globex: { secrets: [GLOBEX] },
        initech: { secrets: [INITECH] },
      },
      maxCheckAgeSeconds: 2,
    }),
    // initech requires an enrolled reference face: a live face alone never passes there.
    IFAS_IDENTITY: JSON.stringify({ tenants: { initech: { requireReference: true } } }),
  }),
);
const cognito = await import('../../functions/cognito.js');
const { lambdaService } = await import('../../src/app/lambda-parts.js');

let service: Service;
let photos: IdentityPhotos;

const check = (image: Buffer, subject: string, tenant = 'acme') =>
  recordCheck(service, { tenant, subject, image });

/** The identity-provider hook redeeming a check id or (with `{ sessionId }`) a liveness session. */
async function verifyHook(
  data: { subject: string; checkId?: string; sessionId?: string },
  secret = ACME,
): Promise<Record<string, unknown>> {
  const res = await service.app.request(
    '/v1/hooks/verify',
    signedHookRequest({ type: 'liveness.verify', data }, secret),
  );
  return (await res.json()) as Record<string, unknown>;
}

const hook = (subject: string, checkId: string, secret = ACME) =>
  verifyHook({ subject, checkId }, secret);

async function cognitoVerify(subject: string, checkId: string): Promise<boolean> {
  const created = await cognito.createHandler(createEvent(subject, []));
  const verified = await cognito.verifyHandler(
    verifyEvent(subject, created.response.privateChallengeParameters, checkId),
  );
  return verified.response.answerCorrect;
}

/** PUT /v1/subjects/{subject}/reference for the tenant; the status. */
async function enrolReference(tenant: string, subject: string, image: Buffer): Promise<number> {
  const enroller = await keyFor(service, tenant, ['subjects:write']);
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(image)]), 'enrol.png');
  const enrolled = await service.app.request(`/v1/subjects/${subject}/reference`, {
    method: 'PUT',
    body: form,
    headers: { authorization: `Bearer ${enroller}` },
  });
  return enrolled.status;
}

beforeAll(async () => {
  photos = await identityPhotos();
  service = await lambdaService();
  await service.modelLoaded;
  expect(await enrolReference('acme', VICTIM, photos.holder)).toBe(201);
});

afterAll(async () => {
  await service.close();
});

describe('Attacker cases (each next to its legitimate twin)', () => {
  it("the attacker's own live face on the victim's account, with a reference enrolled → denied (hook, Cognito, guard)", async () => {
    const attackerCheck = await check(photos.attacker, VICTIM);
    const stored = await service.store.findCheck('acme', attackerCheck);
    expect(stored?.record.decision).toBe('live'); // live, but not the victim's face
    expect(stored?.record.match?.matched).toBe(false);
    expect(await hook(VICTIM, attackerCheck)).toMatchObject({
      action: 'deny',
      reason: 'face_mismatch',
      referenceRequired: false, // acme does not require one, but the victim has one enrolled
      match: { matched: false },
    });
    expect(await cognitoVerify(VICTIM, await check(photos.attacker, VICTIM))).toBe(false);

    const app = new Hono<{ Variables: GuardVariables }>();
    app.post(
      '/login',
      ifasGuardMiddleware({ client: inProcessChecks(service.checks, 'acme') }),
      (c) => c.text('signed in'),
    );
    const login = (face: Buffer) => {
      const body = new FormData();
      body.append('username', VICTIM);
      body.append('face', new Blob([new Uint8Array(face)]));
      return app.request('/login', { method: 'POST', body });
    };
    const denied = await login(photos.attacker);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ code: 'LIVENESS_FAILED' });
    // The twin: the victim's own face, another photo.
    expect((await login(photos.holderAgain)).status).toBe(200);
    expect(await hook(VICTIM, await check(photos.holderAgain, VICTIM))).toMatchObject({
      action: 'allow',
    });
    expect(await cognitoVerify(VICTIM, await check(photos.holderAgain, VICTIM))).toBe(true);
  });

  it('a live face for a subject without a reference, where the tenant requires one → denied', async () => {
    const app = new Hono<{ Variables: GuardVariables }>();
    app.post(
      '/login',
      ifasGuardMiddleware({ client: inProcessChecks(service.checks, 'initech') }),
      (c) => c.text('signed in'),
    );
    const login = () => {
      const body = new FormData();
      body.append('username', 'new-hire');
      body.append('face', new Blob([new Uint8Array(photos.holderAgain)]));
      return app.request('/login', { method: 'POST', body });
    };
    expect((await login()).status).toBe(403);
    const noReference = await check(photos.holderAgain, 'new-hire', 'initech');
    expect(await hook('new-hire', noReference, INITECH)).toMatchObject({
      action: 'deny',
      reason: 'reference_required',
      referenceRequired: true,
      match: null,
    });
    // The twin: once the face is enrolled for initech, the same person passes.
    expect(await enrolReference('initech', 'new-hire', photos.holder)).toBe(201);
    expect((await login()).status).toBe(200);
  });

  it('a check used again → denied', async () => {
    const own = await check(photos.holderAgain, VICTIM);
    expect(await hook(VICTIM, own)).toMatchObject({ action: 'allow' });
    expect(await hook(VICTIM, own)).toMatchObject({ action: 'deny', reason: 'check_already_used' });
    expect(await cognitoVerify(VICTIM, own)).toBe(false);
  });

  it("another tenant's check → denied", async () => {
    const globexCheck = await check(photos.holderAgain, VICTIM, 'globex');
    expect(await hook(VICTIM, globexCheck)).toMatchObject({
      action: 'deny',
      reason: 'check_not_found',
    });
    expect(await cognitoVerify(VICTIM, globexCheck)).toBe(false);
    expect(await hook(VICTIM, globexCheck, GLOBEX)).toMatchObject({ action: 'allow' }); // its own tenant
  });

  it("another subject's check → denied", async () => {
    const someoneElse = await check(photos.attacker, 'attacker-account');
    expect(await hook(VICTIM, someoneElse)).toMatchObject({
      action: 'deny',
      reason: 'subject_mismatch',
    });
    expect(await cognitoVerify(VICTIM, someoneElse)).toBe(false);
    expect(await hook('attacker-account', someoneElse)).toMatchObject({ action: 'allow' });
  });

  it('Cognito CUSTOM_AUTH without the password step → denied', async () => {
    const live = {
      challengeName: 'CUSTOM_CHALLENGE' as const,
      challengeResult: true,
      challengeMetadata: 'IFAS_LIVENESS',
    };
    for (const session of [[], [live], [live, live]]) {
      expect((await cognito.defineHandler(defineEvent(VICTIM, session))).response).toMatchObject({
        issueTokens: false,
        failAuthentication: true,
      });
    }
    const srp = { challengeName: 'SRP_A' as const, challengeResult: true };
    const password = { challengeName: 'PASSWORD_VERIFIER' as const, challengeResult: true };
    expect(
      (await cognito.defineHandler(defineEvent(VICTIM, [srp, password, live]))).response
        .issueTokens,
    ).toBe(true);
  });

  it('an expired check → denied', async () => {
    const old = await check(photos.holderAgain, VICTIM);
    await new Promise((resolve) => setTimeout(resolve, 2_200)); // maxCheckAgeSeconds is 2 here
    expect(await hook(VICTIM, old)).toMatchObject({ action: 'deny', reason: 'check_expired' });
  });

  it("a remote guard (HTTP) under a tenant that requires references: the service's policy holds even if the guard's own option says false", async () => {
    const server = await import('@hono/node-server');
    const running = server.serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => running.once('listening', resolve));
    const url = `http://127.0.0.1:${(running.address() as { port: number }).port}`;
    try {
      const apiKey = await keyFor(service, 'initech', ['checks:write']);
      expect(await enrolReference('initech', 'enrolled-9', photos.holder)).toBe(201);
      const app = new Hono<{ Variables: GuardVariables }>();
      app.post(
        '/login',
        // The host's own option cannot relax the tenant's policy, only tighten it.
        ifasGuardMiddleware({
          client: remoteChecks({ baseUrl: url, apiKey }),
          requireReference: false,
        }),
        (c) => c.text('signed in'),
      );
      const login = (username: string, face: Buffer) => {
        const body = new FormData();
        body.append('username', username);
        body.append('face', new Blob([new Uint8Array(face)]));
        return app.request('/login', { method: 'POST', body });
      };
      // A live face for a subject with no enrolled reference: the tenant requires one → denied.
      const unenrolled = await login('never-enrolled', photos.holderAgain);
      expect(unenrolled.status).toBe(403);
      expect(await unenrolled.json()).toMatchObject({ code: 'LIVENESS_FAILED' });
      // The twin: the enrolled subject's own face passes.
      expect((await login('enrolled-9', photos.holderAgain)).status).toBe(200);
      // And the answer the guard read says so.
      const answer = await fetch(`${url}/v1/checks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}` },
        body: (() => {
          const body = new FormData();
          body.append('image', new Blob([new Uint8Array(photos.holderAgain)]));
          body.append('subject', 'never-enrolled');
          return body;
        })(),
      });
      expect(await answer.json()).toMatchObject({ decision: 'live', referenceRequired: true });
    } finally {
      await new Promise((resolve) => running.close(resolve));
    }
  });

  it('fail-open with a 401 → denied (guard and Auth0 recipe)', async () => {
    const app = new Hono<{ Variables: GuardVariables }>();
    const server = await import('@hono/node-server');
    const running = server.serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => running.once('listening', resolve));
    const url = `http://127.0.0.1:${(running.address() as { port: number }).port}`;
    try {
      app.post(
        '/login',
        ifasGuardMiddleware({
          client: remoteChecks({ baseUrl: url, apiKey: 'ifas_0000000000000000_wrong' }),
          onUnavailable: 'allow',
        }),
        (c) => c.text('signed in'),
      );
      const body = new FormData();
      body.append('username', VICTIM);
      body.append('face', new Blob([new Uint8Array(photos.holderAgain)]));
      expect((await app.request('/login', { method: 'POST', body })).status).toBe(400);

      const action = createRequire(import.meta.url)(
        join(projectRoot(), 'docs', 'recipes', 'auth0-post-login.cjs'),
      ) as PostLoginAction;
      const outcome = await runPostLogin(action, {
        user: { user_id: VICTIM },
        secrets: {
          IFAS_URL: url,
          // A secret no tenant has: the hook answers 401.
          IFAS_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 13).toString('base64')}`,
          LIVENESS_PAGE_URL: 'https://app.example.test/liveness',
          REDIRECT_SECRET: 'r',
          IFAS_FAIL_OPEN: 'true',
        },
        page: async ({ state }) => ({
          liveness_token: hs256(
            {
              sub: VICTIM,
              state,
              check_id: await check(photos.holderAgain, VICTIM),
              exp: Math.floor(Date.now() / 1000) + 60,
            },
            'r',
          ),
        }),
      });
      expect(outcome).toEqual({ result: 'denied', reason: 'Liveness check failed (http_401).' });
    } finally {
      await new Promise((resolve) => running.close(resolve));
    }
  });
});

describe('Attacker cases on liveness sessions (each next to its legitimate twin)', () => {
  // Every session of a tenant must show a new capture (the replay defence compares frame hashes across
  // sessions), so each session here uses its own photo or its mirror image (a distant difference hash).
  const mirrored = (image: Buffer) => sharp(image).flop().png().toBuffer();

  /** A session created for `subject` and completed with camera-like frames of `face`; its id and the client's answer. */
  async function completed(
    face: Buffer,
    subject: string,
    seed: number,
    tenant = 'acme',
  ): Promise<{ id: string; status: string }> {
    const created = await service.sessions.create(
      { tenant, createdBy: 'test' },
      { subject, purpose: 'login', ttlSeconds: 120, maxAttempts: 1 },
    );
    const answer = await service.sessions.capture(
      created.id,
      created.captureToken,
      await cameraFrames(face, 3, seed),
      { requestId: null, userAgent: null },
    );
    return { id: created.id, status: answer.status };
  }

  const sessionHook = (subject: string, sessionId: string, secret = ACME) =>
    verifyHook({ subject, sessionId }, secret);

  const guardApp = () => {
    const app = new Hono<{ Variables: GuardVariables }>();
    app.post(
      '/login',
      ifasGuardMiddleware({ sessions: inProcessSessions(service.sessions, 'acme') }),
      (c) => c.text('signed in'),
    );
    return (sessionId: string) => {
      const body = new FormData();
      body.append('username', VICTIM);
      body.append('livenessSessionId', sessionId);
      return app.request('/login', { method: 'POST', body });
    };
  };

  /** Cognito in session mode: Create makes the session for the user's sub, the client completes it, Verify redeems it. */
  async function cognitoSession(face: Buffer, seed: number): Promise<boolean> {
    const created = await createSessionChallenge(createEvent(VICTIM, []), {
      sessions: service.sessions,
      tenant: 'acme',
      ttlSeconds: 120,
      maxAttempts: 1,
    });
    const { sessionId, captureUrl } = created.response.publicChallengeParameters;
    const token = new URL(captureUrl ?? '').hash.replace('#token=', '');
    await service.sessions.capture(sessionId ?? '', token, await cameraFrames(face, 3, seed), {
      requestId: null,
      userAgent: null,
    });
    const verified = await verifyAuthChallenge(
      verifyEvent(VICTIM, created.response.privateChallengeParameters, sessionId ?? ''),
      {
        sessions: service.sessions,
        store: service.store,
        subjectPolicy: service.subjectPolicy,
        tenant: 'acme',
        maxCheckAgeSeconds: 60,
        requireReference: false,
      },
    );
    return verified.response.answerCorrect;
  }

  it("the attacker's own live face in a session for the victim, whose reference is enrolled → denied (capture page, hook, guard, Cognito)", async () => {
    const attacker = await completed(photos.attacker, VICTIM, 201);
    expect(attacker.status).toBe('failed'); // told like a spoof: no hint that the face was the problem
    const view = await service.sessions.view('acme', attacker.id);
    expect(view).toMatchObject({ decision: 'live', match: { matched: false } });
    expect(view.reasons).toContain('face_mismatch');
    for (const checkId of view.checkIds) {
      const frame = await service.store.findCheck('acme', checkId);
      expect(frame?.record.subject).toBeNull(); // a frame is redeemable only through its session …
      expect(frame?.record.match?.matched).toBe(false); // … and carries its match
    }
    expect(await sessionHook(VICTIM, attacker.id)).toMatchObject({
      action: 'deny',
      reason: 'face_mismatch',
    });
    const denied = await guardApp()(attacker.id);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ code: 'LIVENESS_FAILED' });
    expect(await cognitoSession(await mirrored(photos.attacker), 202)).toBe(false);
    // The twin: the victim's own face in a session passes every path.
    const own = await completed(photos.holderAgain, VICTIM, 203);
    expect(own.status).toBe('passed');
    expect((await service.sessions.view('acme', own.id)).match?.matched).toBe(true);
    expect((await guardApp()(own.id)).status).toBe(200);
    expect(await cognitoSession(photos.holder, 204)).toBe(true);
  });

  it("another subject's, another tenant's or a reused session → denied", async () => {
    const own = await completed(await mirrored(photos.holderAgain), VICTIM, 211);
    expect(own.status).toBe('passed');
    expect(await sessionHook('attacker-account', own.id)).toMatchObject({
      action: 'deny',
      reason: 'subject_mismatch',
    });
    expect(await sessionHook(VICTIM, own.id, GLOBEX)).toMatchObject({
      action: 'deny',
      reason: 'session_not_found',
    });
    expect(await sessionHook(VICTIM, own.id)).toMatchObject({ action: 'allow', sessionId: own.id });
    expect(await sessionHook(VICTIM, own.id)).toMatchObject({
      action: 'deny',
      reason: 'session_already_used',
    });
    expect((await guardApp()(own.id)).status).toBe(403);
  });

  it('a live session for a subject without a reference, where the tenant requires one → denied', async () => {
    const session = await completed(photos.attacker, 'no-reference-yet', 231, 'initech');
    expect(session.status).toBe('passed'); // live, and nothing to match against …
    expect(await sessionHook('no-reference-yet', session.id, INITECH)).toMatchObject({
      action: 'deny',
      reason: 'reference_required', // … but initech requires an enrolled face
    });
    // The twin: globex does not require one, so the same kind of session passes there.
    const globex = await completed(photos.attacker, 'no-reference-yet', 232, 'globex');
    expect(await sessionHook('no-reference-yet', globex.id, GLOBEX)).toMatchObject({
      action: 'allow',
    });
  });

  it('an expired session → denied', async () => {
    const old = await completed(await mirrored(photos.holder), VICTIM, 221);
    expect(old.status).toBe('passed');
    await new Promise((resolve) => setTimeout(resolve, 2_200)); // maxCheckAgeSeconds is 2 here
    expect(await sessionHook(VICTIM, old.id)).toMatchObject({
      action: 'deny',
      reason: 'session_expired',
    });
  });
});

// The attacker photo is a real other person: make sure the fixture is what the cases assume.
it('uses two different people (the embedder tells them apart)', async () => {
  const a = await service.store.findCheck('acme', await check(photos.holderAgain, VICTIM));
  const b = await service.store.findCheck('acme', await check(photos.attacker, VICTIM));
  expect([a?.record.match?.matched, b?.record.match?.matched]).toEqual([true, false]);
  expect(
    await readFile(join(projectRoot(), 'models', 'face-embedder', 'manifest.json'), 'utf8'),
  ).toContain('CC0-1.0');
});
