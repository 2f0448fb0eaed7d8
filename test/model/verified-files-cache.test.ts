import { chmod, mkdtemp, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelPackageError } from '../../src/errors.js';
import { loadModelPackage } from '../../src/model/load-package.js';
import { MAX_RECORDED_FILES, VerifiedFilesCache } from '../../src/model/verified-files-cache.js';
import { copyTinyPackage } from '../support/fixtures.js';

const GRAPH = 'decoder_model_merged.onnx';

async function cacheFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'ifas-verified-')), 'nested', 'verified-files.json');
}

async function loadError(promise: Promise<unknown>): Promise<string | null> {
  return promise.then(
    () => null,
    (error: unknown) => (error instanceof ModelPackageError ? error.code : String(error)),
  );
}

/** A copy of the tiny package verified once into a fresh record; the graph's path and its hash. */
async function verifiedOnce(): Promise<{
  dir: string;
  file: string;
  graph: string;
  expected: string;
}> {
  const dir = await copyTinyPackage();
  const file = await cacheFile();
  await loadModelPackage(dir, { hashCache: await VerifiedFilesCache.open(file) });
  const graph = join(dir, GRAPH);
  const record = JSON.parse(await readFile(file, 'utf8')) as {
    files: Record<string, { sha256: string }>;
  };
  return { dir, file, graph, expected: record.files[graph]?.sha256 ?? '' };
}

/** Same length, one byte flipped, mtime put back: only ctime (and the bytes) tell. */
async function tamperKeepingSizeAndMtime(file: string): Promise<void> {
  const before = await stat(file);
  const bytes = await readFile(file);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
  await writeFile(file, bytes);
  await utimes(file, before.atime, before.mtime);
}

describe('Class: VerifiedFilesCache', () => {
  it('records verified files in a private file and vouches for them on the next start', async () => {
    // Act
    const { file, graph, expected } = await verifiedOnce();
    const info = await stat(file, { bigint: true });
    const cache = await VerifiedFilesCache.open(file);
    // Assess
    expect(Number(info.mode & 0o777n)).toBe(0o600);
    expect(cache.vouches(graph, expected, await stat(graph, { bigint: true }))).toBe(true);
    expect(cache.vouches(graph, '0'.repeat(64), await stat(graph, { bigint: true }))).toBe(false);
  });

  it('still catches a file tampered after the record was written (same size, mtime restored)', async () => {
    // Arrange
    const { dir, file, graph } = await verifiedOnce();
    // Act
    await tamperKeepingSizeAndMtime(graph);
    // Assess: ctime changed, so the cached start hashes the file again.
    expect(
      await loadError(loadModelPackage(dir, { hashCache: await VerifiedFilesCache.open(file) })),
    ).toBe('MODEL_FILE_TAMPERED');
  });

  it('trusts a forged record on a cached start, but a full verification (--verify) catches it', async () => {
    // Arrange: tamper, then forge the record as someone able to write it would.
    const { dir, file, graph, expected } = await verifiedOnce();
    await tamperKeepingSizeAndMtime(graph);
    const forged = await VerifiedFilesCache.open(file);
    forged.record(graph, expected, await stat(graph, { bigint: true }));
    await forged.save();
    // Act
    const cached = await loadError(
      loadModelPackage(dir, { hashCache: await VerifiedFilesCache.open(file) }),
    );
    const refreshed = await loadError(
      loadModelPackage(dir, {
        hashCache: await VerifiedFilesCache.open(file, { trust: false }),
      }),
    );
    const full = await loadError(loadModelPackage(dir));
    // Assess: the documented limit of the record, and the way around it.
    expect(cached).toBeNull();
    expect(refreshed).toBe('MODEL_FILE_TAMPERED');
    expect(full).toBe('MODEL_FILE_TAMPERED');
  });

  it('ignores a record writable by others and a malformed one', async () => {
    // Arrange
    const { file, graph, expected } = await verifiedOnce();
    const info = await stat(graph, { bigint: true });
    // Act
    await chmod(file, 0o666);
    const loose = await VerifiedFilesCache.open(file);
    await chmod(file, 0o600);
    await writeFile(file, '{"version": 1, "files": {"x": 1}}');
    const malformed = await VerifiedFilesCache.open(file);
    // Assess
    expect(loose.vouches(graph, expected, info)).toBe(false);
    expect(malformed.vouches(graph, expected, info)).toBe(false);
  });

  it('keeps only the most recently verified files', async () => {
    // Arrange
    const { file, graph, expected } = await verifiedOnce();
    const info = await stat(graph, { bigint: true });
    const cache = await VerifiedFilesCache.open(file);
    // Act: the graph was recorded first; as many newer entries push it out.
    for (let n = 0; n < MAX_RECORDED_FILES; n++) cache.record(`/elsewhere/${n}`, expected, info);
    await cache.save();
    const reopened = await VerifiedFilesCache.open(file);
    // Assess
    expect(reopened.vouches(graph, expected, info)).toBe(false);
    expect(reopened.vouches(`/elsewhere/${MAX_RECORDED_FILES - 1}`, expected, info)).toBe(true);
  });
});
