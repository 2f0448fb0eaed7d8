/**
 * BlazeFace output decoding: anchors, sigmoid scores, box and keypoint offsets, weighted non-maximum
 * suppression (MediaPipe's blending). Pure functions over the raw head outputs; coordinates are in
 * detector-input pixels. The twin is training/ifas/face/blazeface.py.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RawDetection {
  box: Box;
  score: number;
  keypoints: Point[];
}

export interface HeadOutput {
  /** (anchors) logits */
  scores: Float32Array;
  /** (anchors × 16): cx, cy, w, h offsets, then 6 keypoints (x, y) */
  boxes: Float32Array;
  stride: number;
  anchorsPerCell: number;
}

const VALUES_PER_ANCHOR = 16;

/** Anchor centres of one head in row-major cell order, each repeated per anchor in the cell. */
export function anchorCentres(inputSize: number, stride: number, anchorsPerCell: number): Point[] {
  const cells = Math.ceil(inputSize / stride);
  const centres: Point[] = [];
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      for (let a = 0; a < anchorsPerCell; a++) {
        centres.push({ x: (col + 0.5) * stride, y: (row + 0.5) * stride });
      }
    }
  }
  return centres;
}

export function sigmoid(logit: number): number {
  const clipped = Math.max(-100, Math.min(100, logit));
  return 1 / (1 + Math.exp(-clipped));
}

/** Every anchor whose score reaches `threshold`, decoded to boxes and keypoints. */
export function decodeHeads(
  heads: readonly HeadOutput[],
  inputSize: number,
  keypointCount: number,
  threshold: number,
): RawDetection[] {
  const detections: RawDetection[] = [];
  for (const head of heads) {
    const anchors = anchorCentres(inputSize, head.stride, head.anchorsPerCell);
    anchors.forEach((anchor, index) => {
      const score = sigmoid(head.scores[index] ?? Number.NEGATIVE_INFINITY);
      if (score < threshold) {
        return;
      }
      const at = (k: number): number => head.boxes[index * VALUES_PER_ANCHOR + k] ?? 0;
      const cx = anchor.x + at(0);
      const cy = anchor.y + at(1);
      const width = at(2);
      const height = at(3);
      const keypoints: Point[] = [];
      for (let k = 0; k < keypointCount; k++) {
        keypoints.push({ x: anchor.x + at(4 + 2 * k), y: anchor.y + at(5 + 2 * k) });
      }
      detections.push({
        box: { x: cx - width / 2, y: cy - height / 2, width, height },
        score,
        keypoints,
      });
    });
  }
  return detections;
}

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const intersection = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - intersection;
  return union > 0 ? intersection / union : 0;
}

/**
 * Weighted NMS: the best remaining detection absorbs every detection overlapping it by more than
 * `iouThreshold`; the survivor's box and keypoints are the score-weighted mean of the group and its
 * score is the group's best.
 */
export function weightedNms(
  detections: readonly RawDetection[],
  iouThreshold: number,
): RawDetection[] {
  const remaining = [...detections].sort((a, b) => b.score - a.score);
  const kept: RawDetection[] = [];
  while (remaining.length > 0) {
    const [best, ...others] = remaining as [RawDetection, ...RawDetection[]];
    const group = [
      best,
      ...others.filter((candidate) => iou(best.box, candidate.box) > iouThreshold),
    ];
    const rest = others.filter((candidate) => iou(best.box, candidate.box) <= iouThreshold);
    const total = group.reduce((sum, d) => sum + d.score, 0);
    const mean = (pick: (d: RawDetection) => number): number =>
      group.reduce((sum, d) => sum + pick(d) * d.score, 0) / total;
    kept.push({
      box: {
        x: mean((d) => d.box.x),
        y: mean((d) => d.box.y),
        width: mean((d) => d.box.width),
        height: mean((d) => d.box.height),
      },
      score: best.score,
      keypoints: best.keypoints.map((_, k) => ({
        x: mean((d) => d.keypoints[k]?.x ?? 0),
        y: mean((d) => d.keypoints[k]?.y ?? 0),
      })),
    });
    remaining.splice(0, remaining.length, ...rest);
  }
  return kept;
}
