/**
 * GET /v1/keys: the tenant's keys with their state, never a secret or a secret's hash.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/build-service.js';
import { parseApiKey, revokeApiKey, rotateApiKey } from '../../src/auth/api-keys.js';
import { keyFor, startTestService } from '../support/service.js';

let service: Service;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON that the assertions check
type Json = any;
const list = async (key: string): Promise<[number, Json, string]> => {
  const res = await service.app.request('/v1/keys', { headers: { 'x-api-key': key } });
  const text = await res.text();
  return [res.status, JSON.parse(text), text];
};

beforeAll(async () => {
  service = await startTestService();
}, 60_000);

afterAll(async () => {
  await service?.close();
});

describe('listing API keys', () => {
  it("lists the caller's tenant's keys with their state and no secret", async () => {
    const admin = await keyFor(service, 'acme', ['keys:read']);
    const old = await keyFor(service, 'acme', ['checks:write']);
    const oldId = old.split('_')[1] as string;
    const successor = await rotateApiKey(service.store, oldId, 3600);
    const revoked = await keyFor(service, 'acme', ['audit:read']);
    await revokeApiKey(service.store, revoked.split('_')[1] as string);
    await keyFor(service, 'globex', ['keys:read']);

    const [status, body, text] = await list(admin);
    expect(status).toBe(200);
    expect(body.keys.map((k: Json) => k.state)).toEqual([
      'active',
      'expiring',
      'active',
      'revoked',
    ]);
    expect(body.keys[1]).toMatchObject({ id: oldId, scopes: ['checks:write'] });
    expect(body.keys[2].id).toBe(successor.row.id);
    for (const key of [admin, old, successor.key, revoked]) {
      expect(text).not.toContain(parseApiKey(key)?.secret);
    }
    const hashes = (await service.store.listApiKeys('acme')).map((row) => row.secretHash);
    for (const hash of hashes) expect(text).not.toContain(hash);
    expect(Object.keys(body.keys[0]).sort()).toEqual(
      ['createdAt', 'expiresAt', 'id', 'name', 'revokedAt', 'scopes', 'state'].sort(),
    );
  });

  it('needs keys:read', async () => {
    const auditor = await keyFor(service, 'acme', ['audit:read']);
    const [status, problem] = await list(auditor);
    expect([status, problem.code]).toEqual([403, 'AUTH_FORBIDDEN']);
  });
});
