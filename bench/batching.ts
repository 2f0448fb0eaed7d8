/**
 * Dynamic batching: batch size B against latency and throughput, score-only checks of face crops
 * (the face stage is per check and not batched, so it is left out to show the model's share).
 * For each B, `rounds` batches run back to back through IfasEngine.checkBatch; the ratios are
 * against B = 1 measured in the same process (not timed assertions).
 *
 *   npm run build && node dist/bench/batching.js [--model DIR] [--provider cpu|cuda] [--threads N]
 *     [--sizes 1,2,4,8,16] [--rounds 12]
 * Figures and the command that produced them: docs/benchmarks.md ("Dynamic batching").
 */

import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { IfasEngine } from '../src/inference/engine.js';
import { defaultModelDir, projectRoot } from '../src/project-root.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    provider: { type: 'string', default: 'cpu' },
    threads: { type: 'string' },
    sizes: { type: 'string', default: '1,2,4,8,16' },
    rounds: { type: 'string', default: '12' },
  },
});
const provider = args.provider === 'cuda' ? 'cuda' : 'cpu';
const sizes = (args.sizes ?? '').split(',').map(Number);
const rounds = Number(args.rounds);

const engine = await IfasEngine.load(args.model ?? defaultModelDir(), {
  executionProvider: provider,
  faceDetector: false,
  ...(args.threads ? { intraOpThreads: Number(args.threads) } : {}),
});
// Distinct face crops, so no two rows of a batch are the same input.
const portrait = join(projectRoot(), 'samples', 'grace-hopper.jpg');
const crops = await Promise.all(
  Array.from({ length: Math.max(...sizes) }, (_, index) =>
    sharp(portrait)
      .extract({
        left: 140 + (index % 4) * 6,
        top: 40 + Math.floor(index / 4) * 6,
        width: 260,
        height: 260,
      })
      .png()
      .toBuffer(),
  ),
);

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

interface Row {
  batch: number;
  batchMs: number;
  visionMs: number;
  prefillMs: number;
  perCheckMs: number;
  checksPerSecond: number;
}
const rows: Row[] = [];
for (const batch of sizes) {
  const items = crops.slice(0, batch).map((bytes) => ({ bytes, options: { detect: false } }));
  await engine.checkBatch(items); // warm-up: session allocation for this shape
  const batchMs: number[] = [];
  const visionMs: number[] = [];
  const prefillMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const outcomes = await engine.checkBatch(items);
    batchMs.push(performance.now() - started);
    const first = outcomes[0];
    if (first?.status !== 'fulfilled') throw first?.reason;
    visionMs.push(first.value.timings.visionMs);
    prefillMs.push(first.value.timings.prefillMs);
  }
  const ms = median(batchMs);
  rows.push({
    batch,
    batchMs: ms,
    visionMs: median(visionMs),
    prefillMs: median(prefillMs),
    perCheckMs: ms / batch,
    checksPerSecond: (1000 * batch) / ms,
  });
}
await engine.dispose();

const base = rows[0] as Row;
console.log(
  `dynamic batching, ${engine.model.name} on ${provider} (${cpus().length} cores: ${cpus()[0]?.model ?? '?'}), median of ${rounds} batches`,
);
console.log(
  '| B | batch latency ms | vision ms | prefill ms | ms per check | checks/s | throughput ÷ B=1 | latency ÷ B=1 |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.batch} | ${r.batchMs.toFixed(1)} | ${r.visionMs.toFixed(1)} | ${r.prefillMs.toFixed(1)} | ${r.perCheckMs.toFixed(2)} | ${r.checksPerSecond.toFixed(0)} | ${(r.checksPerSecond / base.checksPerSecond).toFixed(2)} | ${(r.batchMs / base.batchMs).toFixed(2)} |`,
  );
}
