/**
 * POST /v1/flags/{id}/retry: a dead letter goes back in the outbox and reaches its receiver once it
 * answers again; only flags:write may do it, only for the tenant's own dead letters.
 */

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/build-service.js';
import { FACE_32 } from '../support/fixtures.js';
import { type Receiver, startReceiver, waitFor } from '../support/receivers.js';
import { keyFor, recordCheck, startTestService } from '../support/service.js';

const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

let service: Service;
let receiver: Receiver;
let receiverUp = false;
let operator: string; // acme: audit:read + flags:write
let reader: string; // acme: audit:read only
let otherTenant: string; // globex: audit:read + flags:write

// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON that the assertions check
type Json = any;
const call = async (path: string, key: string, method = 'GET'): Promise<[number, Json]> => {
  const res = await service.app.request(path, {
    method,
    headers: { authorization: `Bearer ${key}` },
  });
  return [res.status, await res.json()];
};

beforeAll(async () => {
  receiver = await startReceiver(async () => ({ status: receiverUp ? 204 : 503 }));
  service = await startTestService({
    IFAS_THRESHOLD: '0.99', // the tiny model scores the fixture face 0.96: a spoof, so a flag
    IFAS_FLAGS: JSON.stringify({
      webhooks: [{ name: 'siem', url: receiver.url, secret: WEBHOOK_SECRET }],
      backoff: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 },
    }),
  });
  operator = await keyFor(service, 'acme', ['audit:read', 'flags:write']);
  reader = await keyFor(service, 'acme', ['audit:read']);
  otherTenant = await keyFor(service, 'globex', ['audit:read', 'flags:write']);
  const image = await readFile(FACE_32);
  await recordCheck(service, { tenant: 'acme', subject: 'mallory', image });
  await service.dispatcher.runOnce();
}, 60_000);

afterAll(async () => {
  await service?.close();
  await receiver?.close();
});

describe('retrying a dead letter', () => {
  it('requeues it and delivers it once the receiver answers', async () => {
    const [, dead] = await call('/v1/flags?status=dead', operator);
    expect(dead.flags).toHaveLength(1);
    const id = dead.flags[0].id;
    expect(dead.flags[0]).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/503/) });

    expect(await call(`/v1/flags/${id}/retry`, reader, 'POST')).toEqual([
      403,
      expect.objectContaining({
        code: 'AUTH_FORBIDDEN',
        detail: expect.stringMatching(/flags:write/),
      }),
    ]);
    const [foreign, problem] = await call(`/v1/flags/${id}/retry`, otherTenant, 'POST');
    expect([foreign, problem.code]).toEqual([404, 'NOT_FOUND']);

    receiverUp = true;
    const [status, requeued] = await call(`/v1/flags/${id}/retry`, operator, 'POST');
    expect(status).toBe(200);
    expect(requeued).toMatchObject({ id, status: 'pending', attempts: 0 });
    await service.dispatcher.runOnce();
    await waitFor(() => receiver.received.length === 2);
    const [, delivered] = await call('/v1/flags?status=delivered', operator);
    expect(delivered.flags.map((f: Json) => f.id)).toEqual([id]);
    // The same webhook-id both times: the receiver can deduplicate.
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([id, id]);
  });

  it('answers 404 for a flag that is not dead', async () => {
    const [, delivered] = await call('/v1/flags?status=delivered', operator);
    const [status, problem] = await call(
      `/v1/flags/${delivered.flags[0].id}/retry`,
      operator,
      'POST',
    );
    expect([status, problem.code]).toEqual([404, 'NOT_FOUND']);
  });
});
