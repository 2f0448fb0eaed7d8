import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteAuditStore } from '../../src/audit/sqlite-audit-store.js';
import { issueApiKey, rotateApiKey, verifyApiKey } from '../../src/auth/api-keys.js';

async function store(): Promise<SqliteAuditStore> {
  return SqliteAuditStore.open(join(await mkdtemp(join(tmpdir(), 'ifas-keys-')), 'audit.sqlite'));
}

const HOUR = 3_600_000;

describe('rotateApiKey', () => {
  it('refuses to rotate a key whose grace period has ended, so it stays dead', async () => {
    const keys = await store();
    const t0 = new Date('2026-11-01T00:00:00Z');
    const issued = await issueApiKey(keys, {
      tenant: 'acme',
      name: 'ci',
      scopes: ['audit:read'],
      now: t0,
    });
    await rotateApiKey(keys, issued.row.id, 3600, t0);
    const later = new Date(t0.getTime() + 2 * HOUR);
    expect(await verifyApiKey(keys, issued.key, later)).toBeNull();
    await expect(rotateApiKey(keys, issued.row.id, 86_400, later)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await verifyApiKey(keys, issued.key, later)).toBeNull();
    await keys.close();
  });

  it('never extends the grace period of a key that is already being rotated out', async () => {
    const keys = await store();
    const t0 = new Date('2026-11-01T00:00:00Z');
    const issued = await issueApiKey(keys, {
      tenant: 'acme',
      name: 'ci',
      scopes: ['audit:read'],
      now: t0,
    });
    await rotateApiKey(keys, issued.row.id, 3600, t0);
    await rotateApiKey(keys, issued.row.id, 86_400, new Date(t0.getTime() + HOUR / 2));
    expect((await keys.findApiKey(issued.row.id))?.expiresAt).toBe('2026-11-01T01:00:00.000Z');
    await keys.close();
  });
});
