/**
 * The audit log's hash chain: each record commits to its predecessor, so editing, deleting or
 * reordering any record breaks every link after it.
 *
 *   hash(n) = SHA-256( RFC 8785 canonical JSON of record n without its hash  ‖  hash(n − 1) )
 *
 * The first record links to GENESIS, or, after a retention purge, to the hash a signed checkpoint
 * vouches for (see checkpoint.ts). Canonical JSON comes from the `canonicalize` library (RFC 8785 JCS)
 * so key order and number formatting never make hashes drift. Knows records, not storage.
 */

import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export const GENESIS = '0'.repeat(64);

/** A stored record: `seq` orders the chain, `prevHash`/`hash` link it; `body` is the audited content. */
export interface ChainedRecord {
  seq: number;
  prevHash: string;
  hash: string;
  body: Record<string, unknown>;
}

export function linkHash(seq: number, body: Record<string, unknown>, prevHash: string): string {
  const canonical = canonicalize({ seq, body, prevHash });
  if (canonical === undefined) {
    throw new TypeError('audit record is not JSON-serialisable');
  }
  return createHash('sha256').update(canonical).update(prevHash).digest('hex');
}

export type ChainBreak =
  | { seq: number; reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' }
  | { seq: null; reason: 'anchor_mismatch' };

export interface ChainVerdict {
  ok: boolean;
  checked: number;
  firstBreak: ChainBreak | null;
}

/**
 * Recomputes the chain from `anchor` (GENESIS, or a checkpoint's head hash with its sequence number).
 * Reports the first broken link: a record whose content no longer matches its hash, one that does not
 * point at its predecessor, or a gap in the sequence (a deleted record).
 */
export function verifyChain(
  records: readonly ChainedRecord[],
  anchor: { seq: number; hash: string } = { seq: 0, hash: GENESIS },
): ChainVerdict {
  let expectedSeq = anchor.seq + 1;
  let prevHash = anchor.hash;
  for (const [index, record] of records.entries()) {
    if (record.seq !== expectedSeq) {
      return { ok: false, checked: index, firstBreak: { seq: record.seq, reason: 'sequence_gap' } };
    }
    if (record.prevHash !== prevHash) {
      const reason = index === 0 && anchor.seq > 0 ? 'anchor_mismatch' : 'prev_hash_mismatch';
      return {
        ok: false,
        checked: index,
        firstBreak:
          reason === 'anchor_mismatch' ? { seq: null, reason } : { seq: record.seq, reason },
      };
    }
    if (linkHash(record.seq, record.body, record.prevHash) !== record.hash) {
      return {
        ok: false,
        checked: index,
        firstBreak: { seq: record.seq, reason: 'hash_mismatch' },
      };
    }
    prevHash = record.hash;
    expectedSeq++;
  }
  return { ok: true, checked: records.length, firstBreak: null };
}
