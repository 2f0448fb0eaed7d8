import { describe, expect, it } from 'vitest';
import { type NewSession, SessionStore } from '../../src/sessions/session-store.js';
import { realDialects } from '../support/sql-dialects.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');

function session(id: string, overrides: Partial<NewSession> = {}): NewSession {
  return {
    id,
    tenant: 'acme',
    subject: 'alice',
    purpose: 'login',
    returnUrl: null,
    tokenHash: 'a'.repeat(64),
    maxAttempts: 2,
    createdAt: NOW.toISOString(),
    expiresAt: new Date(NOW.getTime() + 180_000).toISOString(),
    createdBy: 'api-key:k1',
    ...overrides,
  };
}

const result = (checkIds: string[]) => ({
  decision: 'live' as const,
  liveness: 0.9,
  rationale: 'Live.',
  attackMedium: null,
  reasons: [],
  checkIds,
  judgedAt: NOW.toISOString(),
});

describe.each(realDialects())('SessionStore on a real %s', (_name, openDialect) => {
  const open = async () => SessionStore.open(await openDialect());

  it('gives out each attempt once, even to racing requests, and none after expiry', async () => {
    const store = await open();
    await store.create(session('ses_race'));
    const claims = await Promise.all([1, 2, 3, 4].map(() => store.claimAttempt('ses_race', NOW)));
    expect(claims.filter((claim) => claim !== null).sort()).toEqual([1, 2]);
    await store.create(session('ses_late'));
    expect(await store.claimAttempt('ses_late', new Date(NOW.getTime() + 180_000))).toBeNull();
    const row = await store.find('ses_race');
    expect(row).toMatchObject({
      attempts: 2,
      maxAttempts: 2,
      state: 'capturing',
      tokenHash: 'a'.repeat(64),
    });
  });

  it('records a final attempt once, with its frame hashes, and redeems it once', async () => {
    const store = await open();
    await store.create(session('ses_one'));
    await store.claimAttempt('ses_one', NOW);
    expect(
      await store.claimFrames(
        { id: 'ses_one', tenant: 'acme' },
        [{ sha256: 'b'.repeat(64), dhash: '0123456789abcdef' }],
        NOW,
      ),
    ).toBe(true);
    await store.recordAttempt(
      { id: 'ses_one', tenant: 'acme' },
      { final: true, result: result(['chk_1']) },
    );
    expect(await store.findForTenant('acme', 'ses_one')).toMatchObject({
      state: 'judged',
      result: { decision: 'live', checkIds: ['chk_1'] },
    });
    expect(await store.findForTenant('globex', 'ses_one')).toBeNull();
    const racers = await Promise.all(
      [1, 2, 3].map(() => store.consume('acme', 'ses_one', 'hook', NOW)),
    );
    expect(racers.filter(Boolean)).toHaveLength(1);
    expect(await store.consume('acme', 'ses_one', 'hook', NOW)).toBe(false);
  });

  it('finds earlier captures by identical bytes or a difference hash within the distance', async () => {
    const store = await open();
    await store.create(session('ses_old'));
    await store.claimAttempt('ses_old', NOW);
    await store.claimFrames(
      { id: 'ses_old', tenant: 'acme' },
      [{ sha256: 'c'.repeat(64), dhash: 'ffff0000ffff0000' }],
      NOW,
    );
    await store.recordAttempt(
      { id: 'ses_old', tenant: 'acme' },
      { final: true, result: result([]) },
    );
    const since = new Date(NOW.getTime() - 86_400_000);
    const identical = await store.findReplays(
      'acme',
      { sha256: 'c'.repeat(64), dhash: '0000000000000000' },
      since,
      3,
    );
    expect(identical).toEqual([{ sessionId: 'ses_old', kind: 'identical' }]);
    // Three bits off, spread over three bands: the fourth band still matches exactly.
    const near = await store.findReplays(
      'acme',
      { sha256: 'd'.repeat(64), dhash: 'fffe0001fffe0000' },
      since,
      3,
    );
    expect(near).toEqual([{ sessionId: 'ses_old', kind: 'near' }]);
    const far = await store.findReplays(
      'acme',
      { sha256: 'd'.repeat(64), dhash: 'fff00001fffe0000' },
      since,
      3,
    );
    expect(far).toEqual([]);
    expect(
      await store.findReplays(
        'globex',
        { sha256: 'c'.repeat(64), dhash: 'ffff0000ffff0000' },
        since,
        3,
      ),
    ).toEqual([]);
    const later = new Date(NOW.getTime() + 1000);
    expect(
      await store.findReplays(
        'acme',
        { sha256: 'c'.repeat(64), dhash: 'ffff0000ffff0000' },
        later,
        3,
      ),
    ).toEqual([]);
    expect(await store.purgeBefore(new Date(NOW.getTime() + 181_000))).toEqual({
      hashes: 1,
      sessions: 1,
    });
  });

  it('lets exactly one of many racing sessions claim the same frame bytes, per tenant', async () => {
    const store = await open();
    const frame = { sha256: 'e'.repeat(64), dhash: '0f0f0f0f0f0f0f0f' };
    const other = { sha256: 'f'.repeat(64), dhash: 'f0f0f0f0f0f0f0f0' };
    const racers = await Promise.all(
      ['ses_r1', 'ses_r2', 'ses_r3', 'ses_r4'].map((id) =>
        store.claimFrames({ id, tenant: 'acme' }, [other, frame], NOW),
      ),
    );
    expect(racers.filter(Boolean)).toHaveLength(1);
    // Another tenant's captures are its own; the same bytes twice in one attempt claim once.
    expect(await store.claimFrames({ id: 'ses_g', tenant: 'globex' }, [frame, frame], NOW)).toBe(
      true,
    );
    // A later attempt of the same session sending the same bytes again is a replay too.
    expect(await store.claimFrames({ id: 'ses_g', tenant: 'globex' }, [frame], NOW)).toBe(false);
    expect(await store.purgeBefore(new Date(NOW.getTime() + 1))).toMatchObject({ hashes: 11 });
    expect(await store.claimFrames({ id: 'ses_r5', tenant: 'acme' }, [frame], NOW)).toBe(true);
  });

  it('adds the replaceReference column to a sessions table made before it, once', async () => {
    const db = await openDialect();
    await db.exec(`CREATE TABLE liveness_sessions (
      id TEXT PRIMARY KEY, tenant TEXT NOT NULL, subject TEXT NOT NULL, purpose TEXT NOT NULL,
      return_url TEXT, token_hash TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
      max_attempts INTEGER NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL,
      created_by TEXT NOT NULL, result TEXT, consumed_at TEXT, consumed_by TEXT)`);
    await db.run(
      `INSERT INTO liveness_sessions (id, tenant, subject, purpose, token_hash, state, attempts,
         max_attempts, created_at, expires_at, created_by)
       VALUES ('ses_old', 'acme', 'alice', 'enrol', 'h', 'created', 0, 2, 'x', 'y', 'k')`,
    );
    const first = await SessionStore.open(db);
    const second = await SessionStore.open(db); // the column is there now: no second ALTER
    expect(await first.find('ses_old')).toMatchObject({ replaceReference: false });
    await second.create(session('ses_new', { purpose: 'enrol', replaceReference: true }));
    expect(await first.find('ses_new')).toMatchObject({ replaceReference: true });
  });
});
