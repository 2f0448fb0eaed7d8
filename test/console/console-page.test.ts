/**
 * The operator console in a real browser (Debian's Chromium driven by playwright-core) against the
 * real server with the shipped ifas-lite0 model: signing in with a key, searching the audit log,
 * a record with its rationale, a refused key, chain verification before and after tampering, a dead
 * letter retried, API keys without secrets, and signing out. Screenshots of each state go to a
 * temporary folder, or to docs/images/ with IFAS_UPDATE_SCREENSHOTS=1 (docs/console.md shows them).
 */

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/start-server.js';
import { parseApiKey, revokeApiKey } from '../../src/auth/api-keys.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';
import { buildConsoleAssets } from '../../src/console/build-console-assets.js';
import { projectRoot } from '../../src/project-root.js';
import { cspViolations, launchChromium, screenshotDir } from '../support/browser.js';
import { FIXTURES } from '../support/fixtures.js';
import { type Receiver, startReceiver, waitFor } from '../support/receivers.js';
import { keyFor, recordCheck, testServiceEnv } from '../support/service.js';
import { tamperSqlite } from '../support/tamper.js';

const DESKTOP = { width: 1180, height: 820 };
const PHONE = { width: 390, height: 760 };
const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
const CREDENTIAL_LABEL = 'API key or identity-provider token (JWT)';
const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'ifas-guard';

let server: RunningServer;
let browser: Browser;
let receiver: Receiver;
let receiverUp = false;
let dataDir: string;
let shots: string;
let operator: string; // acme: audit:read, flags:write, keys:read
let checksOnly: string; // acme: checks:write
const ids: Record<string, string> = {};
let idpKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** A token as the identity provider would issue it to an operator. */
function idpToken(scope: string): Promise<string> {
  return new SignJWT({ tenant: 'acme', scope })
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('operator@acme.test')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(idpKey);
}

const image = (name: string) => readFile(join(FIXTURES, 'images', name));

async function openConsole(viewport = DESKTOP): Promise<{ page: Page; csp: string[] }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const csp = cspViolations(page);
  await page.goto(`${server.url}/console`);
  return { page, csp };
}

/** Signs in from the keyboard: the credential into the labelled field, then Enter. */
async function signIn(page: Page, credential: string): Promise<void> {
  const field = page.getByLabel(CREDENTIAL_LABEL);
  await field.fill(credential);
  await field.press('Enter');
}

async function signedIn(credential = operator, viewport = DESKTOP) {
  const opened = await openConsole(viewport);
  await signIn(opened.page, credential);
  await opened.page.getByText('Signed in to tenant acme').waitFor();
  await opened.page.getByRole('table').waitFor();
  return opened;
}

const focusedId = (page: Page) => page.evaluate('document.activeElement?.id');

const rowsOf = (page: Page) => page.locator('#records-results tbody tr');

beforeAll(async () => {
  await buildConsoleAssets();
  const work = await mkdtemp(join(tmpdir(), 'ifas-console-'));
  shots = await screenshotDir(work);
  dataDir = join(work, 'data');
  const pair = await generateKeyPair('ES256', { extractable: true });
  idpKey = pair.privateKey;
  const jwksFile = join(work, 'jwks.json');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  await writeFile(jwksFile, JSON.stringify({ keys: [jwk] }));
  receiver = await startReceiver(async () => ({ status: receiverUp ? 204 : 503 }));
  server = await startServer(
    serviceConfigFromEnv(
      await testServiceEnv({
        IFAS_PORT: '0',
        IFAS_DATA_DIR: dataDir,
        // The shipped model on face crops: real decisions and rationales in the records.
        IFAS_MODEL_DIR: join(projectRoot(), 'models', 'ifas-lite0'),
        IFAS_MAX_NEW_TOKENS: '48',
        IFAS_OUTBOX_POLL_MS: '100',
        IFAS_JWT_JWKS_FILE: jwksFile,
        IFAS_JWT_ISSUER: ISSUER,
        IFAS_JWT_AUDIENCE: AUDIENCE,
        IFAS_JWT_ALGORITHMS: 'ES256',
        // A signed head checkpoint (anchored to a local file) once acme's five records are in.
        IFAS_CHECKPOINT_EVERY_RECORDS: '5',
        IFAS_FLAGS: JSON.stringify({
          webhooks: [{ name: 'siem', url: receiver.url, secret: WEBHOOK_SECRET }],
          backoff: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 },
        }),
      }),
    ),
    () => undefined,
  );
  await server.service.modelLoaded;
  const service = server.service;
  operator = await keyFor(service, 'acme', ['audit:read', 'flags:write', 'keys:read']);
  checksOnly = await keyFor(service, 'acme', ['checks:write']);
  const live = await image('hopper-live-capture.png');
  const printed = await image('hopper-print-attack.png');
  const replayed = await image('hopper-replay-attack.png');
  const record = (tenant: string, subject: string, bytes: Buffer) =>
    recordCheck(service, { tenant, subject, image: bytes });
  ids.malloryPrint = await record('acme', 'mallory@acme.test', printed);
  ids.malloryLive = await record('acme', 'mallory@acme.test', live);
  ids.adaLive = await record('acme', 'ada@acme.test', live);
  ids.malloryReplay = await record('acme', 'mallory@acme.test', replayed);
  ids.adaReplay = await record('acme', 'ada@acme.test', replayed);
  ids.otherTenant = await record('globex', 'mallory@acme.test', replayed);
  // Three spoofs in acme, each flagged to a receiver that answers 503: three dead letters.
  const dead = () => service.store.listOutbox({ tenant: 'acme', status: 'dead', limit: 10 });
  for (let i = 0; i < 100 && (await dead()).length < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await receiver?.close();
});

describe('the operator console in Chromium', () => {
  it('is served under a strict CSP, and signs in with a key kept out of the URL and the page', async () => {
    const response = await fetch(`${server.url}/console`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(await response.text()).not.toMatch(/<script>|<style>| on[a-z]+="/);

    const { page, csp: violations } = await openConsole();
    await page.screenshot({ path: join(shots, 'console-sign-in.png') });
    await signIn(page, operator);
    await page.getByText('Signed in to tenant acme').waitFor();
    await expect.poll(() => rowsOf(page).count()).toBe(5);
    // Newest first.
    expect(await rowsOf(page).first().getByRole('button').textContent()).toBe(ids.adaReplay);
    expect(page.url()).toBe(`${server.url}/console`);
    expect(await page.content()).not.toContain(operator);
    expect(await page.getByLabel(CREDENTIAL_LABEL).inputValue()).toBe('');
    await page.screenshot({ path: join(shots, 'console-records.png'), fullPage: true });
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it('pages newest first through the API it uses (order=desc, cursor before the last seq)', async () => {
    const page = async (query: string) => {
      const res = await fetch(`${server.url}/v1/audit?order=desc&limit=2${query}`, {
        headers: { authorization: `Bearer ${operator}` },
      });
      const body = (await res.json()) as { records: Array<{ seq: number }>; nextCursor: string };
      return [body.records.map((r) => r.seq), body.nextCursor];
    };
    expect(await page('')).toEqual([[5, 4], '4']);
    expect(await page('&cursor=4')).toEqual([[3, 2], '2']);
    expect(await page('&cursor=2')).toEqual([[1], null]);
  });

  it('finds the right records by decision and subject, and by check id', async () => {
    const { page } = await signedIn();
    await page.getByLabel('Subject').fill('mallory@acme.test');
    await page.getByLabel('Decision').selectOption('spoof');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('status').filter({ hasText: '2 records found' }).waitFor();
    const found = await page.locator('#records-results tbody button').allTextContents();
    expect(found.sort()).toEqual([ids.malloryPrint, ids.malloryReplay].sort());

    await page.getByLabel('Subject').fill('');
    await page.getByLabel('Decision').selectOption('live');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('status').filter({ hasText: '2 records found' }).waitFor();
    const live = await page.locator('#records-results tbody button').allTextContents();
    expect(live.sort()).toEqual([ids.malloryLive, ids.adaLive].sort());

    await page.getByLabel('Decision').selectOption('');
    await page.getByLabel('Check id').fill(ids.otherTenant as string);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No record matches.').waitFor(); // another tenant's check
    await page.context().close();
  });

  it('opens a record with its rationale, model and attack medium, and never an image', async () => {
    const { page } = await signedIn();
    await page.getByLabel('Check id').fill(ids.malloryReplay as string);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('status').filter({ hasText: '1 record found' }).waitFor();
    await page.getByRole('button', { name: `Open record ${ids.malloryReplay}` }).click();
    await page.getByRole('heading', { name: `Record ${ids.malloryReplay}` }).waitFor();
    // The view's heading takes the focus, so a screen reader starts there.
    expect(await focusedId(page)).toBe('record-title');
    const stored = await server.service.store.findCheck('acme', ids.malloryReplay as string);
    const rationale = stored?.record.rationale as string;
    expect(rationale.length).toBeGreaterThan(10);
    const body = page.locator('#record-body');
    await expect.poll(() => body.locator('q.rationale').textContent()).toBe(rationale);
    const text = (await body.textContent()) ?? '';
    expect(text).toContain('spoof');
    expect(text).toContain(`Attack medium${stored?.record.attackMedium}`);
    expect(text).toContain(`Model${stored?.record.model.name} ${stored?.record.model.version}`);
    expect(await page.locator('img, canvas, video').count()).toBe(0);
    await page.screenshot({ path: join(shots, 'console-record.png'), fullPage: true });
    await page.context().close();
  });

  it('refuses a key without audit:read, and an unknown key, with a clear message', async () => {
    const { page } = await openConsole();
    await signIn(page, checksOnly);
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'lacks the audit:read scope' }).waitFor();
    expect(await alert.textContent()).toBe(
      'This credential lacks the audit:read scope. The console needs a credential with audit:read.',
    );
    expect(await page.locator('#workspace').isHidden()).toBe(true);
    await page.screenshot({ path: join(shots, 'console-refused.png') });
    await signIn(page, `${checksOnly.slice(0, -4)}AAAA`);
    await alert.filter({ hasText: 'not accepted' }).waitFor();
    await page.context().close();
  });

  it('signs in with an IdP token carrying audit:read, and refuses one without it', async () => {
    const { page } = await openConsole();
    await signIn(page, await idpToken('checks:read'));
    await page
      .getByRole('alert')
      .filter({ hasText: 'This credential lacks the audit:read scope' })
      .waitFor();
    await signIn(page, await idpToken('audit:read'));
    await page.getByText('Signed in to tenant acme').waitFor();
    await expect.poll(() => rowsOf(page).count()).toBe(5);
    await page.context().close();
  });

  it('lists the dead letters and retries one until its receiver has it', async () => {
    const { page } = await signedIn();
    await page.getByRole('button', { name: 'Flags' }).click();
    const retry = page.getByRole('button', { name: /^Retry the webhook flag of/ });
    await expect.poll(() => retry.count()).toBe(3);
    await page.screenshot({ path: join(shots, 'console-flags.png'), fullPage: true });
    const attempts = receiver.received.length;
    receiverUp = true;
    await page
      .getByRole('button', { name: `Retry the webhook flag of ${ids.malloryPrint} to siem` })
      .click();
    await page.getByRole('status').filter({ hasText: 'queued for delivery again' }).waitFor();
    await waitFor(() => receiver.received.length === attempts + 1);
    await page.getByLabel('Status').selectOption('delivered');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('status').filter({ hasText: '1 flag listed' }).waitFor();
    expect(await page.locator('#flags-results tbody').textContent()).toContain(ids.malloryPrint);
    await page.context().close();
  });

  it('lists the API keys without their secrets', async () => {
    const { page } = await signedIn();
    await page.getByRole('button', { name: 'API keys' }).click();
    await page.getByRole('status').filter({ hasText: '2 API keys listed' }).waitFor();
    const text = (await page.locator('#keys-results').textContent()) ?? '';
    for (const key of [operator, checksOnly]) {
      const parsed = parseApiKey(key);
      if (!parsed) throw new Error('keyFor returned an unparsable key');
      const { id, secret } = parsed;
      expect(text).toContain(id);
      expect(text).not.toContain(secret);
    }
    await page.screenshot({ path: join(shots, 'console-keys.png'), fullPage: true });
    await page.context().close();
  });

  it('signs out when the key is revoked mid-session, at its next call', async () => {
    const shortLived = await keyFor(server.service, 'acme', ['audit:read']);
    const { page } = await signedIn(shortLived);
    await revokeApiKey(server.service.store, shortLived.split('_')[1] as string);
    await page.getByRole('button', { name: 'Chain' }).click();
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/Sign in again\.$/);
    expect(await page.locator('#workspace').isHidden()).toBe(true);
    expect(await page.getByLabel(CREDENTIAL_LABEL).isVisible()).toBe(true);
    await page.context().close();
  });

  it('works on a phone-sized screen, and signing out forgets the credential', async () => {
    const { page, csp } = await signedIn(operator, PHONE);
    // Evaluated in the page (strings: this file is type-checked without the DOM library).
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(shots, 'console-phone.png'), fullPage: true });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('status').filter({ hasText: 'Signed out' }).waitFor();
    expect(await page.locator('#workspace').isHidden()).toBe(true);
    expect(await page.locator('#records-results').textContent()).toBe('');
    expect(await page.evaluate('[sessionStorage.length, localStorage.length]')).toEqual([0, 0]);
    // The focus is back on the credential field, empty.
    expect(await focusedId(page)).toBe('credential');
    expect(csp).toEqual([]);
    await page.context().close();
  });
  it('verifies the chain, then shows the break after a record is edited behind its back', async () => {
    const { page } = await signedIn();
    // Keyboard: focus the section's button and press Enter.
    await page.getByRole('button', { name: 'Chain' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-verdict="ok"]').waitFor();
    expect(await page.locator('#verdict').textContent()).toContain(
      'Chain verified. 5 records checked',
    );
    await page.getByRole('table', { name: 'Newest signed checkpoints' }).waitFor();
    await page.screenshot({ path: join(shots, 'console-chain-ok.png'), fullPage: true });

    // An attacker with write access to the database turns a spoof into a live decision.
    await tamperSqlite(
      join(dataDir, 'audit.sqlite'),
      `UPDATE audit_records SET decision = 'live',
         body = replace(body, '"decision":"spoof"', '"decision":"live"')
       WHERE tenant = 'acme' AND check_id = '${ids.adaReplay}'`,
    );
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await page.locator('[data-verdict="broken"]').waitFor();
    const seq = (await server.service.store.findCheck('acme', ids.adaReplay as string))?.seq;
    expect(await page.locator('#verdict').textContent()).toContain(`Record #${seq}`);
    await page.screenshot({ path: join(shots, 'console-chain-broken.png'), fullPage: true });
    await page.context().close();
  });
});
