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

async function verifyFile(dir: string, relative: string, expected: string): Promise<void> {
  const file = join(dir, relative);
  const exists = await stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!exists) {
    throw new ModelPackageError('MODEL_FILE_TAMPERED', `package file missing: ${relative}`, {
      details: { file: relative },
    });
  }
  const actual = await sha256File(file);
  if (actual !== expected) {
    throw new ModelPackageError('MODEL_FILE_TAMPERED', `SHA-256 mismatch for ${relative}`, {
      details: { file: relative, expected, actual },
    });
  }
}

/** Refuses a package in which any listed file is missing or differs from its SHA-256. */
export async function verifyPackageFiles(
  dir: string,
  files: Record<string, string>,
): Promise<void> {
  await Promise.all(
    Object.entries(files).map(([relative, expected]) => verifyFile(dir, relative, expected)),
  );
}

/**
 * Loads and verifies a package.
 * @example const pkg = await loadModelPackage('models/ifas-lite0');
 */
export async function loadModelPackage(
  dirInput: string,
  options: { verifyHashes?: boolean } = {},
): Promise<ModelPackage> {
  const dir = resolve(dirInput);
  const { bytes, manifest } = await readPackageManifest(dir, manifestSchema);
  if (options.verifyHashes ?? true) {
    await verifyPackageFiles(dir, manifest.files);
  }
  return {
    dir,
    manifest,
    packageHash: createHash('sha256').update(bytes).digest('hex'),
    path: (relative) => join(dir, relative),
  };
}
