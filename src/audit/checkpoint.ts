/**
 * Signed checkpoints, Ed25519 (node:crypto) over RFC 8785 canonical JSON. Two kinds:
 *
 * - `purge`: when retention deletes the oldest records, the sequence number and hash of the last
 *   deleted one, so the records that remain verify from a trusted anchor. Signed bytes unchanged
 *   since the first release: `{tenant, seq, headHash, createdAt, purged}`.
 * - `head`: the chain's head every N records, every T seconds and at shutdown, so rewriting or
 *   truncating anything up to the newest checkpoint is detectable by anyone with the public key.
 *   Signed bytes `{v: 2, kind: 'head', tenant, seq, headHash, createdAt}` — `kind` in the signed
 *   bytes means neither kind's signature can be passed off as the other's.
 *
 * A tenant registration (`{v: 2, kind: 'tenant', tenant, registeredAt}`) is signed the first time a
 * tenant's head is checkpointed, so deleting a whole tenant's chain leaves a signed trace behind.
 */

import { type KeyObject, sign, verify } from 'node:crypto';
import canonicalize from 'canonicalize';

export type CheckpointKind = 'purge' | 'head';

export interface Checkpoint {
  /** Whose chain (each tenant's log is its own chain). */
  tenant: string;
  kind: CheckpointKind;
  /** Sequence number of the last purged record (purge) or of the head (head). */
  seq: number;
  /** Its hash: for a purge, the prevHash of the first remaining record. */
  headHash: string;
  /** When it was made (ISO 8601). */
  createdAt: string;
  /** Records purged by this checkpoint (0 for a head checkpoint). */
  purged: number;
  /** Ed25519 signature over the canonical JSON of the signed fields, base64url. */
  signature: string;
}

export interface TenantRegistration {
  tenant: string;
  registeredAt: string;
  signature: string;
}

type Unsigned<T> = Omit<T, 'signature'>;

function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value) ?? '');
}

function signedBytes(checkpoint: Unsigned<Checkpoint>): Buffer {
  const { tenant, seq, headHash, createdAt, purged } = checkpoint;
  return checkpoint.kind === 'purge'
    ? canonicalBytes({ tenant, seq, headHash, createdAt, purged })
    : canonicalBytes({ v: 2, kind: 'head', tenant, seq, headHash, createdAt });
}

const registrationBytes = ({ tenant, registeredAt }: Unsigned<TenantRegistration>) =>
  canonicalBytes({ v: 2, kind: 'tenant', tenant, registeredAt });

const signed = (bytes: Buffer, key: KeyObject) => sign(null, bytes, key).toString('base64url');

const authentic = (bytes: Buffer, key: KeyObject, signature: string) => {
  try {
    return verify(null, bytes, key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
};

export function signCheckpoint(fields: Unsigned<Checkpoint>, privateKey: KeyObject): Checkpoint {
  return { ...fields, signature: signed(signedBytes(fields), privateKey) };
}

export function checkpointIsAuthentic(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  return authentic(signedBytes(checkpoint), publicKey, checkpoint.signature);
}

export function signRegistration(
  fields: Unsigned<TenantRegistration>,
  privateKey: KeyObject,
): TenantRegistration {
  return { ...fields, signature: signed(registrationBytes(fields), privateKey) };
}

export function registrationIsAuthentic(
  registration: TenantRegistration,
  publicKey: KeyObject,
): boolean {
  return authentic(registrationBytes(registration), publicKey, registration.signature);
}
