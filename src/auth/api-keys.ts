/**
 * API keys: `ifas_<id>_<secret>`. The id finds the row; only SHA-256 of the 256-bit random secret is
 * stored (a slow password hash adds nothing for a secret with that much entropy), and the comparison
 * runs in constant time. Keys belong to one tenant, carry scopes, and rotate by issuing a successor
 * while the old key keeps working for a grace period.
 */

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyStore } from '../audit/api-key-table.js';
import type { ApiKeyRow } from '../audit/audit-store.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { Scope } from './scopes.js';

const KEY_PATTERN = /^ifas_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface IssuedKey {
  /** The full key: shown once, never stored. */
  key: string;
  row: ApiKeyRow;
}

function secretHash(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Splits a presented key into id and secret; null when it is not shaped like one of ours. */
export function parseApiKey(presented: string): { id: string; secret: string } | null {
  const match = KEY_PATTERN.exec(presented);
  return match?.[1] && match[2] ? { id: match[1], secret: match[2] } : null;
}

export function looksLikeApiKey(presented: string): boolean {
  return presented.startsWith('ifas_');
}

export async function issueApiKey(
  store: ApiKeyStore,
  options: { tenant: string; name: string; scopes: readonly Scope[]; now?: Date },
): Promise<IssuedKey> {
  if (!TENANT_PATTERN.test(options.tenant)) {
    throw new ValidationError(
      'tenant must be 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit',
    );
  }
  if (options.scopes.length === 0) {
    throw new ValidationError('a key needs at least one scope');
  }
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const row: ApiKeyRow = {
    id,
    tenant: options.tenant,
    name: options.name,
    scopes: [...options.scopes],
    secretHash: secretHash(secret).toString('hex'),
    createdAt: (options.now ?? new Date()).toISOString(),
    expiresAt: null,
    revokedAt: null,
  };
  await store.insertApiKey(row);
  return { key: `ifas_${id}_${secret}`, row };
}

/**
 * Issues a successor with the same tenant, name and scopes; the old key stays valid for
 * `graceSeconds` so callers can switch without an outage.
 */
export async function rotateApiKey(
  store: ApiKeyStore,
  id: string,
  graceSeconds: number,
  now = new Date(),
): Promise<IssuedKey> {
  const old = await store.findApiKey(id);
  // An expired key stays dead: rotating it must not revive it for a fresh grace period.
  if (!old || old.revokedAt !== null || hasExpired(old, now)) {
    throw new NotFoundError(`no active API key ${id}`);
  }
  const successor = await issueApiKey(store, {
    tenant: old.tenant,
    name: old.name,
    scopes: old.scopes as Scope[],
    now,
  });
  // A key already in a grace period never gets a later expiry from a second rotation.
  const graceEnd = now.getTime() + graceSeconds * 1000;
  const expiresAt =
    old.expiresAt === null ? graceEnd : Math.min(Date.parse(old.expiresAt), graceEnd);
  await store.updateApiKey(id, { expiresAt: new Date(expiresAt).toISOString() });
  return successor;
}

export async function revokeApiKey(
  store: ApiKeyStore,
  id: string,
  now = new Date(),
): Promise<void> {
  if (!(await store.findApiKey(id))) {
    throw new NotFoundError(`no API key ${id}`);
  }
  await store.updateApiKey(id, { revokedAt: now.toISOString() });
}

/** The key's row when the presented key is genuine, current and unrevoked; otherwise null. */
export async function verifyApiKey(
  store: ApiKeyStore,
  presented: string,
  now = new Date(),
): Promise<ApiKeyRow | null> {
  const parsed = parseApiKey(presented);
  if (!parsed) {
    return null;
  }
  const row = await store.findApiKey(parsed.id);
  // Hash even when the id is unknown so timing does not reveal which ids exist.
  const expected = row ? Buffer.from(row.secretHash, 'hex') : Buffer.alloc(32);
  const genuine = timingSafeEqual(secretHash(parsed.secret), expected);
  if (!row || !genuine || row.revokedAt !== null) {
    return null;
  }
  return hasExpired(row, now) ? null : row;
}

/** What a key row amounts to now: `expiring` is a rotated key still in its grace period. */
export function keyState(
  row: ApiKeyRow,
  now = new Date(),
): 'active' | 'expiring' | 'expired' | 'revoked' {
  if (row.revokedAt !== null) return 'revoked';
  if (hasExpired(row, now)) return 'expired';
  return row.expiresAt === null ? 'active' : 'expiring';
}

function hasExpired(row: ApiKeyRow, now: Date): boolean {
  return row.expiresAt !== null && Date.parse(row.expiresAt) <= now.getTime();
}
