/**
 * Decodes untrusted image bytes into upright 8-bit RGB pixels with sharp.
 *
 * Order matters for safety: the file signature must be JPEG, PNG or WebP before libvips sees the bytes
 * (no SVG, no formats that pull in other decoders); the pixel count from the header is checked against
 * the limit before any pixel is decoded (decompression bombs); EXIF orientation is applied so a phone
 * photo is upright; a truncated or corrupt stream is an error, never a half-grey image. Animated
 * WebP/PNG are judged on their first frame.
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

/** Formats we recognise only to name them in the error; they are never handed to a decoder. */
const REFUSED_SIGNATURES: ReadonlyArray<{ format: string; test: (b: Uint8Array) => boolean }> = [
  { format: 'gif', test: (b) => ascii(b, 0, 4) === 'GIF8' },
  { format: 'tiff', test: (b) => ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*' },
  { format: 'bmp', test: (b) => ascii(b, 0, 2) === 'BM' },
  { format: 'heif/avif', test: (b) => ascii(b, 4, 8) === 'ftyp' },
  { format: 'svg/xml', test: (b) => /^\s*</.test(ascii(b, 0, Math.min(b.length, 64))) },
  { format: 'pdf', test: (b) => ascii(b, 0, 4) === '%PDF' },
];

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

/**
 * The format from the file signature. Only JPEG, PNG and WebP reach libvips, so its other loaders
 * (SVG through librsvg, TIFF, HEIF…) are never exposed to untrusted bytes.
 */
export function sniffFormat(bytes: Uint8Array): SupportedFormat | null {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return 'jpeg';
  }
  if (ascii(bytes, 0, 8) === '\x89PNG\r\n\x1a\n') {
    return 'png';
  }
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') {
    return 'webp';
  }
  return null;
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

  // 1. The signature decides which decoder may see the bytes.
  const format = sniffFormat(bytes);
  if (format === null) {
    const refused = REFUSED_SIGNATURES.find(({ test }) => test(bytes));
    if (refused) {
      throw new InvalidImageError(
        'INPUT_UNSUPPORTED_FORMAT',
        `unsupported image format ${refused.format}; send JPEG, PNG or WebP`,
        { details: { format: refused.format, supported: SUPPORTED_FORMATS } },
      );
    }
    throw new InvalidImageError(
      'INPUT_NOT_AN_IMAGE',
      'the bytes are not a JPEG, PNG or WebP image',
    );
  }

  // 2. One decode: libvips checks width × height from the header against the limit before it
  //    decodes any pixel (decompression bombs), then rotates by EXIF orientation, converts to sRGB
  //    with three channels, and fails on truncated data instead of padding it with grey.
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new InvalidImageError(
        'INPUT_UNSUPPORTED_FORMAT',
        `expected 3 channels after conversion, got ${info.channels}`,
      );
    }
    return { data, width: info.width, height: info.height, format };
  } catch (error) {
    if (error instanceof Error && /pixel limit/i.test(error.message)) {
      throw new InvalidImageError(
        'INPUT_TOO_MANY_PIXELS',
        `image has more pixels than the limit of ${maxPixels}`,
        { cause: error, details: { maxPixels } },
      );
    }
    throw new InvalidImageError('INPUT_TRUNCATED_IMAGE', 'the image data is truncated or corrupt', {
      cause: error,
      details: { format },
    });
  }
}
