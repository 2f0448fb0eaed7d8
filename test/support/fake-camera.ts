/**
 * A video file for Chromium's fake camera (--use-file-for-fake-video-capture), made at test time from
 * a photo: Y4M (YUV 4:2:0), looping frames whose exposure drifts and whose sensor noise changes the way
 * a webcam's does, so frames grabbed a third of a second apart are never the same picture.
 */

import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';

export interface FakeCameraOptions {
  width?: number;
  height?: number;
  frames?: number;
  fps?: number;
}

const clamp = (value: number) => (value < 0 ? 0 : value > 255 ? 255 : Math.round(value));

export async function writeFakeCamera(
  photo: string,
  out: string,
  options: FakeCameraOptions = {},
): Promise<void> {
  const { width = 640, height = 480, frames = 30, fps = 15 } = options;
  const rgb = await sharp(photo)
    .resize(width, height, { fit: 'contain', background: { r: 40, g: 44, b: 52 } })
    .removeAlpha()
    .raw()
    .toBuffer();
  const chunks: Buffer[] = [
    Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`),
  ];
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return ((seed >> 16) % 9) - 4;
  };
  for (let f = 0; f < frames; f += 1) {
    // A sawtooth, not a sine: a sine gives frames on either side of its peak the same exposure, so
    // two grabs could be the same picture (a still) whenever a busy machine shifts their timing.
    const gain = 0.94 + (0.12 * f) / frames;
    const y = Buffer.alloc(width * height);
    const u = Buffer.alloc((width / 2) * (height / 2));
    const v = Buffer.alloc((width / 2) * (height / 2));
    for (let row = 0; row < height; row += 1) {
      for (let col = 0; col < width; col += 1) {
        const i = (row * width + col) * 3;
        const r = (rgb[i] ?? 0) * gain;
        const g = (rgb[i + 1] ?? 0) * gain;
        const b = (rgb[i + 2] ?? 0) * gain;
        y[row * width + col] = clamp(0.299 * r + 0.587 * g + 0.114 * b + noise());
        if (row % 2 === 0 && col % 2 === 0) {
          const c = (row / 2) * (width / 2) + col / 2;
          u[c] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
          v[c] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
        }
      }
    }
    chunks.push(Buffer.from('FRAME\n'), y, u, v);
  }
  await writeFile(out, Buffer.concat(chunks));
}
