/**
 * The key that signs Security Event Tokens: ES256 (P-256), kept as a PKCS#8 PEM (created on first
 * start with mode 600 in the data folder, or supplied by the deployment). Its public half is
 * published as a JWKS with the RFC 7638 thumbprint as `kid`, so receivers (Okta ITP, any SSF
 * receiver) verify our SETs against /.well-known/jwks.json.
 */

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';

export interface SetSigningKey {
  privateKey: KeyObject;
  kid: string;
  alg: 'ES256';
  jwks: { keys: JWK[] };
}

export async function setSigningKeyFromPem(pem: string | Buffer): Promise<SetSigningKey> {
  const privateKey = createPrivateKey(pem);
  const publicJwk = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateKey,
    kid,
    alg: 'ES256',
    jwks: { keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] },
  };
}

export async function loadSetSigningKey(file: string): Promise<SetSigningKey> {
  try {
    return await setSigningKeyFromPem(await readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    format: 'pem',
    type: 'pkcs8',
  });
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return setSigningKeyFromPem(await readFile(file));
}

/** The SET key from the configured PEM (a secret store), else from the key file. */
export function setSigningKeyFor(config: {
  setSigningKeyPem: string | null;
  setSigningKeyFile: string;
}): Promise<SetSigningKey> {
  return config.setSigningKeyPem
    ? setSigningKeyFromPem(config.setSigningKeyPem)
    : loadSetSigningKey(config.setSigningKeyFile);
}
