/**
 * The capture page in a real browser: Debian's Chromium driven by playwright-core, its camera a fake
 * device playing a video made from samples/ at test time. Screenshots of each state go to a temporary
 * folder, or to docs/images/ with IFAS_UPDATE_SCREENSHOTS=1 (the README shows those).
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/start-server.js';
import { buildCaptureAssets } from '../../src/capture/build-capture-assets.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';
import { openSqlDialect, type SqlDialect } from '../../src/store/sql-dialect.js';
import { cspViolations, launchChromium, screenshotDir } from '../support/browser.js';
import { writeFakeCamera } from '../support/fake-camera.js';
import { SAMPLE_PORTRAIT } from '../support/fixtures.js';
import { keyFor, testServiceEnv } from '../support/service.js';

const PHONE = { width: 390, height: 760 };

let server: RunningServer;
let browser: Browser;
let db: SqlDialect;
let key: string;
let shots: string;
let receiver: Server;
let crowdVideo: string;
let mirroredVideo: string;
let returnBase: string;
const returned: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON that the assertions check
type Json = any;

async function api(path: string, init: RequestInit = {}): Promise<Json> {
  const res = await fetch(`${server.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });
  return res.json();
}

async function createSession(body: Record<string, unknown> = {}): Promise<Json> {
  return api('/v1/sessions', {
    method: 'POST',
    body: JSON.stringify({ subject: 'ada@acme.test', purpose: 'login', ...body }),
  });
}

/** The capture URL as a browser would open it (the server listens on a port chosen at start). */
function pageUrl(created: Json): string {
  const url = new URL(created.captureUrl);
  return `${server.url}${url.pathname}${url.hash}`;
}

async function openPage(camera: boolean): Promise<Page> {
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1 });
  if (camera) await context.grantPermissions(['camera'], { origin: server.url });
  return context.newPage();
}

const outcomeOf = (page: Page) =>
  page
    .waitForSelector('ifas-capture[data-outcome]', { timeout: 20_000 })
    .then(async (element) => element.getAttribute('data-outcome'));

const resultText = (page: Page) =>
  page
    .locator('ifas-capture')
    .evaluate((element) => element.shadowRoot?.querySelector('.result')?.textContent);

async function takePhoto(page: Page, shot?: string): Promise<void> {
  await page.getByRole('button', { name: 'Start the camera' }).click();
  const take = page.getByRole('button', { name: 'Take my photo' });
  await take.waitFor();
  // Evaluated in the page (a string: this file is type-checked without the DOM library).
  await page.waitForFunction(
    "(() => { const v = document.querySelector('ifas-capture')?.shadowRoot?.querySelector('video'); return !!v && v.readyState >= 2 && v.videoWidth > 0; })()",
  );
  if (shot) await page.screenshot({ path: join(shots, shot) });
  // The keyboard works as well as a pointer: the button has focus after the camera starts.
  await page.keyboard.press('Enter');
}

beforeAll(async () => {
  await buildCaptureAssets();
  const work = await mkdtemp(join(tmpdir(), 'ifas-capture-'));
  shots = await screenshotDir(work);
  const video = join(work, 'camera.y4m');
  await writeFakeCamera(SAMPLE_PORTRAIT, video);
  receiver = createServer((req, res) => {
    returned.push({ url: req.url ?? '', headers: req.headers });
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>Back at the app</title><p>Back at the app.</p>');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  returnBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const dataDir = join(work, 'data');
  server = await startServer(
    // Face detection on: the page's live hints come from the server's preview (face detector only).
    serviceConfigFromEnv(
      await testServiceEnv({
        IFAS_PORT: '0',
        IFAS_DATA_DIR: dataDir,
        IFAS_DETECT_FACES: 'true',
        // Reference faces on, for the enrol session's test.
        IFAS_REFERENCE_KEY: randomBytes(32).toString('base64'),
      }),
    ),
    () => undefined,
  );
  await server.service.modelLoaded;
  key = await keyFor(server.service, 'acme', ['sessions:write', 'sessions:read']);
  db = await openSqlDialect({ kind: 'sqlite', path: join(dataDir, 'audit.sqlite') });
  browser = await launchWithCamera(video);
  // A second camera with two people in front of it: the sample portrait beside its mirror image
  // (public domain, like every photo the screenshots show).
  const pair = join(work, 'pair.png');
  const half = await sharp(SAMPLE_PORTRAIT).resize(320, 480, { fit: 'cover' }).toBuffer();
  await sharp({ create: { width: 640, height: 480, channels: 3, background: '#282c34' } })
    .composite([
      { input: half, left: 0, top: 0 },
      { input: await sharp(half).flop().toBuffer(), left: 320, top: 0 },
    ])
    .png()
    .toFile(pair);
  crowdVideo = join(work, 'crowd.y4m');
  await writeFakeCamera(pair, crowdVideo);
  // A third camera, the portrait mirrored: a capture no earlier session has seen.
  const mirrored = join(work, 'mirrored.png');
  await sharp(SAMPLE_PORTRAIT).flop().toFile(mirrored);
  mirroredVideo = join(work, 'mirrored.y4m');
  await writeFakeCamera(mirrored, mirroredVideo);
}, 120_000);

/** Chromium whose fake camera plays `video` (one file per browser). */
function launchWithCamera(video: string): Promise<Browser> {
  return launchChromium([
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
    '--deny-permission-prompts',
  ]);
}

afterAll(async () => {
  await browser?.close();
  await db?.close();
  await server?.stop();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

describe('the capture page in Chromium with a fake camera', () => {
  it('passes a live sample end to end, then returns to the app with the session id and no token', async () => {
    const created = await createSession({ returnUrl: `${returnBase}/login/done` });
    const page = await openPage(true);
    const csp = cspViolations(page);
    const started = performance.now();
    await page.goto(pageUrl(created));
    // The token leaves the address bar at once (history, bookmarks, any later Referer).
    expect(page.url()).not.toContain('token=');
    await takePhoto(page, 'capture-ready.png');
    expect(await outcomeOf(page)).toBe('passed');
    console.log(
      `capture page: camera start to decision ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(await resultText(page)).toMatch(/verified/);
    await page.screenshot({ path: join(shots, 'capture-passed.png') });
    await page.waitForURL(`${returnBase}/login/done?sessionId=${created.id}`, { timeout: 10_000 });
    const back = returned.find((entry) => entry.url.startsWith('/login/done'));
    expect(back?.url).toBe(`/login/done?sessionId=${created.id}`);
    expect(back?.headers.referer).toBeUndefined();
    expect(csp).toEqual([]);

    const session = await api(`/v1/sessions/${created.id}`);
    expect(session).toMatchObject({ status: 'judged', decision: 'live', attempts: 1 });
    expect(session.checkIds).toHaveLength(3);
    expect(session.rationale).toMatch(/^Live\. 3 frame\(s\): 3 live\./);
    await page.context().close();
  });

  it('shows an expired session as expired without starting the camera', async () => {
    const created = await createSession();
    await db.run('UPDATE liveness_sessions SET expires_at = ? WHERE id = ?', [
      new Date(Date.now() - 1000).toISOString(),
      created.id,
    ]);
    const page = await openPage(true);
    await page.goto(pageUrl(created));
    expect(await outcomeOf(page)).toBe('expired');
    expect(await resultText(page)).toMatch(/expired/);
    await page.screenshot({ path: join(shots, 'capture-expired.png') });
    await page.context().close();
  });

  it('explains a denied camera permission', async () => {
    const created = await createSession();
    const page = await openPage(false);
    await page.goto(pageUrl(created));
    await page.getByRole('button', { name: 'Start the camera' }).click();
    expect(await outcomeOf(page)).toBe('denied');
    expect(await resultText(page)).toMatch(/Camera access was denied/);
    await page.screenshot({ path: join(shots, 'capture-denied.png') });
    expect((await api(`/v1/sessions/${created.id}`)).attempts).toBe(0);
    await page.context().close();
  });

  it('fails a camera that replays what an earlier session already captured', async () => {
    // The fake camera loops the same video: its frames copy the first test's capture.
    const created = await createSession();
    const page = await openPage(true);
    await page.goto(pageUrl(created));
    await takePhoto(page);
    expect(await outcomeOf(page)).toBe('failed');
    expect(await resultText(page)).toMatch(/could not confirm/);
    await page.screenshot({ path: join(shots, 'capture-failed.png') });
    const session = await api(`/v1/sessions/${created.id}`);
    expect(session).toMatchObject({ status: 'judged', decision: 'spoof' });
    expect(session.reasons).toContain('replayed_capture');
    await page.context().close();
  });

  it('shows a live hint from the server preview before any attempt (one face only), spending nothing', async () => {
    const crowd = await launchWithCamera(crowdVideo);
    try {
      const created = await createSession();
      const context = await crowd.newContext({ viewport: PHONE, deviceScaleFactor: 1 });
      await context.grantPermissions(['camera'], { origin: server.url });
      const page = await context.newPage();
      await page.goto(pageUrl(created));
      await page.getByRole('button', { name: 'Start the camera' }).click();
      // The ARIA live region (role=status) says it, from a preview of the camera about every 0.7 s.
      const hint = page.locator('ifas-capture').getByRole('status');
      await expect
        .poll(async () => hint.textContent(), { timeout: 15_000, interval: 250 })
        .toBe('One face only, please.');
      expect(await hint.getAttribute('aria-live')).toBe('polite');
      await page.screenshot({ path: join(shots, 'capture-hint.png') });
      // Previews spend no attempt and judge nothing.
      expect(await api(`/v1/sessions/${created.id}`)).toMatchObject({
        status: 'created',
        attempts: 0,
        checkIds: [],
      });
      await context.close();
    } finally {
      await crowd.close();
    }
  });

  it('enrols the reference face from an enrol session completed on the page', async () => {
    const camera = await launchWithCamera(mirroredVideo);
    try {
      const created = await createSession({ subject: 'grace@acme.test', purpose: 'enrol' });
      const context = await camera.newContext({ viewport: PHONE, deviceScaleFactor: 1 });
      await context.grantPermissions(['camera'], { origin: server.url });
      const page = await context.newPage();
      await page.goto(pageUrl(created));
      await takePhoto(page);
      expect(await outcomeOf(page)).toBe('passed');
      const session = await api(`/v1/sessions/${created.id}`);
      expect(session).toMatchObject({
        purpose: 'enrol',
        decision: 'live',
        enrolment: { status: 'enrolled', reason: null },
      });
      expect(session.checkIds).toContain(session.enrolment.checkId);
      // Now the subject has a reference: another enrol session without replaceReference is refused.
      expect(await createSession({ subject: 'grace@acme.test', purpose: 'enrol' })).toMatchObject({
        code: 'REFERENCE_REJECTED',
        details: { reason: 'reference_exists' },
      });
      await context.close();
    } finally {
      await camera.close();
    }
  });
});
