import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/start-server.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';
import { projectRoot } from '../../src/project-root.js';
import { FACE_32 } from '../support/fixtures.js';
import { testServiceEnv } from '../support/service.js';
import { signedHookRequest } from '../support/signed-hook.js';

const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const ROTATED = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
const OKTA_AUTH = 'okta-shared-secret-0123456789';

let live: RunningServer; // default threshold: the tiny model finds the fixture face live
let spoof: RunningServer; // threshold 0.99: the same face is a spoof
let image: Buffer;

async function server(env: Record<string, string>, budgetMs = 2000): Promise<RunningServer> {
  const hooks = {
    tenants: {
      acme: { secrets: [SECRET, ROTATED], okta: { authorization: OKTA_AUTH } },
      globex: { secrets: [`whsec_${Buffer.alloc(32, 5).toString('base64')}`] },
    },
    budgetMs,
    onBudgetExceeded: 'deny',
  };
  const running = await startServer(
    serviceConfigFromEnv(
      await testServiceEnv({
        IFAS_PORT: '0',
        IFAS_SUBJECT_POLICY: 'keyed-hash',
        IFAS_HOOKS: JSON.stringify(hooks),
        ...env,
      }),
    ),
    () => undefined,
  );
  await running.service.modelLoaded;
  return running;
}

async function checkFor(target: RunningServer, subject: string): Promise<string> {
  const outcome = await target.service.checks.submit({
    tenant: 'acme',
    image,
    subject,
    clientRequestId: null,
    explain: 'auto',
    caller: { kind: 'cli', id: 'test' },
    requestId: null,
    userAgent: null,
  });
  return outcome.stored.record.checkId;
}

function signed(body: unknown, secret = SECRET, options: { id?: string; at?: Date } = {}) {
  return signedHookRequest(body, secret, options);
}

async function hook(
  target: RunningServer,
  init: RequestInit,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${target.url}/v1/hooks/verify`, init);
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    headers: res.headers,
  };
}

beforeAll(async () => {
  image = await readFile(FACE_32);
  live = await server({});
  spoof = await server({ IFAS_THRESHOLD: '0.99' });
});

afterAll(async () => {
  await Promise.all([live.stop(), spoof.stop()]);
});

describe('POST /v1/hooks/verify (Standard Webhooks)', () => {
  it('allows a login on a fresh live check of the same subject, once', async () => {
    const checkId = await checkFor(live, 'alice');
    const first = await hook(
      live,
      signed({ type: 'liveness.verify', data: { subject: 'alice', checkId } }),
    );
    expect(first).toMatchObject({
      status: 200,
      body: {
        action: 'allow',
        reason: 'live',
        checkId,
        decision: 'live',
        liveness: expect.any(Number),
      },
    });
    const again = await hook(
      live,
      signed({ type: 'liveness.verify', data: { subject: 'alice', checkId } }, ROTATED),
    );
    expect(again.body).toMatchObject({ action: 'deny', reason: 'check_already_used' });
  });

  it("denies a spoof with its rationale, another subject's check, and an unknown check", async () => {
    const checkId = await checkFor(spoof, 'bob');
    const denied = await hook(
      spoof,
      signed({ type: 'liveness.verify', data: { subject: 'bob', checkId } }),
    );
    expect(denied.body).toMatchObject({
      action: 'deny',
      reason: 'spoof',
      decision: 'spoof',
      rationale: expect.any(String),
    });
    const other = await checkFor(live, 'carol');
    expect(
      (
        await hook(
          live,
          signed({ type: 'liveness.verify', data: { subject: 'mallory', checkId: other } }),
        )
      ).body,
    ).toMatchObject({
      action: 'deny',
      reason: 'subject_mismatch',
    });
    expect(
      (
        await hook(
          live,
          signed({ type: 'liveness.verify', data: { subject: 'carol', checkId: 'chk_nope' } }),
        )
      ).body,
    ).toMatchObject({
      reason: 'check_not_found',
    });
    // A tenant's hook secret never reaches another tenant's checks.
    const globex = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
    expect(
      (
        await hook(
          live,
          signed({ type: 'liveness.verify', data: { subject: 'carol', checkId: other } }, globex),
        )
      ).body,
    ).toMatchObject({
      reason: 'check_not_found',
    });
  });

  it('runs a check on an image and records it', async () => {
    const answer = await hook(
      live,
      signed({
        type: 'liveness.verify',
        data: { subject: 'dave', image: image.toString('base64') },
      }),
    );
    expect(answer.body).toMatchObject({ action: 'allow', decision: 'live' });
    const stored = await live.service.store.findCheck('acme', String(answer.body.checkId));
    expect(stored?.record.request.caller.kind).toBe('hook');
  });

  it('answers the configured fail-closed action when the budget is spent, and still records the check', async () => {
    const tight = await server({}, 100);
    // A 36-megapixel photo takes the runtime ≈ 0.5 s to decode and judge: five times the budget.
    const big = await sharp({
      create: {
        width: 6000,
        height: 6000,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 4 },
      },
    })
      .jpeg({ quality: 50 })
      .toBuffer();
    const answer = await hook(
      tight,
      signed({
        type: 'liveness.verify',
        data: { subject: 'erin', image: big.toString('base64'), clientRequestId: 'slow-1' },
      }),
    );
    expect(answer.body).toMatchObject({
      action: 'deny',
      reason: 'budget_exceeded',
      decision: null,
    });
    for (
      let i = 0;
      i < 200 && !(await tight.service.store.findByClientRequestId('acme', 'slow-1'));
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await tight.service.store.findByClientRequestId('acme', 'slow-1')).not.toBeNull();
    await tight.stop();
  });

  it.each([
    [
      'a wrong secret',
      () =>
        signed(
          { type: 'liveness.verify', data: { subject: 'a', checkId: 'c' } },
          `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
        ),
    ],
    [
      'a stale timestamp',
      () =>
        signed({ type: 'liveness.verify', data: { subject: 'a', checkId: 'c' } }, SECRET, {
          at: new Date(Date.now() - 10 * 60_000),
        }),
    ],
    [
      'no signature',
      () => ({ method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }),
    ],
  ])('refuses %s with 401 and a challenge', async (_case, request) => {
    const answer = await hook(live, request());
    expect(answer).toMatchObject({ status: 401, body: { code: 'HOOK_SIGNATURE_INVALID' } });
    expect(answer.headers.get('www-authenticate')).toMatch(/^Signature realm="ifas-guard"/);
  });

  it('refuses a replayed message id and a body that is neither a lookup nor a check', async () => {
    const request = signed(
      { type: 'liveness.verify', data: { subject: 'a', checkId: 'chk_x' } },
      SECRET,
      { id: 'msg_replay' },
    );
    expect((await hook(live, request)).status).toBe(200);
    expect(await hook(live, request)).toMatchObject({
      status: 409,
      body: { code: 'HOOK_REPLAYED' },
    });
    const both = await hook(
      live,
      signed({ type: 'liveness.verify', data: { subject: 'a', checkId: 'c', image: 'AAAA' } }),
    );
    expect(both).toMatchObject({ status: 422, body: { code: 'INPUT_INVALID' } });
  });

  it("is wire-compatible with an independent signer (the Keycloak client's HMAC, computed here with node:crypto)", async () => {
    const checkId = await checkFor(live, 'kc-user-1');
    const body = `{"type":"liveness.verify","data":{"subject":"kc-user-1","checkId":"${checkId}"}}`;
    const id = 'msg_keycloak_1';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const signature = createHmac('sha256', key)
      .update(`${id}.${timestamp}.${body}`)
      .digest('base64');
    const answer = await hook(live, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': `v1,${signature}`,
      },
    });
    expect(answer.body).toMatchObject({ action: 'allow', checkId });
  });
});

describe('recipes', () => {
  it('Auth0: the post-login Action allows a live check and denies a spoof, calling the hook itself', async () => {
    const action = createRequire(import.meta.url)(
      join(projectRoot(), 'docs', 'recipes', 'auth0-post-login.cjs'),
    ) as {
      onContinuePostLogin: (event: unknown, api: unknown) => Promise<void>;
    };
    const run = async (target: RunningServer, checkId: string) => {
      const calls: string[] = [];
      const api = {
        redirect: { validateToken: () => ({ check_id: checkId }) },
        access: { deny: (reason: string) => calls.push(`deny:${reason}`) },
        authentication: { challengeWith: () => calls.push('challenge') },
      };
      const event = {
        user: { user_id: 'auth0|abc' },
        transaction: { id: `tx${Math.random()}` },
        secrets: {
          IFAS_URL: target.url,
          IFAS_WEBHOOK_SECRET: SECRET,
          REDIRECT_SECRET: 'r',
          IFAS_FAIL_OPEN: 'false',
        },
      };
      await action.onContinuePostLogin(event, api);
      return calls;
    };
    expect(await run(live, await checkFor(live, 'auth0|abc'))).toEqual([]);
    expect(await run(spoof, await checkFor(spoof, 'auth0|abc'))).toEqual([
      'deny:Liveness check failed (spoof).',
    ]);
  });

  it('Okta: a registration inline hook request gets ALLOW for a live check and DENY with an error otherwise', async () => {
    const checkId = await checkFor(live, 'new.user@example.com');
    // The shape Okta sends for com.okta.user.pre-registration (developer.okta.com, registration inline hook).
    const oktaRequest = (id: string, profile: Record<string, string>) => ({
      eventId: id,
      eventTime: new Date().toISOString(),
      eventType: 'com.okta.user.pre-registration',
      eventTypeVersion: '1.0',
      contentType: 'application/json',
      cloudEventVersion: '0.1',
      source: 'https://acme.okta.example/api/v1/inlineHooks/cal1',
      requestType: 'self.service.registration',
      data: {
        context: { request: { method: 'POST', ipAddress: '203.0.113.7' } },
        userProfile: profile,
        action: 'ALLOW',
      },
    });
    const send = async (body: unknown, authorization = OKTA_AUTH) =>
      fetch(`${live.url}/v1/hooks/okta/registration`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const allowed = await send(
      oktaRequest('evt1', { email: 'new.user@example.com', livenessCheckId: checkId }),
    );
    expect(await allowed.json()).toEqual({
      commands: [{ type: 'com.okta.action.update', value: { registration: 'ALLOW' } }],
    });
    const reused = await (
      await send(oktaRequest('evt2', { email: 'new.user@example.com', livenessCheckId: checkId }))
    ).json();
    expect(reused).toMatchObject({
      commands: [{ value: { registration: 'DENY' } }],
      error: { errorCauses: [{ reason: 'CHECK_ALREADY_USED', domain: 'end-user' }] },
    });
    const missing = await (await send(oktaRequest('evt3', { email: 'x@example.com' }))).json();
    expect(missing).toMatchObject({ commands: [{ value: { registration: 'DENY' } }] });
    expect((await send(oktaRequest('evt4', {}), 'wrong')).status).toBe(401);
    expect((await send(oktaRequest('evt3', { email: 'x@example.com' }))).status).toBe(409);
  });

  // Runs where a JDK is installed (reported as skipped elsewhere); the wire format is covered on every
  // machine by the independent-signer test above.
  it.runIf(spawnSync('javac', ['-version']).status === 0)(
    "Keycloak: the recipe's Java client, compiled and run, gets an answer",
    async () => {
      const out = await mkdtemp(join(tmpdir(), 'ifas-java-'));
      execFileSync('javac', [
        '-d',
        out,
        join(projectRoot(), 'docs', 'recipes', 'keycloak', 'IfasHookClient.java'),
      ]);
      const checkId = await checkFor(live, 'kc-user-2');
      // Asynchronously: the server answering it runs in this very process.
      const { stdout: answer } = await promisify(execFile)('java', [
        '-cp',
        out,
        'dev.ifasguard.keycloak.IfasHookClient',
        live.url,
        SECRET,
        'kc-user-2',
        checkId,
      ]);
      expect(JSON.parse(answer)).toMatchObject({ action: 'allow', checkId });
    },
  );
});
