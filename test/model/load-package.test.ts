import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelPackageError } from '../../src/errors.js';
import { loadModelPackage } from '../../src/model/load-package.js';
import { copyTinyPackage, HF_TINY_PACKAGE, TINY_PACKAGE } from '../support/fixtures.js';

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelPackageError);
  expect((error as ModelPackageError).code).toBe(code);
}

async function editManifest(
  dir: string,
  edit: (manifest: Record<string, unknown>) => void,
): Promise<void> {
  const file = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
}

function calibration(temperature: number, uncertainBand: [number, number]): object {
  return { calibration: { method: 'temperature', temperature, uncertainBand, provenance: 'dev' } };
}

describe('Function: loadModelPackage', () => {
  it('loads the fixture package and identifies it by the manifest hash', async () => {
    // Act
    const pkg = await loadModelPackage(TINY_PACKAGE);
    // Assess
    expect(pkg.manifest.name).toBe('ifas-tiny');
    expect(pkg.manifest.status).toBe('untrained');
    expect(pkg.packageHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a graph whose bytes were changed', async () => {
    const dir = await copyTinyPackage();
    await appendFile(join(dir, 'decoder_model_merged.onnx'), Buffer.from([0]));
    await expectCode(loadModelPackage(dir), 'MODEL_FILE_TAMPERED');
  });

  it('refuses a package with a listed file missing', async () => {
    const dir = await copyTinyPackage();
    await rm(join(dir, 'tokenizer.json'));
    await expectCode(loadModelPackage(dir), 'MODEL_FILE_TAMPERED');
  });

  it('refuses a package whose ONNX external-data file was changed', async () => {
    // Prepare
    const dir = await copyTinyPackage(HF_TINY_PACKAGE);
    await appendFile(join(dir, 'decoder_model_merged.onnx.data'), Buffer.from([0]));
    // Act, Assess
    await expectCode(loadModelPackage(dir), 'MODEL_FILE_TAMPERED');
  });

  it.each([
    [
      'format 2 without precision',
      (m: Record<string, unknown>) => {
        delete m.precision;
      },
    ],
    [
      'precision under format 1',
      (m: Record<string, unknown>) => Object.assign(m, { formatVersion: 1 }),
    ],
    [
      'external data without a hash',
      (m: Record<string, unknown>) => {
        const files = m.files as Record<string, string>;
        delete files['decoder_model_merged.onnx.data'];
      },
    ],
    [
      'external data of a file that is not a graph',
      (m: Record<string, unknown>) => Object.assign(m, { externalData: { 'tokenizer.json': [] } }),
    ],
    [
      'an unknown cache precision',
      (m: Record<string, unknown>) =>
        Object.assign(m, { precision: { weights: 'float16', kvCache: 'int8' } }),
    ],
  ])('refuses an imported-package manifest with %s', async (_name, edit) => {
    const dir = await copyTinyPackage(HF_TINY_PACKAGE);
    await editManifest(dir, edit);
    await expectCode(loadModelPackage(dir, { verifyHashes: false }), 'MODEL_MANIFEST_INVALID');
  });

  it('refuses a folder without a manifest', async () => {
    await expectCode(
      loadModelPackage(join(TINY_PACKAGE, 'transformers-js')),
      'MODEL_PACKAGE_NOT_FOUND',
    );
  });

  it('refuses a manifest that is not JSON', async () => {
    const dir = await copyTinyPackage();
    await writeFile(join(dir, 'manifest.json'), '{"formatVersion": 1,');
    await expectCode(loadModelPackage(dir), 'MODEL_MANIFEST_INVALID');
  });

  it.each([
    [
      'an unknown format version',
      (m: Record<string, unknown>) => Object.assign(m, { formatVersion: 3 }),
    ],
    [
      'a path escaping the package',
      (m: Record<string, unknown>) => Object.assign(m, { tokenizer: '../../etc/passwd' }),
    ],
    ['a graph without a hash', (m: Record<string, unknown>) => Object.assign(m, { files: {} })],
    [
      'live and spoof sharing a token',
      (m: Record<string, unknown>) => {
        const judgment = m.judgment as { live: { tokenId: number }; spoof: { tokenId: number } };
        judgment.spoof.tokenId = judgment.live.tokenId;
      },
    ],
    [
      'a missing threshold',
      (m: Record<string, unknown>) => {
        delete m.threshold;
      },
    ],
    [
      'an uncertain band whose low end is above its high end',
      (m: Record<string, unknown>) => Object.assign(m, calibration(2, [0.6, 0.4])),
    ],
    [
      'a non-positive calibration temperature',
      (m: Record<string, unknown>) => Object.assign(m, calibration(0, [0.4, 0.6])),
    ],
  ])('refuses a manifest with %s', async (_name, edit) => {
    const dir = await copyTinyPackage();
    await editManifest(dir, edit);
    await expectCode(loadModelPackage(dir, { verifyHashes: false }), 'MODEL_MANIFEST_INVALID');
  });
});
