/**
 * The audit log's hash chain: each record commits to its predecessor, so editing, deleting or
 * reordering any record breaks every link after it.
 *
 *   hash(n) = hex( SHA-256( UTF-8(JCS({ seq: n, body: body(n), prevHash: hash(n − 1) }))
 *                           ‖ UTF-8(hash(n − 1)) ) )
 *
 * JCS is RFC 8785 canonical JSON (keys sorted, so the object serialises as body, prevHash, seq);
 * hash(n − 1) is 64 lowercase hex characters and is hashed twice, inside the JSON and appended as
 * text; the result is lowercase hex. This is a compatibility contract: verifiers outside this code
 * recompute it byte for byte, so it never changes.
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
  | { seq: number; reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' | 'truncated' }
  | { seq: null; reason: 'anchor_mismatch' };

export interface ChainVerdict {
  ok: boolean;
  checked: number;
  firstBreak: ChainBreak | null;
}

/**
 * Recomputes the chain one record at a time from `anchor` (GENESIS, or a checkpoint's head hash with
 * its sequence number), so a store can verify millions of records page by page. Reports the first
 * broken link: a record whose content no longer matches its hash, one that does not point at its
 * predecessor, or a gap in the sequence (a deleted record).
 */
export class ChainVerifier {
  private expectedSeq: number;
  private prevHash: string;
  private readonly fromCheckpoint: boolean;
  checked = 0;
  firstBreak: ChainBreak | null = null;

  constructor(anchor: { seq: number; hash: string } = { seq: 0, hash: GENESIS }) {
    this.expectedSeq = anchor.seq + 1;
    this.prevHash = anchor.hash;
    this.fromCheckpoint = anchor.seq > 0;
  }

  /** Checks the next record; returns false (and keeps the first break) once the chain is broken. */
  push(record: ChainedRecord): boolean {
    if (this.firstBreak) {
      return false;
    }
    if (record.seq !== this.expectedSeq) {
      this.firstBreak = { seq: record.seq, reason: 'sequence_gap' };
    } else if (record.prevHash !== this.prevHash) {
      this.firstBreak =
        this.checked === 0 && this.fromCheckpoint
          ? { seq: null, reason: 'anchor_mismatch' }
          : { seq: record.seq, reason: 'prev_hash_mismatch' };
    } else if (linkHash(record.seq, record.body, record.prevHash) !== record.hash) {
      this.firstBreak = { seq: record.seq, reason: 'hash_mismatch' };
    } else {
      this.prevHash = record.hash;
      this.expectedSeq++;
      this.checked++;
      return true;
    }
    return false;
  }

  /**
   * Closes the walk against the head the store recorded: a head beyond the last record means the
   * newest records were deleted (truncation leaves no gap to see otherwise).
   */
  finish(head?: { seq: number; hash: string }): ChainVerdict {
    if (
      !this.firstBreak &&
      head &&
      (head.seq !== this.expectedSeq - 1 || head.hash !== this.prevHash)
    ) {
      this.firstBreak = { seq: this.expectedSeq, reason: 'truncated' };
    }
    return { ok: this.firstBreak === null, checked: this.checked, firstBreak: this.firstBreak };
  }
}

export function verifyChain(
  records: readonly ChainedRecord[],
  anchor?: { seq: number; hash: string },
): ChainVerdict {
  const verifier = new ChainVerifier(anchor);
  for (const record of records) {
    if (!verifier.push(record)) break;
  }
  return verifier.finish();
}
