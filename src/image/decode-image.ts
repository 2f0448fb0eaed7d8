/**
 * Decodes untrusted image bytes into upright 8-bit RGB pixels with sharp.
 *
 * Order matters for safety: the header is read first and the pixel count checked against the limit
 * before any pixel is decoded (decompression bombs); only JPEG, PNG and WebP are accepted (no SVG, no
 * formats that pull in other decoders); EXIF orientation is applied so a phone photo is upright; a
 * truncated or corrupt stream is an error, never a half-grey image.
 */

import sharp from 'sharp';
import { InvalidImageError } from '../errors.js';

export const SUPPORTED_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type SupportedFormat = (typeof SUPPORTED_FORMATS)[number];

/** 40 megapixels: above any phone camera, far below what exhausts memory. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

export interface DecodedImage {
  /** Interleaved RGB, row-major, width × height × 3 bytes. */
  data: Buffer;
  width: number;
  height: number;
  format: SupportedFormat;
}

export interface DecodeOptions {
  maxPixels?: number;
}

function isSupported(format: string | undefined): format is SupportedFormat {
  return (SUPPORTED_FORMATS as readonly string[]).includes(format ?? '');
}

/**
 * @example const image = await decodeImage(await readFile('face.jpg'));
 * @throws InvalidImageError with code INPUT_EMPTY | INPUT_NOT_AN_IMAGE | INPUT_UNSUPPORTED_FORMAT |
 *   INPUT_TOO_MANY_PIXELS | INPUT_TRUNCATED_IMAGE
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (bytes.byteLength === 0) {
    throw new InvalidImageError('INPUT_EMPTY', 'the image is empty (zero bytes)');
  }

  // 1. Header only: format and dimensions.
  let metadata: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new InvalidImageError('INPUT_NOT_AN_IMAGE', 'the bytes are not a readable image', {
      cause: error,
    });
  }
  if (!isSupported(metadata.format)) {
    throw new InvalidImageError(
      'INPUT_UNSUPPORTED_FORMAT',
      `unsupported image format ${metadata.format ?? 'unknown'}; send JPEG, PNG or WebP`,
      { details: { format: metadata.format, supported: SUPPORTED_FORMATS } },
    );
  }
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if ((metadata.pages ?? 1) > 1) {
    throw new InvalidImageError('INPUT_UNSUPPORTED_FORMAT', 'animated images are not accepted', {
      details: { pages: metadata.pages },
    });
  }
  if (width * height > maxPixels) {
    throw new InvalidImageError(
      'INPUT_TOO_MANY_PIXELS',
      `image has ${width}×${height} pixels, over the limit of ${maxPixels}`,
      { details: { width, height, maxPixels } },
    );
  }

  // 2. Pixels: upright (EXIF orientation), sRGB, three channels, failing on truncated data.
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    }
    return { data, width: info.width, height: info.height, format: metadata.format };
  } catch (error) {
    throw new InvalidImageError('INPUT_TRUNCATED_IMAGE', 'the image data is truncated or corrupt', {
      cause: error,
      details: { format: metadata.format },
    });
  }
}
