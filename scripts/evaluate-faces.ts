/**
 * Measures the face stage on real photos: detector recall and precision on dlib's 43 hand-boxed
 * public-domain faces (9 PASCAL VOC photos), the quality metrics of those faces against crafted
 * degradations (dark, overexposed, blurred, tiny), and the gate outcome of crafted cases.
 *
 *   bash scripts/fetch-dlib-faces.sh && npm run build && node dist/scripts/evaluate-faces.js
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { chooseFace } from '../src/face/crop-policy.js';
import { iou } from '../src/face/decode-detections.js';
import { type Face, FaceDetector } from '../src/face/face-detector.js';
import {
  DEFAULT_QUALITY_THRESHOLDS,
  measureFace,
  type QualityMetrics,
  qualityReason,
} from '../src/face/quality-gates.js';
import { type DecodedImage, decodeImage } from '../src/image/decode-image.js';
import { projectRoot } from '../src/project-root.js';

const DLIB = join(projectRoot(), 'test', '.cache', 'dlib-faces');
const MATCH_IOU = 0.3;

interface Annotated {
  file: string;
  boxes: Array<{ x: number; y: number; width: number; height: number }>;
}

async function annotations(): Promise<Annotated[]> {
  const images: Annotated[] = [];
  for (const xml of ['training.xml', 'testing.xml']) {
    const text = await readFile(join(DLIB, xml), 'utf8');
    for (const match of text.matchAll(/<image file='([^']+)'[^>]*>([\s\S]*?)<\/image>/g)) {
      const boxes = [
        ...(match[2] ?? '').matchAll(/<box top='(\d+)' left='(\d+)' width='(\d+)' height='(\d+)'/g),
      ].map((b) => ({
        y: Number(b[1]),
        x: Number(b[2]),
        width: Number(b[3]),
        height: Number(b[4]),
      }));
      images.push({ file: match[1] ?? '', boxes });
    }
  }
  return images;
}

async function load(file: string): Promise<DecodedImage> {
  return decodeImage(await readFile(file));
}

type Sharp = ReturnType<typeof sharp>;
type Edit = (s: Sharp) => Sharp;

async function transform(image: DecodedImage, edit: Edit): Promise<DecodedImage> {
  const raw = { raw: { width: image.width, height: image.height, channels: 3 as const } };
  const png = await edit(sharp(image.data, raw)).png().toBuffer();
  return decodeImage(png);
}

const DEGRADATIONS: Record<string, Edit> = {
  dark: (s) => s.linear(0.12, 0),
  overexposed: (s) => s.linear(2.2, 90),
  blurred: (s) => s.blur(3),
};

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return `min ${at(0).toFixed(1)}  p10 ${at(0.1).toFixed(1)}  median ${at(0.5).toFixed(1)}  p90 ${at(0.9).toFixed(1)}  max ${at(1).toFixed(1)}`;
}

async function main(): Promise<void> {
  const detector = await FaceDetector.load();
  const images = await annotations();
  const total = images.reduce((n, image) => n + image.boxes.length, 0);

  // 1. Detector recall / precision at several score thresholds.
  console.log(
    `## Detector on dlib's ${total} boxed faces in ${images.length} photos (match: IoU ≥ ${MATCH_IOU})\n`,
  );
  console.log(
    '| score threshold | found | missed | extra detections | recall | precision | mean IoU |',
  );
  console.log('|---|---|---|---|---|---|---|');
  const decoded = await Promise.all(images.map((image) => load(join(DLIB, image.file))));
  for (const threshold of [0.3, 0.5, 0.55, 0.6, 0.7]) {
    let found = 0;
    let extra = 0;
    let iouSum = 0;
    for (const [index, image] of images.entries()) {
      const faces = await detector.detect(decoded[index] as DecodedImage, {
        scoreThreshold: threshold,
      });
      const unused = new Set(faces.map((_, i) => i));
      for (const truth of image.boxes) {
        let best = -1;
        let bestIou = MATCH_IOU;
        for (const i of unused) {
          const overlap = iou(truth, (faces[i] as Face).box);
          if (overlap >= bestIou) {
            best = i;
            bestIou = overlap;
          }
        }
        if (best >= 0) {
          unused.delete(best);
          found++;
          iouSum += bestIou;
        }
      }
      extra += unused.size;
    }
    console.log(
      `| ${threshold} | ${found} | ${total - found} | ${extra} | ${((100 * found) / total).toFixed(1)} % | ${((100 * found) / (found + extra)).toFixed(1)} % | ${(iouSum / Math.max(1, found)).toFixed(2)} |`,
    );
  }
  const dogs = await detector.detect(await load(join(DLIB, 'dogs.jpg')), { scoreThreshold: 0.3 });
  const dogScores = dogs.map((f) => f.score.toFixed(3)).join(', ') || 'none';
  console.log(
    `\ndogs.jpg (no person): detections scoring ≥ 0.3: ${dogScores}; default threshold ${detector.manifest.scoreThreshold}\n`,
  );

  // 2. Quality metrics of real faces vs degraded copies (the basis of the thresholds).
  const metrics: Record<string, QualityMetrics[]> = {
    original: [],
    dark: [],
    overexposed: [],
    blurred: [],
  };
  for (const image of decoded) {
    const variants: Record<string, DecodedImage> = { original: image };
    for (const [name, edit] of Object.entries(DEGRADATIONS)) {
      variants[name] = await transform(image, edit);
    }
    const faces = await detector.detect(image);
    for (const face of faces) {
      for (const [name, variant] of Object.entries(variants)) {
        metrics[name]?.push(measureFace(variant, face));
      }
    }
  }
  console.log(
    '\n## Quality metrics of the detected dlib faces and degraded copies of the same faces\n',
  );
  console.log('| variant | faces | mean luma | Laplacian variance (sharpness) |');
  console.log('|---|---|---|---|');
  for (const [name, list] of Object.entries(metrics)) {
    console.log(
      `| ${name} | ${list.length} | ${summary(list.map((m) => m.luma))} | ${summary(list.map((m) => m.sharpness))} |`,
    );
  }
  const faceSizes = (metrics.original ?? []).map((m) => m.faceSize);
  console.log(`\nface box sizes (px): ${summary(faceSizes)}`);

  // 3. Gate outcomes on crafted cases.
  const portrait = await load(join(projectRoot(), 'samples', 'grace-hopper.jpg'));
  const cases: Record<string, DecodedImage> = {
    'portrait (grace-hopper.jpg)': portrait,
    'portrait, dark': await transform(portrait, DEGRADATIONS.dark as Edit),
    'portrait, overexposed': await transform(portrait, DEGRADATIONS.overexposed as Edit),
    'portrait, blurred (σ 3)': await transform(portrait, DEGRADATIONS.blurred as Edit),
    'portrait, 48 px wide (face ≈ 19 px)': await transform(portrait, (s) => s.resize(48)),
    'group (2008_002470.jpg)': await load(join(DLIB, '2008_002470.jpg')),
    'Tom_Cruise_avp_2014_4.jpg': await load(join(DLIB, 'Tom_Cruise_avp_2014_4.jpg')),
    'dogs.jpg': await load(join(DLIB, 'dogs.jpg')),
    'uniform grey': await transform(portrait, (s) => s.linear(0, 128)),
  };
  console.log('\n## Gate outcomes on crafted cases (default thresholds)\n');
  console.log('| case | faces | outcome | face size | luma | sharpness |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, image] of Object.entries(cases)) {
    const faces = await detector.detect(image);
    const choice = chooseFace(faces);
    if (!choice.face) {
      console.log(`| ${name} | ${faces.length} | uncertain/${choice.reason} | – | – | – |`);
      continue;
    }
    const m = measureFace(image, choice.face);
    const reason = qualityReason(m, DEFAULT_QUALITY_THRESHOLDS);
    console.log(
      `| ${name} | ${faces.length} | ${reason ? `uncertain/${reason}` : 'judged'} | ${m.faceSize.toFixed(0)} | ${m.luma.toFixed(1)} | ${m.sharpness.toFixed(1)} |`,
    );
  }
  await detector.release();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
