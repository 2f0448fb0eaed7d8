/**
 * Camera-like frames made from one face image: each frame a slightly different exposure, position
 * and sensor noise, the way consecutive frames of a live camera differ, so tests can tell them from a
 * still sent several times. `seed` gives a different (and differently hashed) capture per call.
 */

import sharp from 'sharp';

function noise(width: number, height: number, seed: number, amplitude: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let state = seed * 2654435761 + 1;
  for (let i = 0; i < data.length; i += 1) {
    state = (state * 1103515245 + 12345) % 2147483648;
    data[i] = 128 + ((state >> 16) % (2 * amplitude + 1)) - amplitude;
  }
  return data;
}

export async function cameraFrames(image: Buffer, count: number, seed = 1): Promise<Buffer[]> {
  const { width = 64, height = 64 } = await sharp(image).metadata();
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i += 1) {
    const shift = (seed * 7 + i * 3) % 5;
    const grain = await sharp(noise(width, height, seed * 31 + i, 12), {
      raw: { width, height, channels: 3 },
    })
      .png()
      .toBuffer();
    frames.push(
      await sharp(image)
        .removeAlpha()
        .modulate({ brightness: 0.94 + 0.04 * i + 0.01 * (seed % 5) })
        .extend({ left: shift, top: shift % 3, extendWith: 'mirror' })
        .extract({ left: 0, top: 0, width, height })
        .composite([{ input: grain, blend: 'overlay' }])
        .jpeg({ quality: 92 })
        .toBuffer(),
    );
  }
  return frames;
}

/** A 320 × 240 preview-sized frame: `photo`, `width` pixels wide, in the middle of a dark backdrop. */
export async function onBackdrop(photo: Buffer, width: number): Promise<Buffer> {
  return sharp({
    create: { width: 320, height: 240, channels: 3, background: { r: 40, g: 44, b: 52 } },
  })
    .composite([{ input: await sharp(photo).resize(width).toBuffer() }])
    .jpeg({ quality: 80 })
    .toBuffer();
}
