import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GuardVariables,
  type GuardVerdict,
  ifasGuard,
  ifasGuardMiddleware,
  inProcessChecks,
  inProcessSessions,
  remoteChecks,
  remoteSessions,
} from '../../src/app/guard.js';
import { type RunningServer, startServer } from '../../src/app/start-server.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';
import { FACE_32 } from '../support/fixtures.js';
import { cameraFrames } from '../support/frames.js';
import { freePort } from '../support/receivers.js';
import { keyFor, testServiceEnv } from '../support/service.js';

let live: RunningServer;
let strict: RunningServer; // judges the same face a spoof
let face: Buffer;

async function server(env: Record<string, string> = {}): Promise<RunningServer> {
  const running = await startServer(
    serviceConfigFromEnv(await testServiceEnv({ IFAS_PORT: '0', ...env })),
    () => undefined,
  );
  await running.service.modelLoaded;
  return running;
}

/** A host application's login route behind the guard; it still reads the body it was sent. */
function hostApp(guard: ReturnType<typeof ifasGuardMiddleware<{ Variables: GuardVariables }>>) {
  const app = new Hono<{ Variables: GuardVariables }>();
  app.post('/login', guard, async (c) => {
    const body = await c.req.parseBody();
    return c.json({
      user: body.username,
      password: body.password === 'hunter2',
      checkId: c.var.ifasCheck?.id,
    });
  });
  return app;
}

function loginForm(image: Buffer | null): FormData {
  const form = new FormData();
  form.append('username', 'grace');
  form.append('password', 'hunter2');
  if (image) form.append('face', new Blob([image]));
  return form;
}

beforeAll(async () => {
  face = await readFile(FACE_32);
  live = await server();
  strict = await server({ IFAS_THRESHOLD: '0.99' });
});

afterAll(async () => {
  await Promise.all([live.stop(), strict.stop()]);
});

describe('ifasGuardMiddleware in front of a login route', () => {
  it('lets a live face through (in-process) and passes the check id downstream', async () => {
    const app = hostApp(
      ifasGuardMiddleware({ client: inProcessChecks(live.service.checks, 'acme') }),
    );
    const res = await app.request('/login', { method: 'POST', body: loginForm(face) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: string; password: boolean; checkId: string };
    expect(body).toMatchObject({
      user: 'grace',
      password: true,
      checkId: expect.stringMatching(/^chk_/),
    });
    expect(res.headers.get('ifas-check-id')).toBe(body.checkId);
    const stored = await live.service.store.findCheck('acme', body.checkId);
    expect(stored?.record.decision).toBe('live');
  });

  it('stops a spoof (remote service over HTTP) with LIVENESS_FAILED and a retry hint, never the rationale or score', async () => {
    const key = await keyFor(strict.service, 'acme', ['checks:write']);
    const denied: GuardVerdict[] = [];
    const app = hostApp(
      ifasGuardMiddleware({
        client: remoteChecks({ baseUrl: strict.url, apiKey: key }),
        onDenied: (verdict) => denied.push(verdict),
      }),
    );
    const res = await app.request('/login', { method: 'POST', body: loginForm(face) });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const text = await res.text();
    const problem = JSON.parse(text) as Record<string, unknown>;
    expect(problem).toMatchObject({
      code: 'LIVENESS_FAILED',
      retryable: true,
      detail: expect.stringMatching(/try again/),
    });
    expect(Object.keys(problem).sort()).toEqual([
      'code',
      'detail',
      'retryable',
      'status',
      'title',
      'type',
    ]);
    // The host still sees everything, and the check is recorded.
    const [verdict] = denied;
    expect(verdict?.check?.decision).toBe('spoof');
    expect(text).not.toContain(String(verdict?.check?.liveness));
    if (verdict?.check?.rationale) expect(text).not.toContain(verdict.check.rationale);
    const checkId = res.headers.get('ifas-check-id') ?? '';
    expect(await strict.service.store.findCheck('acme', checkId)).not.toBeNull();
  });

  it('refuses a login without a face image, and fails closed (or open, if told) when the service is down', async () => {
    const app = hostApp(
      ifasGuardMiddleware({ client: inProcessChecks(live.service.checks, 'acme') }),
    );
    const noFace = await app.request('/login', { method: 'POST', body: loginForm(null) });
    expect(noFace.status).toBe(400);
    expect(await noFace.json()).toMatchObject({ code: 'LIVENESS_NO_IMAGE' });

    const down = remoteChecks({
      baseUrl: `http://127.0.0.1:${await freePort()}`,
      apiKey: 'ifas_x',
    });
    const closed = await hostApp(ifasGuardMiddleware({ client: down })).request('/login', {
      method: 'POST',
      body: loginForm(face),
    });
    expect(closed.status).toBe(503);
    expect(await closed.json()).toMatchObject({ code: 'LIVENESS_UNAVAILABLE' });
    const open = await hostApp(
      ifasGuardMiddleware({ client: down, onUnavailable: 'allow' }),
    ).request('/login', { method: 'POST', body: loginForm(face) });
    expect(open.status).toBe(200);
  });

  it('fails open only when ifas-guard is unreachable or failing, never on a refusal (401)', async () => {
    const refusing = remoteChecks({ baseUrl: live.url, apiKey: 'ifas_0000000000000000_nope' });
    const res = await hostApp(
      ifasGuardMiddleware({ client: refusing, onUnavailable: 'allow' }),
    ).request('/login', { method: 'POST', body: loginForm(face) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'LIVENESS_UNAVAILABLE' });
  });

  it("reports a refused credential as the service's error, not as an outage", async () => {
    const app = hostApp(
      ifasGuardMiddleware({
        client: remoteChecks({ baseUrl: live.url, apiKey: 'ifas_0000000000000000_nope' }),
      }),
    );
    const res = await app.request('/login', { method: 'POST', body: loginForm(face) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).not.toMatch(/AUTH_INVALID/);
    const verdict = await ifasGuard(
      new Request('http://host/login', { method: 'POST', body: loginForm(face) }),
      { client: remoteChecks({ baseUrl: live.url, apiKey: 'ifas_0000000000000000_nope' }) },
    );
    expect(verdict.allowed ? '' : verdict.detail).toMatch(/^AUTH_INVALID/);
  });
});

describe('ifasGuard (plain function, any framework)', () => {
  it('judges a JSON login request with a base64 face and a custom subject', async () => {
    const request = new Request('http://host/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'grace@example.com', faceImage: face.toString('base64') }),
    });
    const verdict = await ifasGuard(request, {
      client: inProcessChecks(live.service.checks, 'acme'),
      subjectOf: async (req) => ((await req.json()) as { email: string }).email,
    });
    expect(verdict).toMatchObject({
      allowed: true,
      reason: 'allowed',
      check: { decision: 'live' },
    });
    expect(await request.json()).toMatchObject({ email: 'grace@example.com' }); // body still readable
    const stored = await live.service.store.findCheck('acme', verdict.check?.id ?? '');
    expect(stored?.record.subject).not.toBeNull();
  });
});

describe('session mode: the login names a liveness session completed on the capture page', () => {
  async function judgedSession(target: RunningServer, frames: Buffer[]): Promise<string> {
    const created = await target.service.sessions.create(
      { tenant: 'acme', createdBy: 'api-key:k' },
      { subject: 'grace', purpose: 'login', ttlSeconds: 120, maxAttempts: 3 },
    );
    await target.service.sessions.capture(created.id, created.captureToken, frames, {
      requestId: null,
      userAgent: null,
    });
    return created.id;
  }

  function sessionLogin(sessionId: string | null, username = 'grace'): FormData {
    const form = new FormData();
    form.append('username', username);
    form.append('password', 'hunter2');
    if (sessionId) form.append('livenessSessionId', sessionId);
    return form;
  }

  it('lets a judged live session through once (in-process), for its own subject only', async () => {
    const sessionId = await judgedSession(live, await cameraFrames(face, 3, 101));
    const denied: GuardVerdict[] = [];
    const app = hostApp(
      ifasGuardMiddleware({
        sessions: inProcessSessions(live.service.sessions, 'acme'),
        onDenied: (verdict) => denied.push(verdict),
      }),
    );
    const stranger = await app.request('/login', {
      method: 'POST',
      body: sessionLogin(sessionId, 'mallory'),
    });
    expect(stranger.status).toBe(403);
    expect(await stranger.json()).toMatchObject({ code: 'LIVENESS_SESSION_REFUSED' });
    const res = await app.request('/login', { method: 'POST', body: sessionLogin(sessionId) });
    expect(res.status).toBe(200);
    expect(res.headers.get('ifas-check-id')).toBe(sessionId);
    const again = await app.request('/login', { method: 'POST', body: sessionLogin(sessionId) });
    expect(again.status).toBe(403);
    // The untrusted client hears only that the session cannot be used; the host hears why.
    const problem = (await again.json()) as { code: string; detail: string };
    expect(problem.code).toBe('LIVENESS_SESSION_REFUSED');
    expect(problem.detail).not.toMatch(/session_already_used/);
    expect(denied.at(-1)).toMatchObject({ reason: 'session_refused' });
    const last = denied.at(-1);
    expect(last && !last.allowed ? last.detail : '').toMatch(/session_already_used/);
    const none = await app.request('/login', { method: 'POST', body: sessionLogin(null) });
    expect(none.status).toBe(400);
  });

  it('stops a session judged spoof (remote, typed client over HTTP); the rationale goes to the host only', async () => {
    const [still] = await cameraFrames(face, 1, 103);
    const sessionId = await judgedSession(strict, [still as Buffer, still as Buffer]);
    const key = await keyFor(strict.service, 'acme', ['sessions:write']);
    const denied: GuardVerdict[] = [];
    const app = hostApp(
      ifasGuardMiddleware({
        sessions: remoteSessions({ baseUrl: strict.url, apiKey: key }),
        onDenied: (verdict) => denied.push(verdict),
      }),
    );
    const res = await app.request('/login', { method: 'POST', body: sessionLogin(sessionId) });
    expect(res.status).toBe(403);
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ code: 'LIVENESS_FAILED', retryable: true });
    expect(problem).not.toHaveProperty('decision');
    expect(JSON.stringify(problem)).not.toMatch(/still image|liveness \d/);
    expect(denied[0]).toMatchObject({ reason: 'decision', check: { decision: 'spoof' } });
    expect(denied[0]?.allowed ? '' : denied[0]?.detail).toMatch(/one still image/);
    const wrongKey = hostApp(
      ifasGuardMiddleware({
        sessions: remoteSessions({ baseUrl: strict.url, apiKey: 'ifas_x_y' }),
      }),
    );
    const refused = await wrongKey.request('/login', {
      method: 'POST',
      body: sessionLogin(sessionId),
    });
    expect(refused.status).toBe(400);
  });
});
