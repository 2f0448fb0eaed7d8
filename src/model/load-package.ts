/**
 * Opens a model package folder: parses manifest.json with zod and verifies the SHA-256 of every file
 * it lists, refusing a package with a missing, altered or unlisted graph. It does not create sessions.
 */

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { ModelPackageError } from '../errors.js';
import { MANIFEST_FILE, type Manifest, manifestSchema } from './manifest.js';
import type { VerifiedFilesCache } from './verified-files-cache.js';

export interface VerifyOptions {
  /** false skips verification (trusted read-only images only). Default true. */
  verifyHashes?: boolean;
  /** Skips files recorded as verified and unchanged since (verified-files-cache.ts); absent: hash all. */
  hashCache?: VerifiedFilesCache;
}

export interface ModelPackage {
  dir: string;
  manifest: Manifest;
  /** SHA-256 of manifest.json, which lists every file's hash: one identifier for the whole package. */
  packageHash: string;
  path(relative: string): string;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/**
 * Reads `manifest.json` from a package folder and validates it with `schema`; returns its bytes too
 * (their hash identifies the package). Shared by model packages and the face-detector package.
 */
export async function readPackageManifest<T>(
  dir: string,
  schema: z.ZodType<T>,
): Promise<{ bytes: Buffer; manifest: T }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, MANIFEST_FILE));
  } catch (error) {
    throw new ModelPackageError('MODEL_PACKAGE_NOT_FOUND', `no ${MANIFEST_FILE} in ${dir}`, {
      cause: error,
      details: { dir },
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ModelPackageError('MODEL_MANIFEST_INVALID', `${MANIFEST_FILE} is not JSON`, {
      cause: error,
      details: { dir },
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ModelPackageError(
      'MODEL_MANIFEST_INVALID',
      `invalid manifest: ${issues.join('; ')}`,
      {
        details: { dir, issues },
      },
    );
  }
  return { bytes, manifest: parsed.data };
}

async function verifyFile(
  dir: string,
  relative: string,
  expected: string,
  cache: VerifiedFilesCache | undefined,
): Promise<void> {
  const file = join(dir, relative);
  // The stat is taken before hashing, so a change during hashing leaves a record that never matches.
  const info = await stat(file, { bigint: true }).catch(() => null);
  if (!info?.isFile()) {
    throw new ModelPackageError('MODEL_FILE_TAMPERED', `package file missing: ${relative}`, {
      details: { file: relative },
    });
  }
  if (cache?.vouches(file, expected, info)) {
    return;
  }
  const actual = await sha256File(file);
  if (actual !== expected) {
    throw new ModelPackageError('MODEL_FILE_TAMPERED', `SHA-256 mismatch for ${relative}`, {
      details: { file: relative, expected, actual },
    });
  }
  cache?.record(file, actual, info);
}

/** Refuses a package in which any listed file is missing or differs from its SHA-256. */
export async function verifyPackageFiles(
  dir: string,
  files: Record<string, string>,
  cache?: VerifiedFilesCache,
): Promise<void> {
  await Promise.all(
    Object.entries(files).map(([relative, expected]) => verifyFile(dir, relative, expected, cache)),
  );
  await cache?.save();
}

/**
 * Loads and verifies a package.
 * @example const pkg = await loadModelPackage('models/ifas-mini');
 */
export async function loadModelPackage(
  dirInput: string,
  options: VerifyOptions = {},
): Promise<ModelPackage> {
  const dir = resolve(dirInput);
  const { bytes, manifest } = await readPackageManifest(dir, manifestSchema);
  if (options.verifyHashes ?? true) {
    await verifyPackageFiles(dir, manifest.files, options.hashCache);
  }
  return {
    dir,
    manifest,
    packageHash: createHash('sha256').update(bytes).digest('hex'),
    path: (relative) => join(dir, relative),
  };
}
