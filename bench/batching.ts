/**
 * Dynamic batching: batch size B against latency and throughput, score-only checks of face crops
 * (the face stage is per check and not batched, so it is left out to show the model's share).
 * Each round runs one batch of every size B through IfasEngine.checkBatch (sizes alternate, so
 * load drift falls on all); medians over the rounds; ratios against B = 1 in the same process.
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
// Sizes alternate within each round, so drift in machine load falls on all of them alike.
const samples = new Map(
  sizes.map((batch) => [
    batch,
    { batch: [] as number[], vision: [] as number[], prefill: [] as number[] },
  ]),
);
const itemsOf = (batch: number) =>
  crops.slice(0, batch).map((bytes) => ({ bytes, options: { detect: false } }));
for (const batch of sizes) await engine.checkBatch(itemsOf(batch)); // warm-up: one run per shape
for (let round = 0; round < rounds; round++) {
  for (const batch of sizes) {
    const started = performance.now();
    const outcomes = await engine.checkBatch(itemsOf(batch));
    const elapsed = performance.now() - started;
    const first = outcomes[0];
    if (first?.status !== 'fulfilled') throw first?.reason;
    const sample = samples.get(batch);
    sample?.batch.push(elapsed);
    sample?.vision.push(first.value.timings.visionMs);
    sample?.prefill.push(first.value.timings.prefillMs);
  }
}
const rows: Row[] = sizes.map((batch) => {
  const sample = samples.get(batch) ?? { batch: [], vision: [], prefill: [] };
  const ms = median(sample.batch);
  return {
    batch,
    batchMs: ms,
    visionMs: median(sample.vision),
    prefillMs: median(sample.prefill),
    perCheckMs: ms / batch,
    checksPerSecond: (1000 * batch) / ms,
  };
});
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
