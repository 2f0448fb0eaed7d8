import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/start-server.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';
import { projectRoot } from '../../src/project-root.js';
import {
  type ExternalPage,
  hs256,
  type PostLoginAction,
  runPostLogin,
} from '../support/auth0-actions.js';
import { FACE_32 } from '../support/fixtures.js';
import { freePort } from '../support/receivers.js';
import { recordCheck, testServiceEnv } from '../support/service.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const REDIRECT_SECRET = 'redirect-secret-shared-with-the-liveness-page';
const USER = { user_id: 'auth0|6543210fedcba' };

const action = createRequire(import.meta.url)(
  join(projectRoot(), 'docs', 'recipes', 'auth0-post-login.cjs'),
) as PostLoginAction;

let live: RunningServer;
let spoof: RunningServer;
let image: Buffer;

async function server(env: Record<string, string>): Promise<RunningServer> {
  const running = await startServer(
    serviceConfigFromEnv(
      await testServiceEnv({
        IFAS_PORT: '0',
        IFAS_HOOKS: JSON.stringify({ tenants: { acme: { secrets: [SECRET] } } }),
        ...env,
      }),
    ),
    () => undefined,
  );
  await running.service.modelLoaded;
  return running;
}

const checkFor = (target: RunningServer, subject: string): Promise<string> =>
  recordCheck(target.service, { tenant: 'acme', subject, image });

/** The liveness page: checks the session token, makes a check for its sub, signs the continue token. */
function livenessPage(
  target: RunningServer,
  tamper: (claims: Record<string, unknown>) => Record<string, unknown> = (c) => c,
  useCheck?: string,
): ExternalPage {
  return async ({ query, state }) => {
    const session = JSON.parse(
      Buffer.from(String(query.session_token).split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as { sub: string };
    const checkId = useCheck ?? (await checkFor(target, session.sub));
    const claims = tamper({
      sub: session.sub,
      state,
      check_id: checkId,
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    return { liveness_token: hs256(claims, REDIRECT_SECRET) };
  };
}

const secrets = (target: RunningServer | string, failOpen = false, webhookSecret = SECRET) => ({
  IFAS_URL: typeof target === 'string' ? target : target.url,
  IFAS_WEBHOOK_SECRET: webhookSecret,
  LIVENESS_PAGE_URL: 'https://app.example.test/liveness',
  REDIRECT_SECRET,
  IFAS_FAIL_OPEN: String(failOpen),
});

beforeAll(async () => {
  image = await readFile(FACE_32);
  live = await server({});
  spoof = await server({ IFAS_THRESHOLD: '0.99' });
});

afterAll(async () => {
  await Promise.all([live.stop(), spoof.stop()]);
});

describe('Auth0 Redirect Action recipe (replayed event and api objects)', () => {
  it('completes the round trip: session token out, state-bound liveness token back, live check allowed', async () => {
    const outcome = await runPostLogin(action, {
      user: USER,
      secrets: secrets(live),
      page: livenessPage(live),
    });
    expect(outcome).toEqual({ result: 'allowed' });
  });

  it('fails the login when the liveness token lacks the transaction state or carries another one', async () => {
    for (const tamper of [
      ({ state: _, ...rest }: Record<string, unknown>) => rest,
      (claims: Record<string, unknown>) => ({ ...claims, state: 'another-transactions-state' }),
    ]) {
      const outcome = await runPostLogin(action, {
        user: USER,
        secrets: secrets(live),
        page: livenessPage(live, tamper),
      });
      expect(outcome).toMatchObject({ result: 'failed', error: expect.stringMatching(/state/) });
    }
  });

  it('denies a spoof, a check made for another user, and a check used before', async () => {
    expect(
      await runPostLogin(action, {
        user: USER,
        secrets: secrets(spoof),
        page: livenessPage(spoof),
      }),
    ).toEqual({ result: 'denied', reason: 'Liveness check failed (spoof).' });
    const othersCheck = await checkFor(live, 'auth0|someone-else');
    expect(
      await runPostLogin(action, {
        user: USER,
        secrets: secrets(live),
        page: livenessPage(live, (c) => c, othersCheck),
      }),
    ).toEqual({ result: 'denied', reason: 'Liveness check failed (subject_mismatch).' });
    const used = await checkFor(live, USER.user_id);
    const page = livenessPage(live, (c) => c, used);
    expect(await runPostLogin(action, { user: USER, secrets: secrets(live), page })).toEqual({
      result: 'allowed',
    });
    expect(await runPostLogin(action, { user: USER, secrets: secrets(live), page })).toEqual({
      result: 'denied',
      reason: 'Liveness check failed (check_already_used).',
    });
  });

  it('fails open only when ifas-guard is unreachable, never on a 401 or a 409', async () => {
    const wrongSecret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    expect(
      await runPostLogin(action, {
        user: USER,
        secrets: secrets(live, true, wrongSecret),
        page: livenessPage(live),
      }),
    ).toEqual({ result: 'denied', reason: 'Liveness check failed (http_401).' });
    // The same transaction and check id again: the same webhook-id, answered as before (the check is
    // not redeemed twice: another transaction with it is refused as used).
    const checkId = await checkFor(live, USER.user_id);
    const page = livenessPage(live, (c) => c, checkId);
    const run = (transactionId: string) =>
      runPostLogin(action, { user: USER, secrets: secrets(live, true), page, transactionId });
    expect(await run('tx_fixed')).toEqual({ result: 'allowed' });
    expect(await run('tx_fixed')).toEqual({ result: 'allowed' });
    expect(await run('tx_other')).toEqual({
      result: 'denied',
      reason: 'Liveness check failed (check_already_used).',
    });
    // A message whose first delivery is still being handled is refused with 409, never failed open.
    const busy = await checkFor(live, USER.user_id);
    await live.service.store.claimHookMessage('acme', `msg_tx_busy_${busy}`);
    expect(
      await runPostLogin(action, {
        user: USER,
        secrets: secrets(live, true),
        page: livenessPage(live, (c) => c, busy),
        transactionId: 'tx_busy',
      }),
    ).toEqual({ result: 'denied', reason: 'Liveness check failed (http_409).' });
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const unreachable = (failOpen: boolean) =>
      runPostLogin(action, {
        user: USER,
        secrets: secrets(nowhere, failOpen),
        page: livenessPage(live),
      });
    expect(await unreachable(true)).toEqual({ result: 'allowed' });
    expect(await unreachable(false)).toEqual({
      result: 'denied',
      reason: 'Liveness check failed (unreachable).',
    });
  });
});
