import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { InvalidImageError } from '../../src/errors.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { SAMPLE_PORTRAIT } from '../support/fixtures.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidImageError);
  return (error as InvalidImageError).code;
}

/** A 40×20 image: left half red, right half blue, so orientation is visible in the pixels. */
async function landscape(): Promise<ReturnType<typeof sharp>> {
  const left = await sharp({
    create: { width: 20, height: 20, channels: 3, background: '#ff0000' },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width: 40, height: 20, channels: 3, background: '#0000ff' } }).composite(
    [{ input: left, left: 0, top: 0 }],
  );
}

describe('Function: decodeImage', () => {
  it.each(['jpeg', 'png', 'webp'] as const)('decodes %s to upright RGB', async (format) => {
    const bytes = await (await landscape()).toFormat(format).toBuffer();
    const image = await decodeImage(bytes);
    expect([image.width, image.height, image.format]).toEqual([40, 20, format]);
    expect(image.data.length).toBe(40 * 20 * 3);
  });

  it('applies EXIF orientation (6 = rotate 90° clockwise)', async () => {
    const bytes = await (await landscape()).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await decodeImage(bytes);
    expect([image.width, image.height]).toEqual([20, 40]);
    // After a clockwise turn the red (formerly left) half is on top.
    expect(image.data[0]).toBeGreaterThan(200);
    expect(image.data[2]).toBeLessThan(60);
    const bottom = (39 * 20 + 10) * 3;
    expect(image.data[bottom + 2]).toBeGreaterThan(200);
  });

  it('turns greyscale and alpha images into three channels', async () => {
    const grey = await sharp({
      create: { width: 8, height: 8, channels: 4, background: { r: 9, g: 9, b: 9, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const image = await decodeImage(grey);
    expect(image.data.length).toBe(8 * 8 * 3);
  });

  it('rejects zero bytes', async () => {
    expect(await codeOf(decodeImage(new Uint8Array(0)))).toBe('INPUT_EMPTY');
  });

  it('rejects bytes that are not an image', async () => {
    expect(await codeOf(decodeImage(Buffer.from('{"hello": "world"}')))).toBe('INPUT_NOT_AN_IMAGE');
  });

  it.each(['gif', 'tiff'] as const)('rejects %s as unsupported', async (format) => {
    const bytes = await (await landscape()).toFormat(format).toBuffer();
    expect(await codeOf(decodeImage(bytes))).toBe('INPUT_UNSUPPORTED_FORMAT');
  });

  it('rejects SVG (no vector rendering of untrusted input)', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    expect(await codeOf(decodeImage(svg))).toBe('INPUT_UNSUPPORTED_FORMAT');
  });

  it('rejects a truncated JPEG', async () => {
    const bytes = await readFile(SAMPLE_PORTRAIT);
    expect(await codeOf(decodeImage(bytes.subarray(0, Math.floor(bytes.length / 2))))).toBe(
      'INPUT_TRUNCATED_IMAGE',
    );
  });

  it('rejects a truncated PNG', async () => {
    const bytes = await sharp(await readFile(SAMPLE_PORTRAIT))
      .png()
      .toBuffer();
    expect(await codeOf(decodeImage(bytes.subarray(0, Math.floor(bytes.length * 0.6))))).toBe(
      'INPUT_TRUNCATED_IMAGE',
    );
  });

  it('rejects a decompression bomb from its header, before decoding pixels', async () => {
    // 10000×10000 of one colour compresses to a few kB but would decode to 300 MB.
    const bomb = await sharp({
      create: { width: 10_000, height: 10_000, channels: 3, background: '#000' },
    })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(1_000_000);
    expect(await codeOf(decodeImage(bomb))).toBe('INPUT_TOO_MANY_PIXELS');
  });

  it('honours a caller-chosen pixel limit', async () => {
    const bytes = await (await landscape()).png().toBuffer();
    expect(await codeOf(decodeImage(bytes, { maxPixels: 799 }))).toBe('INPUT_TOO_MANY_PIXELS');
    await expect(decodeImage(bytes, { maxPixels: 800 })).resolves.toMatchObject({ width: 40 });
  });
});
