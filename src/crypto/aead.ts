/**
 * AES-256-GCM with a fresh 96-bit nonce per message and caller-chosen associated data (which row the
 * ciphertext belongs to), shared by the image vault and the face-reference store.
 */

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.js';

export interface Sealed {
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** Throws a ConfigError unless `key` is 32 bytes; `what` names the setting in the message. */
export function requireAes256Key(key: Buffer, what: string): Buffer {
  if (key.length !== 32) {
    throw new ConfigError(`${what} must be 32 bytes (base64 of 32 random bytes)`);
  }
  return key;
}

export function sealAesGcm(key: Buffer, associatedData: Buffer, plaintext: Uint8Array): Sealed {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(associatedData);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, ciphertext, tag: cipher.getAuthTag() };
}

/** The plaintext; throws when the ciphertext, tag or associated data was altered. */
export function openAesGcm(key: Buffer, associatedData: Buffer, sealed: Sealed): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce);
  decipher.setAAD(associatedData);
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
}
