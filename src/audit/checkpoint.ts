/**
 * Signed checkpoints: when retention purges the oldest records, a checkpoint signed with Ed25519
 * (node:crypto) records the sequence number and hash of the last purged record, so the records that
 * remain still verify from a trusted anchor. The signature covers RFC 8785 canonical JSON.
 */

import { type KeyObject, sign, verify } from 'node:crypto';
import canonicalize from 'canonicalize';

export interface Checkpoint {
  /** Whose chain (each tenant's log is its own chain). */
  tenant: string;
  /** Sequence number of the last purged record. */
  seq: number;
  /** Its hash: the prevHash of the first remaining record. */
  headHash: string;
  /** When the purge ran (ISO 8601). */
  createdAt: string;
  /** Records purged by this checkpoint. */
  purged: number;
  /** Ed25519 signature over the canonical JSON of the fields above, base64url. */
  signature: string;
}

function signedBytes(checkpoint: Omit<Checkpoint, 'signature'>): Buffer {
  const { tenant, seq, headHash, createdAt, purged } = checkpoint;
  return Buffer.from(canonicalize({ tenant, seq, headHash, createdAt, purged }) ?? '');
}

export function signCheckpoint(
  fields: Omit<Checkpoint, 'signature'>,
  privateKey: KeyObject,
): Checkpoint {
  return {
    ...fields,
    signature: sign(null, signedBytes(fields), privateKey).toString('base64url'),
  };
}

export function checkpointIsAuthentic(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  return verify(
    null,
    signedBytes(checkpoint),
    publicKey,
    Buffer.from(checkpoint.signature, 'base64url'),
  );
}
