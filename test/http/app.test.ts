import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService, type Service } from '../../src/app/build-service.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';
import { FACE_32, FIXTURES } from '../support/fixtures.js';
import { keyFor, startTestService, testServiceEnv } from '../support/service.js';
import { tamperSqlite } from '../support/tamper.js';

const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'ifas-guard';

let image: Buffer;
let jwks: Server;
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let service: Service;
let writer: string; // acme: checks:write + checks:read
let auditor: string; // acme: audit:read
let otherTenant: string; // globex: everything

async function jwt(
  claims: Record<string, unknown>,
  options: { exp?: string | number; aud?: string } = {},
): Promise<string> {
  return new SignJWT({ tenant: 'acme', scope: 'checks:write checks:read audit:read', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setSubject('user-svc')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(signingKey);
}

function post(body: FormData | string, headers: Record<string, string>): Promise<Response> {
  return Promise.resolve(service.app.request('/v1/checks', { method: 'POST', body, headers }));
}

function form(fields: Record<string, string | Blob>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  return data;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON that the assertions check
type Json = any;
const json = (res: Response | undefined): Promise<Json> =>
  (res as Response).json() as Promise<Json>;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  image = await readFile(FACE_32);
  const pair = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const { port } = jwks.address() as AddressInfo;
  service = await startTestService({
    IFAS_JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
    IFAS_JWT_ISSUER: ISSUER,
    IFAS_JWT_AUDIENCE: AUDIENCE,
    IFAS_JWT_ALGORITHMS: 'ES256',
    IFAS_JWT_CLOCK_TOLERANCE_S: '5',
    IFAS_SUBJECT_POLICY: 'keyed-hash',
  });
  writer = await keyFor(service, 'acme', ['checks:write', 'checks:read']);
  auditor = await keyFor(service, 'acme', ['audit:read']);
  otherTenant = await keyFor(service, 'globex', ['checks:write', 'checks:read', 'audit:read']);
});

afterAll(async () => {
  await service.close();
  await new Promise<void>((resolve) => jwks.close(() => resolve()));
});

describe('POST /v1/checks', () => {
  it('judges a multipart image, records it, and reads it back by id', async () => {
    const res = await post(
      form({ image: new Blob([image]), subject: 'alice', explain: 'always' }),
      bearer(writer),
    );
    expect(res.status).toBe(201);
    const check = await json(res);
    expect(check).toMatchObject({
      decision: expect.stringMatching(/^(live|spoof)$/),
      liveness: expect.any(Number),
      threshold: expect.any(Number),
      rationale: expect.any(String),
      rationaleSource: 'model',
      model: { name: 'ifas-tiny' },
      audit: { seq: expect.any(Number) },
    });
    expect(check.subject).toMatch(/^[0-9a-f]{64}$/); // keyed hash, not "alice"
    expect(res.headers.get('location')).toBe(`/v1/checks/${check.id}`);
    const again = await service.app.request(`/v1/checks/${check.id}`, { headers: bearer(writer) });
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({
      id: check.id,
      decision: check.decision,
      rationale: check.rationale,
    });
  });

  it('takes JSON with a base64 image; explain=never gives no rationale', async () => {
    const res = await post(JSON.stringify({ image: image.toString('base64'), explain: 'never' }), {
      ...bearer(writer),
      'content-type': 'application/json',
    });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ rationale: null, rationaleSource: null });
  });

  it('explain=auto explains spoof decisions only', async () => {
    const res = await post(form({ image: new Blob([image]) }), bearer(writer));
    const check = await json(res);
    expect(check.rationale === null).toBe(check.decision === 'live');
  });

  it('returns the same decision for a retried client request id, and refuses it for another image', async () => {
    const send = (bytes: Buffer, id: string, via: 'field' | 'header') =>
      post(
        form({ image: new Blob([bytes]), ...(via === 'field' ? { clientRequestId: id } : {}) }),
        {
          ...bearer(writer),
          ...(via === 'header' ? { 'idempotency-key': id } : {}),
        },
      );
    const [first, concurrent] = await Promise.all([
      send(image, 'retry-42', 'field'),
      send(image, 'retry-42', 'header'),
    ]);
    const a = await json(first);
    const b = await json(concurrent);
    expect(b.id).toBe(a.id);
    expect([first.status, concurrent.status].sort()).toEqual([200, 201]);
    const later = await send(image, 'retry-42', 'field');
    expect(later.status).toBe(200);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect((await json(later)).id).toBe(a.id);
    const other = await readFile(`${FIXTURES}/images/hopper-256.png`);
    const conflict = await send(other, 'retry-42', 'field');
    expect(conflict.status).toBe(409);
    expect(await json(conflict)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const log = await service.store.query({ tenant: 'acme', limit: 500 });
    expect(log.filter((r) => r.record.request.clientRequestId === 'retry-42')).toHaveLength(1);
  });

  it('streams the rationale as Server-Sent Events, ending with the recorded check', async () => {
    const res = await post(form({ image: new Blob([image]), explain: 'always' }), {
      ...bearer(writer),
      accept: 'text/event-stream',
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null'),
      }));
    expect(events[0]).toMatchObject({
      event: 'judged',
      data: { recorded: false, explaining: true },
    });
    const last = events[events.length - 1];
    expect(last?.event).toBe('check');
    const streamed = events
      .filter((e) => e.event === 'rationale')
      .map((e) => e.data.text)
      .join('');
    expect(last?.data.rationale.endsWith(streamed.trim())).toBe(true);
    const stored = await service.store.findCheck('acme', last?.data.id);
    expect(stored?.record.rationale).toBe(last?.data.rationale);
  });

  it.each([
    [
      'not an image',
      () => form({ image: new Blob([Buffer.from('hello, not a picture')]) }),
      {},
      422,
      'INPUT_NOT_AN_IMAGE',
    ],
    ['an empty file', () => form({ image: new Blob([]) }), {}, 422, 'INPUT_EMPTY'],
    ['no image field', () => form({ subject: 'x' }), {}, 422, 'INPUT_INVALID'],
    [
      'a bad explain value',
      () => form({ image: new Blob([image]), explain: 'sometimes' }),
      {},
      422,
      'INPUT_INVALID',
    ],
    [
      'broken JSON',
      () => '{"image": ',
      { 'content-type': 'application/json' },
      400,
      'INPUT_MALFORMED',
    ],
    [
      'JSON without base64',
      () => JSON.stringify({ image: '***' }),
      { 'content-type': 'application/json' },
      422,
      'INPUT_INVALID',
    ],
    [
      'a text/plain body',
      () => 'hello',
      { 'content-type': 'text/plain' },
      415,
      'INPUT_MEDIA_TYPE_UNSUPPORTED',
    ],
  ])('answers problem+json for %s', async (_case, body, headers, status, code) => {
    const res = await post(body(), { ...bearer(writer), ...headers });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await json(res)).toMatchObject({
      code,
      status,
      type: expect.stringContaining(code.toLowerCase()),
    });
  });

  it('answers 413 for a body over the limit without reading it all', async () => {
    const small = await startTestService({
      IFAS_MAX_BODY_BYTES: '4096',
      IFAS_MAX_IMAGE_BYTES: '2048',
    });
    const key = await keyFor(small, 'acme', ['checks:write']);
    const big = await small.app.request('/v1/checks', {
      method: 'POST',
      body: form({ image: new Blob([Buffer.alloc(10_000)]) }),
      headers: bearer(key),
    });
    expect(big.status).toBe(413);
    expect(await json(big)).toMatchObject({ code: 'INPUT_TOO_LARGE' });
    const bigImage = await small.app.request('/v1/checks', {
      method: 'POST',
      body: JSON.stringify({ image: Buffer.alloc(3000).toString('base64') }),
      headers: { ...bearer(key), 'content-type': 'application/json' },
    });
    expect(bigImage.status).toBe(413);
    await small.close();
  });
});

describe('authentication hook', () => {
  const checkRead = (headers: Record<string, string>) =>
    service.app.request('/v1/audit', { headers });

  it.each([
    ['no credential', {}, 401, 'AUTH_MISSING', /^Bearer realm="ifas-guard"$/],
    [
      'a malformed header',
      { authorization: 'Basic abc' },
      401,
      'AUTH_INVALID',
      /error="invalid_token"/,
    ],
    [
      'an unknown key',
      { authorization: `Bearer ifas_0000000000000000_${'A'.repeat(43)}` },
      401,
      'AUTH_INVALID',
      /invalid_token/,
    ],
    [
      'a key of the wrong scope',
      'writer',
      403,
      'AUTH_FORBIDDEN',
      /error="insufficient_scope", scope="audit:read"/,
    ],
  ])('refuses %s', async (_case, headers, status, code, challenge) => {
    const res = await checkRead(
      headers === 'writer' ? bearer(writer) : (headers as Record<string, string>),
    );
    expect(res.status).toBe(status);
    expect(res.headers.get('www-authenticate')).toMatch(challenge);
    expect(await json(res)).toMatchObject({ code });
  });

  it('accepts X-API-Key as well as Bearer', async () => {
    expect((await checkRead({ 'x-api-key': auditor })).status).toBe(200);
    expect((await checkRead(bearer(auditor))).status).toBe(200);
  });

  it('accepts a valid JWT and refuses expired, wrong-audience, wrong-issuer and unsigned ones', async () => {
    expect((await checkRead(bearer(await jwt({})))).status).toBe(200);
    const now = Math.floor(Date.now() / 1000);
    const refused = [
      await jwt({}, { exp: now - 60 }),
      await jwt({}, { aud: 'someone-else' }),
      await new SignJWT({ tenant: 'acme', scope: 'audit:read' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('https://evil.example')
        .setAudience(AUDIENCE)
        .setSubject('x')
        .setExpirationTime('5m')
        .sign(signingKey),
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'x', tenant: 'acme', exp: now + 60 })).toString('base64url')}.`,
    ];
    for (const token of refused) {
      const res = await checkRead(bearer(token));
      expect(res.status).toBe(401);
      expect(await json(res)).toMatchObject({ code: 'AUTH_INVALID' });
    }
    // Within the configured clock skew an expired token still passes.
    expect((await checkRead(bearer(await jwt({}, { exp: now - 2 })))).status).toBe(200);
    // A JWT without the audit:read scope is forbidden, not unauthenticated.
    expect((await checkRead(bearer(await jwt({ scope: 'checks:write' })))).status).toBe(403);
  });

  it("never shows one tenant another tenant's checks or audit records", async () => {
    const res = await post(form({ image: new Blob([image]) }), bearer(writer));
    const { id } = await json(res);
    const crossRead = await service.app.request(`/v1/checks/${id}`, {
      headers: bearer(otherTenant),
    });
    expect(crossRead.status).toBe(404);
    const theirs = await json(
      await service.app.request('/v1/audit?limit=500', { headers: bearer(otherTenant) }),
    );
    expect(
      theirs.records.every((r: { record: { tenant: string } }) => r.record.tenant === 'globex'),
    ).toBe(true);
    const jwtOther = await jwt({ tenant: 'globex' });
    expect(
      (await service.app.request(`/v1/checks/${id}`, { headers: bearer(jwtOther) })).status,
    ).toBe(404);
  });

  it('stops honouring a revoked key and a rotated key after its grace period', async () => {
    const { rotateApiKey, revokeApiKey } = await import('../../src/auth/api-keys.js');
    const key = await keyFor(service, 'acme', ['audit:read']);
    const id = key.split('_')[1] ?? '';
    const successor = await rotateApiKey(service.store, id, 0);
    expect((await checkRead(bearer(key))).status).toBe(401);
    expect((await checkRead(bearer(successor.key))).status).toBe(200);
    await revokeApiKey(service.store, successor.row.id);
    expect((await checkRead(bearer(successor.key))).status).toBe(401);
  });
});

describe('opt-in encrypted image retention', () => {
  it('keeps no image by default', async () => {
    const res = await post(form({ image: new Blob([image]) }), bearer(writer));
    const check = await json(res);
    expect(check.imageRetainedUntil).toBeNull();
    const all = await keyFor(service, 'acme', ['images:read']);
    const img = await service.app.request(`/v1/checks/${check.id}/image`, { headers: bearer(all) });
    expect(img.status).toBe(404);
  });

  it('returns the retained image to images:read of the same tenant only', async () => {
    const retaining = await startTestService({
      IFAS_RETAIN_IMAGES_KEY: Buffer.alloc(32, 7).toString('base64'),
      IFAS_RETAIN_IMAGES_DAYS: '2',
    });
    const key = await keyFor(retaining, 'acme', ['checks:write', 'checks:read']);
    const reader = await keyFor(retaining, 'acme', ['images:read']);
    const stranger = await keyFor(retaining, 'globex', ['images:read']);
    const check = await json(
      await retaining.app.request('/v1/checks', {
        method: 'POST',
        body: form({ image: new Blob([image]) }),
        headers: bearer(key),
      }),
    );
    expect(Date.parse(check.imageRetainedUntil) - Date.now()).toBeGreaterThan(47 * 3600_000);
    const path = `/v1/checks/${check.id}/image`;
    expect((await retaining.app.request(path, { headers: bearer(key) })).status).toBe(403);
    expect((await retaining.app.request(path, { headers: bearer(stranger) })).status).toBe(404);
    const res = await retaining.app.request(path, { headers: bearer(reader) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(image)).toBe(true);
    const sealed = await retaining.store.findRetainedImage('acme', check.id);
    expect(sealed?.ciphertext.includes(image.subarray(0, 64))).toBe(false);
    await retaining.close();
  });
});

describe('audit queries', () => {
  it('filters, pages with a cursor, exports NDJSON and CSV, and verifies the chain', async () => {
    for (const subject of ['bob', 'bob', 'carol']) {
      await post(form({ image: new Blob([image]), subject }), bearer(writer));
    }
    const page = async (query: string) =>
      json(await service.app.request(`/v1/audit?${query}`, { headers: bearer(auditor) }));
    const bob = await page('subject=bob');
    expect(bob.records).toHaveLength(2);
    const first = await page('limit=2');
    expect(first.records).toHaveLength(2);
    const second = await page(`limit=2&cursor=${first.nextCursor}`);
    expect(second.records[0].seq).toBe(first.records[1].seq + 1);
    const all = await page('limit=500');
    const decisions = all.records.map((r: { record: { decision: string } }) => r.record.decision);
    const spoofs = await page('limit=500&decision=spoof');
    expect(spoofs.records).toHaveLength(decisions.filter((d: string) => d === 'spoof').length);

    const ndjson = await service.app.request('/v1/audit?format=ndjson&limit=2', {
      headers: bearer(auditor),
    });
    expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await ndjson.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(all.records.length); // streams every page, not just one
    const csv = await (
      await service.app.request('/v1/audit?format=csv&subject=carol', { headers: bearer(auditor) })
    ).text();
    const rows = csv.trim().split('\n');
    expect(rows[0]).toMatch(/^seq,checkId,time,tenant,subject,decision/);
    expect(rows).toHaveLength(2);

    await service.checkpointer.checkpoint(); // what the server's timer does every T seconds
    const verify = await json(
      await service.app.request('/v1/audit/verify', { headers: bearer(auditor) }),
    );
    expect(verify).toMatchObject({
      tenant: 'acme',
      ok: true,
      checked: all.records.length,
      firstBreak: null,
      newestCommitment: { kind: 'head', seq: all.records.at(-1).seq },
    });
    const latest = await json(
      await service.app.request('/v1/audit/checkpoints/latest', { headers: bearer(auditor) }),
    );
    expect(latest).toMatchObject({
      tenant: 'acme',
      purge: null,
      head: { kind: 'head', seq: all.records.at(-1).seq },
      anchored: { kind: 'head', seq: all.records.at(-1).seq },
    });
    expect(
      (await service.app.request('/v1/audit/checkpoints/latest', { headers: bearer(writer) }))
        .status,
    ).toBe(403);
  });

  it('rejects bad filters with 422', async () => {
    const res = await service.app.request('/v1/audit?from=yesterday', { headers: bearer(auditor) });
    expect(res.status).toBe(422);
    const inverted = await service.app.request(
      '/v1/audit?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z',
      { headers: bearer(auditor) },
    );
    expect(inverted.status).toBe(422);
    expect(await inverted.json()).toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('operations routes', () => {
  it('serves health and readiness without a credential', async () => {
    expect((await service.app.request('/healthz')).status).toBe(200);
    const ready = await service.app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await json(ready)).toMatchObject({
      ready: true,
      model: { state: 'ready', name: 'ifas-tiny' },
      store: { kind: 'sqlite', reachable: true },
    });
  });

  it('serves Prometheus metrics to the metrics:read scope only', async () => {
    expect((await service.app.request('/metrics', { headers: bearer(writer) })).status).toBe(403);
    const metrics = await keyFor(service, 'ops', ['metrics:read']);
    const text = await (await service.app.request('/metrics', { headers: bearer(metrics) })).text();
    expect(text).toMatch(/ifas_stage_duration_seconds_bucket\{le="[^"]+",stage="vision"\}/);
    expect(text).toMatch(
      /ifas_decisions_total\{decision="(live|spoof)",quality_reason="none"\} \d+/,
    );
    expect(text).toMatch(/ifas_queue_depth 0/);
    expect(text).toMatch(
      /ifas_http_requests_total\{method="POST",route="\/v1\/checks",status="201"\}/,
    );
  });

  it('serves an OpenAPI 3.1 document and a readable docs page to authenticated callers', async () => {
    expect((await service.app.request('/openapi.json')).status).toBe(401);
    const doc = await json(await service.app.request('/openapi.json', { headers: bearer(writer) }));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/checks',
        '/v1/checks/{id}',
        '/v1/audit',
        '/v1/audit/verify',
        '/healthz',
        '/readyz',
        '/metrics',
      ]),
    );
    expect(doc.components.schemas.Check.properties.decision.enum).toEqual([
      'live',
      'spoof',
      'uncertain',
    ]);
    const html = await (await service.app.request('/docs', { headers: bearer(writer) })).text();
    expect(html).toContain('<code>/v1/checks</code>');
    expect(html).not.toMatch(/<script/i);
  });

  it('answers unknown routes with a problem+json 404', async () => {
    const res = await service.app.request('/v1/nothing', { headers: bearer(writer) });
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('limits', () => {
  it('answers 503 with Retry-After when the queue is full, and records every accepted check', async () => {
    const busy = await startTestService({
      IFAS_QUEUE_CONCURRENCY: '1',
      IFAS_QUEUE_MAX_WAITING: '0',
      IFAS_MAX_NEW_TOKENS: '64',
    });
    const key = await keyFor(busy, 'acme', ['checks:write']);
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        busy.app.request('/v1/checks', {
          method: 'POST',
          body: form({ image: new Blob([image]), explain: 'always' }),
          headers: bearer(key),
        }),
      ),
    );
    const refused = responses.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused[0]?.json()).toMatchObject({ code: 'QUEUE_FULL' });
    const accepted = responses.filter((r) => r.status === 201);
    expect(accepted.length + refused.length).toBe(6);
    const ids = await Promise.all(accepted.map(async (r) => (await json(r)).id));
    for (const id of ids) expect(await busy.store.findCheck('acme', id)).not.toBeNull();
    await busy.close();
  });

  it('sheds checks while the queue is full before verifying the credential or reading the body', async () => {
    // Arrange: the one model slot is taken by a job this test releases.
    const busy = await startTestService({
      IFAS_QUEUE_CONCURRENCY: '1',
      IFAS_QUEUE_MAX_WAITING: '0',
      IFAS_MAX_BODY_BYTES: '65536',
    });
    const key = await keyFor(busy, 'acme', ['checks:write']);
    let release = (): void => {};
    const blocker = busy.queue.run(() => new Promise<void>((resolve) => (release = resolve)));
    // A body that never ends: answering at all proves it was not read.
    const endless = () =>
      new ReadableStream<Uint8Array>({
        pull: () => new Promise<void>(() => {}),
      });
    const unread = { method: 'POST', body: endless(), duplex: 'half' } as RequestInit;
    // Act
    const shed = await busy.app.request('/v1/checks', unread);
    const declaredTooLarge = await busy.app.request('/v1/checks', {
      ...unread,
      body: endless(),
      headers: { 'content-length': '70000', 'content-type': 'application/json' },
    });
    release();
    await blocker;
    const admitted = await busy.app.request('/v1/checks', {
      method: 'POST',
      body: form({ image: new Blob([image]) }),
      headers: bearer(key),
    });
    // Assess: 503 before 401 (no credential was sent), 413 from the declared length alone.
    expect(shed.status).toBe(503);
    expect(Number(shed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await json(shed)).toMatchObject({ code: 'QUEUE_FULL' });
    expect(declaredTooLarge.status).toBe(413);
    expect(admitted.status).toBe(201);
    await busy.close();
  });

  it('answers 504 when the request time limit passes in the queue', async () => {
    const slow = await startTestService({
      IFAS_QUEUE_CONCURRENCY: '1',
      IFAS_QUEUE_MAX_WAITING: '8',
      IFAS_REQUEST_TIMEOUT_MS: '1',
    });
    const key = await keyFor(slow, 'acme', ['checks:write']);
    const responses = await Promise.all(
      Array.from({ length: 4 }, () =>
        slow.app.request('/v1/checks', {
          method: 'POST',
          body: form({ image: new Blob([image]) }),
          headers: bearer(key),
        }),
      ),
    );
    const timedOut = responses.filter((r) => r.status === 504);
    expect(timedOut.length).toBeGreaterThan(0);
    expect(await timedOut[0]?.json()).toMatchObject({ code: 'INFER_TIMEOUT' });
    await slow.close();
  });

  it('answers 500 AUDIT_WRITE_FAILED, and no decision, when the audit log cannot be written', async () => {
    const env = await testServiceEnv();
    const readOnly = await buildService(serviceConfigFromEnv(env));
    await readOnly.modelLoaded;
    const key = await keyFor(readOnly, 'acme', ['checks:write']);
    // Behind the store's back, the database now refuses every new audit record.
    await tamperSqlite(
      join(env.IFAS_DATA_DIR ?? '', 'audit.sqlite'),
      `CREATE TRIGGER refuse_records BEFORE INSERT ON audit_records
       BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
    );
    const res = await readOnly.app.request('/v1/checks', {
      method: 'POST',
      body: form({ image: new Blob([image]) }),
      headers: bearer(key),
    });
    expect(res.status).toBe(500);
    const problem = await json(res);
    expect(problem).toMatchObject({ code: 'AUDIT_WRITE_FAILED' });
    expect(problem).not.toHaveProperty('decision');
    await readOnly.close();
  });

  it('answers 503 MODEL_NOT_READY and /readyz 503 while the model is not loaded', async () => {
    const { buildService } = await import('../../src/app/build-service.js');
    const { serviceConfigFromEnv } = await import('../../src/config/service-config.js');
    const { testServiceEnv } = await import('../support/service.js');
    const broken = await buildService(
      serviceConfigFromEnv(await testServiceEnv({ IFAS_MODEL_DIR: '/nonexistent/model' })),
    );
    await broken.modelLoaded;
    const ready = await broken.app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(await json(ready)).toMatchObject({ ready: false, model: { state: 'failed' } });
    const key = await keyFor(broken, 'acme', ['checks:write']);
    const res = await broken.app.request('/v1/checks', {
      method: 'POST',
      body: form({ image: new Blob([image]) }),
      headers: bearer(key),
    });
    expect(res.status).toBe(503);
    expect(await json(res)).toMatchObject({ code: 'MODEL_NOT_READY' });
    await broken.close();
  });
});
