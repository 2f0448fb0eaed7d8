/**
 * Secrets the embedded default keeps on disk under the data folder (mode 0600), created on first
 * start so `npm start` needs nothing configured: the Ed25519 key that signs retention checkpoints
 * and the HMAC key that hashes subject ids. Deployments pass their own (environment or secret store).
 */

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

async function readOrCreate(file: string, create: () => string | Buffer): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  try {
    // wx: two processes starting at once must not overwrite each other's key.
    await writeFile(file, create(), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFile(file);
}

export interface CheckpointKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function checkpointKeysFromPem(pem: string | Buffer): CheckpointKeys {
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export async function loadCheckpointKeys(file: string): Promise<CheckpointKeys> {
  const pem = await readOrCreate(file, () =>
    generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }),
  );
  return checkpointKeysFromPem(pem);
}

export async function loadSubjectHashKey(file: string): Promise<Buffer> {
  const encoded = await readOrCreate(file, () => randomBytes(32).toString('base64'));
  return Buffer.from(encoded.toString('utf8').trim(), 'base64');
}

/** The checkpoint keys from the configured PEM (a secret store), else from the key file. */
export async function checkpointKeysFor(config: {
  checkpointPrivateKey: string | null;
  checkpointKeyFile: string;
}): Promise<CheckpointKeys> {
  return config.checkpointPrivateKey
    ? checkpointKeysFromPem(config.checkpointPrivateKey)
    : loadCheckpointKeys(config.checkpointKeyFile);
}
