import { readFile } from 'node:fs/promises';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/start-server.js';
import { CAEP_RISK_LEVEL_CHANGE, OKTA_USER_RISK_CHANGE } from '../../src/config/flag-config.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';
import { FACE_32 } from '../support/fixtures.js';
import { type Receiver, startReceiver, waitFor } from '../support/receivers.js';
import { keyFor, testServiceEnv } from '../support/service.js';

const ISSUER = 'https://ifas.example.test';
const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

let server: RunningServer;
let setReceiver: Receiver;
let oktaReceiver: Receiver;
let webhookReceiver: Receiver;
let key: string;
const verifiedSets: Array<Record<string, unknown>> = [];
const verifiedWebhooks: unknown[] = [];

beforeAll(async () => {
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const verifySet =
    (audience: string) => async (request: { headers: Record<string, unknown>; body: string }) => {
      if (request.headers.authorization !== 'Bearer receiver-token') return { status: 401 };
      if (request.headers['content-type'] !== 'application/secevent+jwt') return { status: 400 };
      jwks ??= createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(request.body, jwks, {
        issuer: ISSUER,
        audience,
        typ: 'secevent+jwt',
        algorithms: ['ES256'],
      });
      verifiedSets.push(payload as Record<string, unknown>);
      return { status: 202 };
    };
  setReceiver = await startReceiver(verifySet('https://receiver.example.test'));
  oktaReceiver = await startReceiver(verifySet('https://acme.okta.example'));
  webhookReceiver = await startReceiver(async (request) => {
    verifiedWebhooks.push(
      new Webhook(WEBHOOK_SECRET).verify(request.body, request.headers as Record<string, string>),
    );
    return { status: 204 };
  });
  const flags = {
    outcomes: ['spoof'],
    receivers: [
      {
        name: 'ssf',
        url: setReceiver.url,
        audience: 'https://receiver.example.test',
        authorization: 'Bearer receiver-token',
      },
      {
        name: 'okta',
        tenant: 'acme',
        url: oktaReceiver.url,
        audience: 'https://acme.okta.example',
        eventType: 'okta-user-risk-change',
        subjectFormat: 'email',
        authorization: 'Bearer receiver-token',
      },
    ],
    webhooks: [{ name: 'siem', url: webhookReceiver.url, secret: WEBHOOK_SECRET }],
  };
  server = await startServer(
    serviceConfigFromEnv(
      await testServiceEnv({
        IFAS_PORT: '0',
        IFAS_THRESHOLD: '0.99', // the tiny model scores the fixture face 0.96: a spoof at this threshold
        IFAS_PUBLIC_URL: ISSUER,
        IFAS_FLAGS: JSON.stringify(flags),
        IFAS_OUTBOX_POLL_MS: '50',
      }),
    ),
    () => undefined,
  );
  await server.service.modelLoaded;
  key = await keyFor(server.service, 'acme', ['checks:write', 'checks:read', 'audit:read']);
});

afterAll(async () => {
  await server.stop();
  await Promise.all([setReceiver.close(), oktaReceiver.close(), webhookReceiver.close()]);
});

async function spoofCheck(subject: string): Promise<{ id: string; decision: string }> {
  const body = new FormData();
  body.append('image', new Blob([await readFile(FACE_32)]));
  body.append('subject', subject);
  const res = await fetch(`${server.url}/v1/checks`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${key}` },
  });
  return (await res.json()) as { id: string; decision: string };
}

describe('spoof flags', () => {
  it('publishes the SET signing key and SSF transmitter metadata without credentials', async () => {
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {
      keys: Array<Record<string, string>>;
    };
    expect(jwks.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      kid: expect.any(String),
    });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const meta = await (await fetch(`${server.url}/.well-known/ssf-configuration`)).json();
    expect(meta).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      delivery_methods_supported: ['urn:ietf:rfc:8935'],
    });
  });

  it('turns a spoof decision into a SET the receiver verifies with the JWKS and a signed Standard Webhook', async () => {
    const check = await spoofCheck('grace@example.com');
    expect(check.decision).toBe('spoof');
    await waitFor(() => verifiedSets.length >= 2 && verifiedWebhooks.length >= 1);

    const caep = verifiedSets.find((set) => CAEP_RISK_LEVEL_CHANGE in (set.events as object));
    expect(caep).toMatchObject({
      iss: ISSUER,
      aud: 'https://receiver.example.test',
      txn: check.id,
      sub_id: { format: 'opaque', id: 'grace@example.com' },
      events: {
        [CAEP_RISK_LEVEL_CHANGE]: {
          principal: 'USER',
          current_level: 'HIGH',
          risk_reason: expect.stringContaining(check.id),
        },
      },
    });
    const okta = verifiedSets.find((set) => OKTA_USER_RISK_CHANGE in (set.events as object));
    expect(okta).toMatchObject({
      sub_id: { format: 'email', email: 'grace@example.com' },
      events: {
        [OKTA_USER_RISK_CHANGE]: {
          current_level: 'high',
          previous_level: 'low',
          subject: { user: { format: 'email', email: 'grace@example.com' } },
        },
      },
    });
    expect(verifiedWebhooks[0]).toMatchObject({
      type: 'liveness.spoof_detected',
      data: { checkId: check.id, decision: 'spoof', subject: 'grace@example.com' },
    });

    // The delivery status is queryable, and the ids are the SETs' jti and the webhook-id.
    type FlagList = {
      flags: Array<{ id: string; channel: string; status: string; destination: string }>;
    };
    let status: FlagList = { flags: [] };
    const settled = async () => {
      const res = await fetch(`${server.url}/v1/checks/${check.id}/flags`, {
        headers: { authorization: `Bearer ${key}` },
      });
      status = (await res.json()) as FlagList;
      return status.flags.length === 3 && status.flags.every((f) => f.status === 'delivered');
    };
    for (let i = 0; i < 100 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(status.flags.map((f) => f.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(
      status.flags
        .filter((f) => f.channel === 'set')
        .map((f) => f.id)
        .sort(),
    ).toEqual([caep?.jti, okta?.jti].sort());
    expect(webhookReceiver.received[0]?.headers['webhook-id']).toBe(
      status.flags.find((f) => f.channel === 'webhook')?.id,
    );
  });

  it('keeps a flag whose subject the receiver cannot identify as a visible dead letter', async () => {
    const check = await spoofCheck('not-an-email');
    await waitFor(() => verifiedWebhooks.length >= 2);
    const dead = (await (
      await fetch(`${server.url}/v1/flags?status=dead`, {
        headers: { authorization: `Bearer ${key}` },
      })
    ).json()) as {
      flags: Array<{ checkId: string; destination: string; lastError: string }>;
    };
    expect(dead.flags).toContainEqual(
      expect.objectContaining({
        checkId: check.id,
        destination: 'okta',
        lastError: 'the subject is not an email address',
      }),
    );
  });
});
