/**
 * Verifying one tenant's chain, whatever the store: start from the latest checkpoint (its signature
 * checked when a key is given) or genesis, walk the records page by page, and close against the
 * stored head so a truncated tail is seen too. The stores supply only the reads.
 */

import type { KeyObject } from 'node:crypto';
import type { StoreVerdict } from './audit-store.js';
import { type Checkpoint, checkpointIsAuthentic } from './checkpoint.js';
import { ChainVerifier } from './hash-chain.js';
import { type RecordRow, storedOf } from './store-rows.js';

export const VERIFY_PAGE = 1000;

export interface ChainReads {
  checkpoint: Checkpoint | null;
  /** Records with seq > afterSeq, in order, at most `limit`. */
  page(afterSeq: number, limit: number): Promise<RecordRow[]>;
  head(): Promise<{ seq: number; hash: string } | undefined>;
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
  let after = checkpoint?.seq ?? 0;
  for (;;) {
    const rows = await reads.page(after, VERIFY_PAGE);
    const intact = rows.every((row) => {
      const stored = storedOf(row);
      return verifier.push({
        seq: stored.seq,
        prevHash: stored.prevHash,
        hash: stored.hash,
        body: stored.record as unknown as Record<string, unknown>,
      });
    });
    const last = rows[rows.length - 1];
    if (!intact || !last || rows.length < VERIFY_PAGE) break;
    after = Number(last.seq);
  }
  const verdict = verifier.finish(await reads.head());
  return {
    ...verdict,
    ok: verdict.ok && authentic !== false,
    tenant,
    checkpoint,
    checkpointAuthentic: authentic,
  };
}
