/**
 * Verifying one tenant's chain, whatever the store: start from the latest purge checkpoint (its
 * signature checked when a key is given) or genesis, walk the records page by page, and check on the
 * way that
 *
 * - every link and hash recomputes (hash-chain.ts);
 * - every column used for filtering or purging (tenant, check id, client request id, time, subject,
 *   decision, attack medium, model version) equals the hashed record, so editing a column alone —
 *   which would make a `decision=spoof` query miss a spoof — is seen;
 * - the record at each signed head checkpoint's position (from the database and the newest one from
 *   the anchor outside it) has exactly the checkpointed hash, so a chain rewritten with recomputed
 *   hashes is seen up to the newest checkpoint;
 * - nothing is missing at the end: the walk reaches the stored head and every checkpointed position.
 *
 * The stores supply only the reads.
 */

import type { KeyObject } from 'node:crypto';
import type { AuditRecord } from './audit-record.js';
import type { StoreVerdict } from './audit-store.js';
import { type Checkpoint, checkpointIsAuthentic } from './checkpoint.js';
import { ChainVerifier } from './hash-chain.js';
import { type IndexedRecordRow, storedOf } from './store-rows.js';

export const VERIFY_PAGE = 1000;

export interface ChainReads {
  /** The newest purge checkpoint: where the remaining chain starts. */
  checkpoint: Checkpoint | null;
  /** Signed head checkpoints the chain must agree with (database and anchor), any order. */
  commitments: readonly Checkpoint[];
  /** Whether a signed registration says this tenant exists (so an empty chain is a deleted one). */
  registered?: boolean;
  /** Records with seq > afterSeq, in order, at most `limit`, with their indexed columns. */
  page(afterSeq: number, limit: number): Promise<IndexedRecordRow[]>;
  head(): Promise<{ seq: number; hash: string } | undefined>;
}

/** The first indexed column that disagrees with the hashed record, or null. */
function columnMismatch(row: IndexedRecordRow, record: AuditRecord): string | null {
  const sameTime = (value: unknown) =>
    Date.parse(value instanceof Date ? value.toISOString() : String(value)) ===
    Date.parse(record.time);
  const checks: Array<[string, boolean]> = [
    ['tenant', row.tenant === record.tenant],
    ['check_id', row.check_id === record.checkId],
    ['client_request_id', row.client_request_id === record.request.clientRequestId],
    ['time', sameTime(row.time)],
    ['subject', row.subject === record.subject],
    ['decision', row.decision === record.decision],
    ['attack_medium', row.attack_medium === record.attackMedium],
    ['model_version', row.model_version === record.model.version],
  ];
  return checks.find(([, same]) => !same)?.[0] ?? null;
}

export async function verifyTenantChain(
  tenant: string,
  reads: ChainReads,
  checkpointKey?: KeyObject,
): Promise<StoreVerdict> {
  const { checkpoint } = reads;
  const authentic =
    checkpoint && checkpointKey ? checkpointIsAuthentic(checkpoint, checkpointKey) : null;
  const verifier = new ChainVerifier(
    checkpoint ? { seq: checkpoint.seq, hash: checkpoint.headHash } : undefined,
  );
  const start = checkpoint?.seq ?? 0;
  // Checkpoints at or before the purge anchor cover records that are gone by design.
  const commitments = reads.commitments.filter((c) => c.seq > start);
  for (const c of commitments) {
    if (checkpointKey && !checkpointIsAuthentic(c, checkpointKey)) {
      verifier.fail({ seq: c.seq, reason: 'checkpoint_forged' });
    }
  }
  const expected = new Map(commitments.map((c) => [c.seq, c.headHash]));
  let after = start;
  for (;;) {
    const rows = await reads.page(after, VERIFY_PAGE);
    const intact = rows.every((row) => {
      const stored = storedOf(row);
      if (
        !verifier.push({
          seq: stored.seq,
          prevHash: stored.prevHash,
          hash: stored.hash,
          body: stored.record as unknown as Record<string, unknown>,
        })
      ) {
        return false;
      }
      if (columnMismatch(row, stored.record) !== null) {
        verifier.fail({ seq: stored.seq, reason: 'column_mismatch' });
        return false;
      }
      const committed = expected.get(stored.seq);
      if (committed !== undefined && committed !== stored.hash) {
        verifier.fail({ seq: stored.seq, reason: 'checkpoint_mismatch' });
        return false;
      }
      return true;
    });
    const last = rows[rows.length - 1];
    if (!intact || !last || rows.length < VERIFY_PAGE) break;
    after = Number(last.seq);
  }
  const reached = verifier.last.seq;
  const furthest = Math.max(0, ...commitments.map((c) => c.seq));
  if ((reads.registered || furthest > 0) && reached === 0 && start === 0) {
    verifier.fail({ seq: null, reason: 'chain_missing' });
  }
  if (furthest > reached) verifier.fail({ seq: reached + 1, reason: 'truncated' });
  const verdict = verifier.finish(await reads.head());
  return {
    ...verdict,
    ok: verdict.ok && authentic !== false,
    tenant,
    checkpoint,
    checkpointAuthentic: authentic,
    newestCommitment:
      commitments.length === 0
        ? null
        : commitments.reduce((newest, c) => (c.seq > newest.seq ? c : newest)),
  };
}
