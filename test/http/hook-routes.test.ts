import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/start-server.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';
import { projectRoot } from '../../src/project-root.js';
import { FACE_32 } from '../support/fixtures.js';
import { freePort } from '../support/receivers.js';
import { recordCheck, testServiceEnv } from '../support/service.js';
import { signedHookRequest } from '../support/signed-hook.js';

const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const ROTATED = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
const OKTA_AUTH = 'okta-shared-secret-0123456789';
const OKTA_ISSUER = 'https://acme.okta.example/oauth2/aus1hook';
const OKTA_HOOK_CLIENT = '0oa1inlinehookclient';
// Okta's authorization server signing key (Okta signs its access tokens with RS256).
const oktaKeys = await generateKeyPair('RS256', { extractable: true });
const oktaJwk = {
  ...(await exportJWK(oktaKeys.publicKey)),
  kid: 'okta-k1',
  alg: 'RS256',
  use: 'sig',
};

/** The access token Okta obtains (client secret or private-key JWT) and sends as the hook's bearer. */
function oktaAccessToken(claims: Record<string, unknown> = {}, key = oktaKeys.privateKey) {
  return new SignJWT({ cid: OKTA_HOOK_CLIENT, scp: ['okta.inlineHooks.registration'], ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'okta-k1' })
    .setIssuer(OKTA_ISSUER)
    .setAudience('api://ifas-guard-hooks')
    .setSubject(OKTA_HOOK_CLIENT)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

let live: RunningServer; // default threshold: the tiny model finds the fixture face live
let spoof: RunningServer; // threshold 0.99: the same face is a spoof
let image: Buffer;

async function server(env: Record<string, string>, budgetMs = 2000): Promise<RunningServer> {
  const hooks = {
    tenants: {
      acme: {
        secrets: [SECRET, ROTATED],
        okta: {
          authorization: OKTA_AUTH,
          oauth: {
            issuer: OKTA_ISSUER,
            audience: 'api://ifas-guard-hooks',
            jwks: { keys: [oktaJwk] },
            clientId: OKTA_HOOK_CLIENT,
            scope: 'okta.inlineHooks.registration',
          },
        },
      },
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

/** The envelope of Okta's registration inline hook request (com.okta.user.pre-registration). */
function oktaEnvelope(
  id: string,
  requestType: 'self.service.registration' | 'progressive.profile',
) {
  return {
    eventId: id,
    eventTime: new Date().toISOString(),
    eventType: 'com.okta.user.pre-registration',
    eventTypeVersion: '1.0',
    contentType: 'application/json',
    cloudEventVersion: '0.1',
    source: 'https://acme.okta.example/api/v1/inlineHooks/cal1',
    requestType,
  };
}

const checkFor = (target: RunningServer, subject: string): Promise<string> =>
  recordCheck(target.service, { tenant: 'acme', subject, image });

const signed = (body: unknown, secret = SECRET, options: { id?: string; at?: Date } = {}) =>
  signedHookRequest(body, secret, options);

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

  it('answers a resent message id with its first answer, and refuses a body that is neither a lookup nor a check', async () => {
    const request = signed(
      { type: 'liveness.verify', data: { subject: 'a', checkId: 'chk_x' } },
      SECRET,
      { id: 'msg_replay' },
    );
    const first = await hook(live, request);
    expect(first.status).toBe(200);
    // A resend of a delivered message is answered with the same result, and decides nothing anew.
    expect(await hook(live, request)).toMatchObject({ status: 200, body: first.body });
    const both = await hook(
      live,
      signed({ type: 'liveness.verify', data: { subject: 'a', checkId: 'c', image: 'AAAA' } }),
    );
    expect(both).toMatchObject({ status: 422, body: { code: 'INPUT_INVALID' } });
  });

  it("handles a sender's retry after a failed delivery instead of refusing it as a replay", async () => {
    const checkId = await checkFor(live, 'retry-user');
    const request = signed(
      { type: 'liveness.verify', data: { subject: 'retry-user', checkId } },
      SECRET,
      { id: 'msg_failed_once' },
    );
    const store = live.service.store;
    const findCheck = store.findCheck;
    store.findCheck = async () => {
      throw new Error('the database went away for a moment');
    };
    try {
      expect((await hook(live, request)).status).toBe(500);
    } finally {
      store.findCheck = findCheck;
    }
    expect(await hook(live, request)).toMatchObject({
      status: 200,
      body: { action: 'allow', checkId },
    });
  });

  it('refuses an empty image with 422 instead of answering check_not_found', async () => {
    expect(
      await hook(live, signed({ type: 'liveness.verify', data: { subject: 'a', image: '' } })),
    ).toMatchObject({ status: 422, body: { code: 'INPUT_INVALID' } });
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
  it('Okta: a registration inline hook request gets ALLOW for a live check and DENY with an error otherwise', async () => {
    const checkId = await checkFor(live, 'new.user@example.com');
    // The shape Okta sends for com.okta.user.pre-registration (developer.okta.com, registration inline hook).
    const oktaRequest = (id: string, profile: Record<string, string>) => ({
      ...oktaEnvelope(id, 'self.service.registration'),
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
    // Okta resends an event it did not hear back from: the same answer again, not an error, and the
    // check is not redeemed twice.
    const resent = await send(
      oktaRequest('evt1', { email: 'new.user@example.com', livenessCheckId: checkId }),
    );
    expect(resent.status).toBe(200);
    expect(await resent.json()).toEqual({
      commands: [{ type: 'com.okta.action.update', value: { registration: 'ALLOW' } }],
    });
    // A resent refusal is the same refusal.
    const resentDenial = await send(oktaRequest('evt3', { email: 'x@example.com' }));
    expect({ status: resentDenial.status, body: await resentDenial.json() }).toEqual({
      status: 200,
      body: missing,
    });
    // A duplicate while the first delivery of the event is still being answered: 409, never ALLOW.
    const fresh = await checkFor(live, 'new.user@example.com');
    await live.service.store.claimHookMessage('acme', 'okta:evt5');
    const duplicate = await send(
      oktaRequest('evt5', { email: 'new.user@example.com', livenessCheckId: fresh }),
    );
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toMatchObject({ code: 'HOOK_REPLAYED' });
  });

  it('Okta: progressive profiling binds the check to the existing user, not to an attribute the form submits', async () => {
    const send = async (body: unknown) =>
      (
        await fetch(`${live.url}/v1/hooks/okta/registration`, {
          method: 'POST',
          headers: { authorization: OKTA_AUTH, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json();
    // The shape Okta sends for progressive profile enrollment (requestType progressive.profile).
    const progressive = (id: string, update: Record<string, string>, email: string) => ({
      ...oktaEnvelope(id, 'progressive.profile'),
      data: {
        context: {
          request: { method: 'POST', ipAddress: '203.0.113.7' },
          user: { id: '00u1existing', profile: { login: email, email, firstName: 'Ada' } },
        },
        action: 'ALLOW',
        userProfileUpdate: update,
      },
    });
    const mine = await checkFor(live, 'existing.user@example.com');
    expect(
      await send(progressive('pp1', { livenessCheckId: mine }, 'existing.user@example.com')),
    ).toEqual({ commands: [{ type: 'com.okta.action.update', value: { registration: 'ALLOW' } }] });
    // Someone else's check, with their email typed into the form, does not pass for this user.
    const theirs = await checkFor(live, 'other.user@example.com');
    expect(
      await send(
        progressive(
          'pp2',
          { livenessCheckId: theirs, email: 'other.user@example.com' },
          'existing.user@example.com',
        ),
      ),
    ).toMatchObject({
      commands: [{ value: { registration: 'DENY' } }],
      error: {
        errorCauses: [
          { reason: 'SUBJECT_MISMATCH', location: 'data.userProfileUpdate.livenessCheckId' },
        ],
      },
    });
  });

  it("Okta: OAuth 2.0 inline-hook authentication (the bearer Okta's authorization server issues) is verified with jose", async () => {
    const request = {
      eventId: 'oauth1',
      eventType: 'com.okta.user.pre-registration',
      requestType: 'self.service.registration',
      data: { userProfile: { email: 'oauth.user@example.com', livenessCheckId: 'chk_none' } },
    };
    const send = async (authorization: string) =>
      fetch(`${live.url}/v1/hooks/okta/registration`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ ...request, eventId: `oauth-${Math.random()}` }),
      });
    const ok = await send(`Bearer ${await oktaAccessToken()}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ commands: [{ value: { registration: 'DENY' } }] });
    const stranger = await generateKeyPair('RS256');
    for (const token of [
      await oktaAccessToken({}, stranger.privateKey), // not signed by the authorization server
      await oktaAccessToken({ cid: '0oaSomeOtherApp' }), // another client of the same server
      await oktaAccessToken({ scp: ['okta.users.read'] }), // without the hook scope
    ]) {
      expect((await send(`Bearer ${token}`)).status).toBe(401);
    }
  });

  // Runs where a JDK is installed (reported as skipped elsewhere); the wire format is covered on every
  // machine by the independent-signer test above. The whole provider JAR is built by Maven in .ci/run.
  it.runIf(spawnSync('javac', ['-version']).status === 0)(
    "Keycloak: the recipe's Java client, compiled and run, redeems a check, runs one on an image, and tells a refusal from an outage",
    async () => {
      const out = await mkdtemp(join(tmpdir(), 'ifas-java-'));
      execFileSync('javac', [
        '-d',
        out,
        join(
          projectRoot(),
          'docs/recipes/keycloak/src/main/java/dev/ifasguard/keycloak/IfasHookClient.java',
        ),
      ]);
      // Asynchronously: the server answering it runs in this very process.
      const java = async (...args: string[]) =>
        JSON.parse(
          (
            await promisify(execFile)('java', [
              '-cp',
              out,
              'dev.ifasguard.keycloak.IfasHookClient',
              ...args,
            ])
          ).stdout,
        );
      const checkId = await checkFor(live, 'kc-user-2');
      expect(await java(live.url, SECRET, 'kc-user-2', checkId)).toMatchObject({
        action: 'allow',
        checkId,
      });
      expect(await java(live.url, SECRET, 'kc-user-3', `@${FACE_32}`)).toMatchObject({
        action: 'allow',
        decision: 'live',
      });
      const wrong = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
      expect(await java(live.url, wrong, 'kc-user-2', checkId)).toEqual({ refused: 401 });
      // An empty image is a bad request (422): a refusal too, which the authenticator never fails open on.
      await writeFile(join(out, 'empty.jpg'), '');
      expect(await java(live.url, SECRET, 'kc-user-2', `@${join(out, 'empty.jpg')}`)).toEqual({
        refused: 422,
      });
      expect(
        await java(`http://127.0.0.1:${await freePort()}`, SECRET, 'kc-user-2', checkId),
      ).toEqual({
        unavailable: true,
      });
    },
  );
});
