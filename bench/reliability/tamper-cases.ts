/**
 * The tamper matrix (test/audit/tamper-matrix.ts runs it as tests, the reliability suite counts it):
 * what an attacker with write access to the audit database — but neither the
 * checkpoint signing key nor the anchor file — can try, and how each attempt is detected. Run against
 * a real SQLite file and a real PostgreSQL database. The attacker's tools are plain SQL on their own
 * connection and the public chain formula (linkHash), which needs no key.
 *
 * Every chain has 6 records checkpointed (signed, anchored to a file), then 2 more records appended
 * after the checkpoint — the window the guarantee does not cover (see OUT_OF_MODEL).
 */

import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAnchorSink } from '../../src/audit/anchor-sink.js';
import type { AuditStore } from '../../src/audit/audit-store.js';
import { linkHash } from '../../src/audit/hash-chain.js';
import { HeadCheckpointer } from '../../src/audit/head-checkpointer.js';
import type { SqlDialect } from '../../src/store/sql-dialect.js';
import { sampleRecord } from './sample-records.js';

export interface MatrixHarness {
  open(): Promise<AuditStore>;
  /** The attacker's own connection to the same database. */
  raw(store: AuditStore): Promise<SqlDialect>;
}

export interface Scene {
  store: AuditStore;
  raw: SqlDialect;
  anchors: FileAnchorSink;
  publicKey: KeyObject;
  privateKey: KeyObject;
  /** The service's checkpointer: checks each chain against the newest anchor before it signs. */
  checkpointer: HeadCheckpointer;
}

/** What the defender sees: the verdict for acme against the newest anchored checkpoint. */
export async function verdictOf(scene: Scene, tenant = 'acme') {
  return scene.store.verify(tenant, scene.publicKey, await scene.anchors.newest(tenant));
}

/** Recomputes every hash from `fromSeq` on, and the head, as an attacker rewriting history would. */
export async function rechain(raw: SqlDialect, tenant: string, fromSeq: number): Promise<void> {
  const rows = await raw.all<{ seq: number | string; prev_hash: string; body: string }>(
    'SELECT seq, prev_hash, body FROM audit_records WHERE tenant = ? AND seq >= ? ORDER BY seq',
    [tenant, fromSeq],
  );
  let prev = rows[0]?.prev_hash ?? '';
  for (const row of rows) {
    const hash = linkHash(Number(row.seq), JSON.parse(row.body), prev);
    await raw.run('UPDATE audit_records SET prev_hash = ?, hash = ? WHERE tenant = ? AND seq = ?', [
      prev,
      hash,
      tenant,
      Number(row.seq),
    ]);
    prev = hash;
  }
  const last = rows[rows.length - 1];
  if (last) {
    await raw.run('UPDATE audit_heads SET seq = ?, hash = ? WHERE tenant = ?', [
      Number(last.seq),
      prev,
      tenant,
    ]);
  }
}

export async function editBody(
  raw: SqlDialect,
  seq: number,
  edit: (body: Record<string, unknown>) => void,
) {
  const row = await raw.get<{ body: string }>(
    "SELECT body FROM audit_records WHERE tenant = 'acme' AND seq = ?",
    [seq],
  );
  const body = JSON.parse(row?.body ?? '{}');
  edit(body);
  await raw.run("UPDATE audit_records SET body = ? WHERE tenant = 'acme' AND seq = ?", [
    JSON.stringify(body),
    seq,
  ]);
}

export type Expectation =
  | { detectedAs: string }
  /** The tampering makes retention refuse to purge (and so to sign) the chain. */
  | { purgeRefused: true; detectedAs: string };

export interface TamperCase {
  name: string;
  attack(scene: Scene): Promise<void>;
  expect: Expectation;
  tenant?: string;
}

const tail = "DELETE FROM audit_records WHERE tenant = 'acme' AND seq >= 5";
const fixHead =
  "UPDATE audit_heads SET seq = 4, hash = (SELECT hash FROM audit_records WHERE tenant = 'acme' AND seq = 4) WHERE tenant = 'acme'";

export const TAMPER_CASES: TamperCase[] = [
  {
    name: 'edit a record (decision spoof → live in the hashed body)',
    attack: ({ raw }) =>
      editBody(raw, 5, (b) => {
        b.decision = 'live';
      }),
    expect: { detectedAs: 'hash_mismatch' },
  },
  {
    name: 'delete a record in the middle',
    attack: ({ raw }) => raw.exec("DELETE FROM audit_records WHERE tenant = 'acme' AND seq = 2"),
    expect: { detectedAs: 'sequence_gap' },
  },
  {
    name: 'swap two records',
    attack: ({ raw }) =>
      raw.exec(`UPDATE audit_records SET seq = -1 WHERE tenant = 'acme' AND seq = 2;
        UPDATE audit_records SET seq = 2 WHERE tenant = 'acme' AND seq = 3;
        UPDATE audit_records SET seq = 3 WHERE tenant = 'acme' AND seq = -1`),
    expect: { detectedAs: 'prev_hash_mismatch' },
  },
  {
    name: 'delete the newest records',
    attack: ({ raw }) => raw.exec(tail),
    expect: { detectedAs: 'truncated' },
  },
  {
    name: 'delete the tail and fix the audit_heads row',
    attack: ({ raw }) => raw.exec(`${tail}; ${fixHead}`),
    expect: { detectedAs: 'truncated' },
  },
  {
    name: 'delete the tail and the audit_heads row',
    attack: ({ raw }) => raw.exec(`${tail}; DELETE FROM audit_heads WHERE tenant = 'acme'`),
    expect: { detectedAs: 'truncated' },
  },
  {
    name: 'delete the tail, fix the head and delete the head checkpoints in the database',
    attack: ({ raw }) =>
      raw.exec(`${tail}; ${fixHead}; DELETE FROM audit_head_checkpoints WHERE tenant = 'acme'`),
    expect: { detectedAs: 'truncated' },
  },
  {
    name: 'edit a record and recompute every later hash and the head',
    attack: async ({ raw }) => {
      await editBody(raw, 3, (b) => {
        b.decision = 'live';
      });
      await raw.exec(
        "UPDATE audit_records SET decision = 'live' WHERE tenant = 'acme' AND seq = 3",
      );
      await rechain(raw, 'acme', 3);
    },
    expect: { detectedAs: 'checkpoint_mismatch' },
  },
  {
    name: 'rewrite with recomputed hashes and delete the head checkpoints in the database',
    attack: async ({ raw }) => {
      await editBody(raw, 3, (b) => {
        b.rationale = 'Yes. A real face.';
      });
      await rechain(raw, 'acme', 3);
      await raw.exec("DELETE FROM audit_head_checkpoints WHERE tenant = 'acme'");
    },
    expect: { detectedAs: 'checkpoint_mismatch' },
  },
  {
    name: 'rewrite with recomputed hashes, delete the head checkpoints, wait for the next checkpoint round',
    attack: async ({ raw, checkpointer }) => {
      await editBody(raw, 3, (b) => {
        b.rationale = 'Yes. A real face.';
      });
      await rechain(raw, 'acme', 3);
      await raw.exec("DELETE FROM audit_head_checkpoints WHERE tenant = 'acme'");
      // The round checks the chain against the anchor first, so it refuses to sign the rewrite.
      const round = await checkpointer.checkpoint();
      if (!round.refused.some((r) => r.tenant === 'acme')) {
        throw new Error('the checkpoint round signed a rewritten chain');
      }
    },
    expect: { detectedAs: 'checkpoint_mismatch' },
  },
  {
    name: 'forge a head checkpoint row to match a rewritten chain',
    attack: async ({ raw }) => {
      await editBody(raw, 3, (b) => {
        b.rationale = 'Yes. A real face.';
      });
      await rechain(raw, 'acme', 3);
      await raw.exec(`UPDATE audit_head_checkpoints SET head_hash = (SELECT hash FROM audit_records
        WHERE tenant = 'acme' AND seq = 6) WHERE tenant = 'acme' AND seq = 6`);
    },
    expect: { detectedAs: 'checkpoint_forged' },
  },
  {
    name: 'change the decision column only (a decision=spoof query would miss it)',
    attack: ({ raw }) =>
      raw.exec("UPDATE audit_records SET decision = 'live' WHERE tenant = 'acme' AND seq = 5"),
    expect: { detectedAs: 'column_mismatch' },
  },
  {
    name: 'change the subject column only',
    attack: ({ raw }) =>
      raw.exec(
        "UPDATE audit_records SET subject = 'someone-else' WHERE tenant = 'acme' AND seq = 2",
      ),
    expect: { detectedAs: 'column_mismatch' },
  },
  {
    name: 'change the client request id column only',
    attack: ({ raw }) =>
      raw.exec(
        "UPDATE audit_records SET client_request_id = 'retry-x' WHERE tenant = 'acme' AND seq = 2",
      ),
    expect: { detectedAs: 'column_mismatch' },
  },
  {
    name: "set a record's time column back and run retention",
    attack: async (scene) => {
      await scene.raw.exec(
        "UPDATE audit_records SET time = '2000-01-01T00:00:00.000Z' WHERE tenant = 'acme' AND seq = 6",
      );
    },
    expect: { purgeRefused: true, detectedAs: 'column_mismatch' },
  },
  {
    name: 'set a record’s hashed time back, recompute the chain and run retention',
    attack: async ({ raw }) => {
      await editBody(raw, 6, (b) => {
        b.time = '2000-01-01T00:00:00.000Z';
      });
      await raw.exec(
        "UPDATE audit_records SET time = '2000-01-01T00:00:00.000Z' WHERE tenant = 'acme' AND seq = 6",
      );
      await rechain(raw, 'acme', 6);
    },
    expect: { purgeRefused: true, detectedAs: 'checkpoint_mismatch' },
  },
  {
    name: "move a record into another tenant's chain",
    attack: ({ raw }) =>
      raw.exec(
        "UPDATE audit_records SET tenant = 'globex', seq = 3 WHERE tenant = 'acme' AND seq = 6",
      ),
    expect: { detectedAs: 'sequence_gap' },
  },
  {
    name: "delete a whole tenant's chain (records and head)",
    attack: ({ raw }) =>
      raw.exec(
        "DELETE FROM audit_records WHERE tenant = 'globex'; DELETE FROM audit_heads WHERE tenant = 'globex'",
      ),
    tenant: 'globex',
    expect: { detectedAs: 'chain_missing' },
  },
  {
    name: "delete a whole tenant's chain with its registration and checkpoints",
    attack: ({ raw }) =>
      raw.exec(`DELETE FROM audit_records WHERE tenant = 'globex';
        DELETE FROM audit_heads WHERE tenant = 'globex';
        DELETE FROM audit_tenant_registry WHERE tenant = 'globex';
        DELETE FROM audit_head_checkpoints WHERE tenant = 'globex'`),
    tenant: 'globex',
    expect: { detectedAs: 'chain_missing' },
  },
];

/**
 * Out of the threat model, with the reason (the guarantee in head-checkpointer.ts):
 * - records after the newest anchored checkpoint (≤ N records or T seconds) can be rewritten,
 *   dropped or fabricated: nothing signed covers them yet;
 * - an attacker holding the checkpoint signing key can sign any history;
 * - an attacker who can also rewrite or delete the anchor (file, bucket, witness) and the database's
 *   checkpoints can roll everything back to an earlier consistent state.
 */
export const OUT_OF_MODEL = [
  {
    name: 'append a fabricated record after the newest checkpoint (rechained, head updated)',
    reason: 'inside the window after the newest anchored checkpoint (≤ N records / T seconds)',
  },
  {
    name: 'rewrite a record appended after the newest checkpoint (rechained)',
    reason: 'inside the window after the newest anchored checkpoint (≤ N records / T seconds)',
  },
  { name: 'anything signed with a stolen checkpoint key', reason: 'the key is the root of trust' },
  {
    name: 'roll back the database and the anchor together',
    reason: 'the anchor must be outside the attacker’s reach (Object Lock, witness)',
  },
];

/** Two chains, six acme records checkpointed and anchored, then two more in the unsigned window. */
export async function buildScene(harness: MatrixHarness): Promise<Scene> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const store = await harness.open();
  const anchors = new FileAnchorSink(
    join(await mkdtemp(join(tmpdir(), 'ifas-anchor-')), 'a.ndjson'),
  );
  const checkpointer = new HeadCheckpointer(
    store,
    privateKey,
    [anchors],
    { everyRecords: 1000, everyMs: 60_000 },
    () => undefined,
    (tenant) => anchors.newest(tenant),
  );
  for (let n = 1; n <= 6; n++) await store.append(sampleRecord(n));
  for (let n = 1; n <= 2; n++) await store.append(sampleRecord(n, { tenant: 'globex' }));
  await checkpointer.checkpoint();
  // Two more records after the checkpoint: the unsigned window.
  for (let n = 7; n <= 8; n++) await store.append(sampleRecord(n));
  return { store, raw: await harness.raw(store), anchors, publicKey, privateKey, checkpointer };
}

/** The outcome of one attack: what verification says, and whether retention refused the chain. */
export async function runTamperCase(
  harness: MatrixHarness,
  c: TamperCase,
): Promise<{
  ok: boolean;
  reason: string | null;
  purgeRefused: boolean | null;
  recordsLeft: number;
}> {
  const scene = await buildScene(harness);
  try {
    await c.attack(scene);
    const verdict = await verdictOf(scene, c.tenant);
    let purgeRefused: boolean | null = null;
    if ('purgeRefused' in c.expect) {
      const outcome = await scene.store.purgeBefore(
        new Date('2026-01-04T00:00:00Z'),
        scene.privateKey,
      );
      purgeRefused =
        outcome.refused.some((r) => r.tenant === 'acme') &&
        !outcome.checkpoints.some((cp) => cp.tenant === 'acme');
    }
    const left = await scene.raw.get<{ n: number | string }>(
      "SELECT COUNT(*) AS n FROM audit_records WHERE tenant = 'acme'",
    );
    return {
      ok: verdict.ok,
      reason: verdict.firstBreak?.reason ?? null,
      purgeRefused,
      recordsLeft: Number(left?.n),
    };
  } finally {
    await scene.raw.close();
    await scene.store.close();
  }
}
