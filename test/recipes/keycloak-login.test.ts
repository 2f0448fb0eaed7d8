/**
 * The Keycloak recipe in a real Keycloak: the provider JAR built from docs/recipes/keycloak/ in a
 * Keycloak server started with `kc.sh start-dev`, a realm set up through the admin REST API (a user
 * with a password, a public OIDC client, a browser flow "Username Password Form" → "ifas-guard face
 * liveness"), a real ifas-guard on 127.0.0.1 (face detector, embedder, reference faces on), and
 * Debian's Chromium logging in with a fake camera playing a face photo.
 *
 * Runs where scripts/keycloak-e2e.sh set IFAS_KEYCLOAK_HOME (a JDK and Maven are needed for the
 * distribution and the JAR); skipped in the plain vitest run.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/start-server.js';
import { buildCaptureAssets } from '../../src/capture/build-capture-assets.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';
import { writeFakeCamera } from '../support/fake-camera.js';
import { IDENTITY_ENV, identityPhotos } from '../support/identity-photos.js';
import { keycloakAdmin, type RunningKeycloak, startKeycloak } from '../support/keycloak.js';
import { freePort, type Receiver, startReceiver } from '../support/receivers.js';
import { keyFor, testServiceEnv } from '../support/service.js';

const KEYCLOAK_HOME = process.env.IFAS_KEYCLOAK_HOME;
const CHROMIUM = process.env.IFAS_CHROMIUM ?? '/usr/bin/chromium';
const STARTUP_MS = Number(process.env.IFAS_KEYCLOAK_STARTUP_MS ?? 240_000);
const REALM = 'ifas';
const USERNAME = 'ada';
const PASSWORD = 'correct horse battery staple';
const HOOK_SECRET = `whsec_${Buffer.alloc(32, 21).toString('base64')}`;
const FLOW = 'ifas-browser';

let keycloak: RunningKeycloak;
let ifas: RunningServer;
let app: Receiver;
let admin: ReturnType<typeof keycloakAdmin>;
let userId: string;
let configId: string;
let sessionsKey: string;
let readKey: string;
let cameras: { holder: string; attacker: string; holderMirrored: string };
const browsers: Browser[] = [];

// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON that the assertions check
type Json = any;

const callback = () => `${app.url}callback`;

/** Sets the liveness execution's configuration (what a realm admin types into the console). */
async function configure(settings: Record<string, string>): Promise<void> {
  await admin.call('PUT', `/${REALM}/authentication/config/${configId}`, {
    id: configId,
    alias: 'ifas-guard',
    config: {
      'ifas.url': ifas.url,
      'ifas.apiKey': sessionsKey,
      'ifas.secret': HOOK_SECRET,
      'ifas.timeoutSeconds': '20',
      'ifas.failOpen': 'false',
      ...settings,
    },
  });
}

/** A fresh browser whose camera plays `video`; the page is at Keycloak's login form, password sent. */
async function signIn(video: string): Promise<{ page: Page; state: string }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
      '--deny-permission-prompts',
    ],
  });
  browsers.push(browser);
  const context = await browser.newContext();
  await context.grantPermissions(['camera'], { origin: ifas.url });
  const page = await context.newPage();
  const state = randomUUID();
  const query = new URLSearchParams({
    client_id: 'demo-app',
    redirect_uri: callback(),
    response_type: 'code',
    scope: 'openid',
    state,
  });
  await page.goto(`${keycloak.url}/realms/${REALM}/protocol/openid-connect/auth?${query}`);
  await page.fill('#username', USERNAME);
  await page.fill('#password', PASSWORD);
  await page.click('#kc-login');
  return { page, state };
}

/** Keycloak's liveness page → ifas-guard's capture page → one photo; the session id it returned with. */
async function faceCheck(page: Page): Promise<string> {
  const returned: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.includes('/login-actions/') && url.searchParams.has('sessionId')) {
      returned.push(url.searchParams.get('sessionId') ?? '');
    }
  });
  await page.click('#ifas-start', { timeout: 30_000 });
  await page.waitForURL(`${ifas.url}/capture/**`);
  await page.getByRole('button', { name: 'Start the camera' }).click();
  await page.getByRole('button', { name: 'Take my photo' }).waitFor();
  await page.waitForFunction(
    "(() => { const v = document.querySelector('ifas-capture')?.shadowRoot?.querySelector('video'); return !!v && v.readyState >= 2 && v.videoWidth > 0; })()",
  );
  await page.keyboard.press('Enter');
  // Back through Keycloak's action URL: on to the app's callback, or Keycloak's error page.
  await page.waitForURL(
    (url) => url.href.startsWith(keycloak.url) || url.href.startsWith(callback()),
    { timeout: 90_000 },
  );
  expect(returned).toHaveLength(1);
  return returned[0] ?? '';
}

/** Where the login ended: the app's callback with a code, or a Keycloak page (its text). */
async function outcome(
  page: Page,
): Promise<{ code: string | null; state: string | null; text: string }> {
  // Evaluated in the page (a string: this file is type-checked without the DOM library).
  await page.waitForFunction(
    '!!document.body && /Back at the app|face check did not pass|could not be done/.test(document.body.innerText)',
    undefined,
    { timeout: 60_000 },
  );
  const url = new URL(page.url());
  if (url.href.startsWith(callback())) {
    return { code: url.searchParams.get('code'), state: url.searchParams.get('state'), text: '' };
  }
  return { code: null, state: null, text: (await page.locator('body').textContent()) ?? '' };
}

/** The code exchanged at Keycloak's token endpoint: whose ID token came out. */
async function tokenSubject(code: string): Promise<string> {
  const res = await fetch(`${keycloak.url}/realms/${REALM}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: 'demo-app',
      redirect_uri: callback(),
    }),
  });
  expect(res.status).toBe(200);
  const { id_token: idToken } = (await res.json()) as { id_token: string };
  return String(decodeJwt(idToken).sub);
}

const session = async (id: string): Promise<Json> =>
  (
    await fetch(`${ifas.url}/v1/sessions/${id}`, {
      headers: { authorization: `Bearer ${readKey}` },
    })
  ).json();

describe.skipIf(!KEYCLOAK_HOME)('Keycloak with the ifas-guard authenticator, end to end', () => {
  beforeAll(async () => {
    const work = await mkdtemp(join(tmpdir(), 'ifas-keycloak-'));
    const photos = await identityPhotos();
    // Three different captures: the replay defence fails a session that shows an earlier one's frames.
    const sources = {
      holder: photos.holderAgain,
      attacker: photos.attacker,
      holderMirrored: await sharp(photos.holderAgain).flop().png().toBuffer(),
    };
    cameras = { holder: '', attacker: '', holderMirrored: '' };
    for (const [name, photo] of Object.entries(sources) as Array<[keyof typeof sources, Buffer]>) {
      const file = join(work, `${name}.png`);
      await writeFile(file, await sharp(photo).png().toBuffer());
      cameras[name] = join(work, `${name}.y4m`);
      await writeFakeCamera(file, cameras[name]);
    }
    app = await startReceiver(async () => ({
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<!doctype html><title>Signed in</title><p>Back at the app.</p>',
    }));
    const [httpPort, managementPort, ifasPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    // Keycloak first (the slow part), ifas-guard while it starts.
    const starting = startKeycloak(
      KEYCLOAK_HOME ?? '',
      { http: httpPort, management: managementPort },
      STARTUP_MS,
    );
    starting.catch(() => undefined);
    await buildCaptureAssets();
    ifas = await startServer(
      serviceConfigFromEnv(
        await testServiceEnv({
          ...IDENTITY_ENV,
          IFAS_PORT: String(ifasPort),
          IFAS_PUBLIC_URL: `http://127.0.0.1:${ifasPort}`,
          IFAS_HOOKS: JSON.stringify({ tenants: { acme: { secrets: [HOOK_SECRET] } } }),
        }),
      ),
      () => undefined,
    );
    await ifas.service.modelLoaded;
    sessionsKey = await keyFor(ifas.service, 'acme', ['sessions:write']);
    readKey = await keyFor(ifas.service, 'acme', ['sessions:read']);
    keycloak = await starting;
    console.log(
      `keycloak: started in ${keycloak.startSeconds.toFixed(1)} s (log ${keycloak.logFile})`,
    );

    admin = keycloakAdmin(keycloak.url);
    await admin.call('POST', '', { realm: REALM, enabled: true });
    userId = await admin.created(`/${REALM}/users`, {
      username: USERNAME,
      email: 'ada@acme.test',
      firstName: 'Ada',
      lastName: 'Holder',
      enabled: true,
      emailVerified: true,
      credentials: [{ type: 'password', value: PASSWORD, temporary: false }],
    });
    await admin.call('POST', `/${REALM}/clients`, {
      clientId: 'demo-app',
      publicClient: true,
      standardFlowEnabled: true,
      directAccessGrantsEnabled: false,
      redirectUris: [callback()],
    });
    await admin.call('POST', `/${REALM}/authentication/flows`, {
      alias: FLOW,
      providerId: 'basic-flow',
      topLevel: true,
      builtIn: false,
      description: 'Username and password, then the ifas-guard liveness session',
    });
    for (const provider of ['auth-username-password-form', 'ifas-liveness']) {
      await admin.call('POST', `/${REALM}/authentication/flows/${FLOW}/executions/execution`, {
        provider,
      });
    }
    const executions = (await (
      await admin.call('GET', `/${REALM}/authentication/flows/${FLOW}/executions`)
    ).json()) as Array<{ id: string; providerId: string; requirement: string }>;
    expect(executions.map((execution) => execution.providerId)).toEqual([
      'auth-username-password-form',
      'ifas-liveness',
    ]);
    for (const execution of executions) {
      await admin.call('PUT', `/${REALM}/authentication/flows/${FLOW}/executions`, {
        ...execution,
        requirement: 'REQUIRED',
      });
    }
    const liveness = executions.find((execution) => execution.providerId === 'ifas-liveness');
    configId = await admin.created(`/${REALM}/authentication/executions/${liveness?.id}/config`, {
      alias: 'ifas-guard',
      config: { 'ifas.url': ifas.url },
    });
    await configure({});
    await admin.call('PUT', `/${REALM}`, { realm: REALM, browserFlow: FLOW });

    // The account holder's reference face, enrolled under the Keycloak user id (the subject the
    // authenticator sends).
    const enroller = await keyFor(ifas.service, 'acme', ['subjects:write']);
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(photos.holder)]), 'enrol.png');
    const enrolled = await fetch(`${ifas.url}/v1/subjects/${userId}/reference`, {
      method: 'PUT',
      body: form,
      headers: { authorization: `Bearer ${enroller}` },
    });
    expect(enrolled.status).toBe(201);
  }, STARTUP_MS + 120_000);

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await keycloak?.stop();
    await ifas?.stop();
    await app?.close();
  });

  it('the account holder: password, capture page, back to Keycloak → the app gets a code for this user', async () => {
    const started = performance.now();
    const { page, state } = await signIn(cameras.holder);
    await page.locator('#ifas-instruction').waitFor({ timeout: 30_000 });
    const sessionId = await faceCheck(page);
    const end = await outcome(page);
    expect(end.state).toBe(state);
    expect(end.code).toBeTruthy();
    expect(await tokenSubject(end.code ?? '')).toBe(userId);
    expect(await session(sessionId)).toMatchObject({
      status: 'consumed',
      decision: 'live',
      match: { matched: true },
    });
    expect(await readFile(keycloak.logFile, 'utf8')).toContain(
      `session ${sessionId}: allow (live)`,
    );
    console.log(
      `keycloak: happy-path login ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 180_000);

  it("the attacker with the holder's password and their own live face → Keycloak's error page, no code", async () => {
    const callbacksBefore = app.received.length;
    const { page } = await signIn(cameras.attacker);
    const sessionId = await faceCheck(page);
    const end = await outcome(page);
    expect(end.code).toBeNull();
    expect(end.text).toContain('The face check did not pass');
    expect(app.received).toHaveLength(callbacksBefore); // the app was never called back
    const judged = await session(sessionId);
    // Judged live but not the holder's face: the redemption refused it (a mismatch is never consumed).
    expect(judged).toMatchObject({ status: 'judged', decision: 'live', match: { matched: false } });
    expect(judged.reasons).toContain('face_mismatch');
    expect(await readFile(keycloak.logFile, 'utf8')).toContain(
      `session ${sessionId}: deny (face_mismatch)`,
    );
  }, 180_000);

  it('fail-open lets an outage through, but never a refusal (401 bad key, 403 missing scope, 401 bad hook signature)', async () => {
    const closed = await freePort();
    await configure({ 'ifas.url': `http://127.0.0.1:${closed}`, 'ifas.failOpen': 'true' });
    const outage = await signIn(cameras.holder);
    const passed = await outcome(outage.page);
    expect(passed.code).toBeTruthy(); // ifas-guard unreachable: the realm chose to let logins through

    const readOnly = await keyFor(ifas.service, 'acme', ['checks:read']);
    for (const apiKey of ['ifas_0000000000000000_wrong', readOnly]) {
      await configure({ 'ifas.apiKey': apiKey, 'ifas.failOpen': 'true' });
      const { page } = await signIn(cameras.holder);
      const end = await outcome(page);
      expect(end.code).toBeNull();
      expect(end.text).toContain('The face check could not be done right now');
    }

    // The holder's own live face, but the redemption's signature is wrong: 401, never success.
    await configure({
      'ifas.secret': `whsec_${Buffer.alloc(32, 22).toString('base64')}`,
      'ifas.failOpen': 'true',
    });
    const { page } = await signIn(cameras.holderMirrored);
    const sessionId = await faceCheck(page);
    const end = await outcome(page);
    expect(end.code).toBeNull();
    expect(end.text).toContain('The face check could not be done right now');
    expect(await session(sessionId)).toMatchObject({
      status: 'judged', // not redeemed: the hook refused the unsigned request
      decision: 'live',
      match: { matched: true },
    });
    // Keycloak's log: the bad key and the bad signature (401), the missing scope (403).
    const refusals = (await readFile(keycloak.logFile, 'utf8')).match(
      /refused the request with HTTP \d+/g,
    );
    expect(refusals?.map((line) => line.slice(-3))).toEqual(['401', '403', '401']);
    await configure({});
  }, 180_000);
});
