import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditStore } from '../../src/audit/audit-store.js';
import { openAuditStore } from '../../src/audit/open-audit-store.js';
import { FACE_32, TINY_PACKAGE } from '../support/fixtures.js';
import { freshDatabaseUrl } from '../support/postgres.js';
import { spawnServer } from '../support/server-process.js';

const ACKS_BEFORE_KILL = 25;
const WORKERS = 4;
const MAX_REQUESTS = 400;

interface Attempt {
  clientRequestId: string;
  checkId: string | null;
}

async function loadUntilKilled(
  url: string,
  key: string,
  image: Buffer,
  kill: () => void,
): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  let acknowledged = 0;
  let sent = 0;
  let down = false;
  const worker = async (w: number): Promise<void> => {
    while (!down && sent < MAX_REQUESTS) {
      const attempt: Attempt = { clientRequestId: `load-${w}-${sent++}`, checkId: null };
      attempts.push(attempt);
      const body = new FormData();
      body.append('image', new Blob([image]));
      body.append('clientRequestId', attempt.clientRequestId);
      try {
        const res = await fetch(`${url}/v1/checks`, {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${key}` },
        });
        if (res.status === 201) {
          attempt.checkId = ((await res.json()) as { id: string }).id;
          if (++acknowledged === ACKS_BEFORE_KILL) kill();
        }
      } catch {
        down = true; // connection refused or reset: the server is gone
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  return attempts;
}

async function crashAndRecover(storeEnv: Record<string, string>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ifas-durability-'));
  const env = {
    IFAS_MODEL_DIR: TINY_PACKAGE,
    IFAS_DETECT_FACES: 'false',
    IFAS_DATA_DIR: dataDir,
    IFAS_MAX_NEW_TOKENS: '4',
    IFAS_QUEUE_MAX_WAITING: '64',
    ...storeEnv,
  };
  const keyFile = join(dataDir, 'key');
  const image = await readFile(FACE_32);
  const server = await spawnServer(env, ['--bootstrap-key', keyFile]);
  const key = (await readFile(keyFile, 'utf8')).trim();
  const attempts = await loadUntilKilled(server.url, key, image, () =>
    server.child.kill('SIGKILL'),
  );
  await server.exited;
  const acknowledged = attempts.filter((a) => a.checkId !== null);
  expect(acknowledged.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);

  // Every decision a client was told about is in the log, and the chain is intact.
  const store: AuditStore = await openAuditStore(
    storeEnv.IFAS_AUDIT_STORE === 'postgres'
      ? { kind: 'postgres', url: storeEnv.IFAS_DATABASE_URL ?? '' }
      : { kind: 'sqlite', path: join(dataDir, 'audit.sqlite') },
  );
  try {
    for (const attempt of acknowledged) {
      const stored = await store.findCheck('default', attempt.checkId ?? '');
      expect(stored?.record.request.clientRequestId).toBe(attempt.clientRequestId);
    }
    const verdict = await store.verify('default');
    expect(verdict).toMatchObject({ ok: true, firstBreak: null });

    // After a restart, retrying every request is safe: acknowledged ones come back unchanged, the
    // rest are decided once, and no client request id is recorded twice.
    const restarted = await spawnServer(env);
    try {
      for (const attempt of attempts) {
        const body = new FormData();
        body.append('image', new Blob([image]));
        body.append('clientRequestId', attempt.clientRequestId);
        const res = await fetch(`${restarted.url}/v1/checks`, {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${key}` },
        });
        const check = (await res.json()) as { id: string };
        if (attempt.checkId !== null) {
          expect(res.status).toBe(200);
          expect(check.id).toBe(attempt.checkId);
        } else {
          expect([200, 201]).toContain(res.status);
        }
      }
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
    const all = await store.query({ tenant: 'default', limit: 10_000 });
    const ids = all.map((r) => r.record.request.clientRequestId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.length).toBe(attempts.length);
    await expect(store.verify('default')).resolves.toMatchObject({
      ok: true,
      checked: attempts.length,
    });
  } finally {
    await store.close();
  }
}

describe('a server killed with SIGKILL under load', () => {
  it('loses no acknowledged decision (SQLite)', async () => {
    await crashAndRecover({ IFAS_AUDIT_STORE: 'sqlite' });
  }, 120_000);

  it('loses no acknowledged decision (PostgreSQL)', async () => {
    await crashAndRecover({
      IFAS_AUDIT_STORE: 'postgres',
      IFAS_DATABASE_URL: await freshDatabaseUrl(),
    });
  }, 120_000);
});
