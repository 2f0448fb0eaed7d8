/**
 * Execution-provider benchmark: the same package on CUDA and on CPU, in one process, as ratios.
 * Score-only checks (one prefill) report p50/p99 latency; rationales decode a fixed number of tokens
 * (EOS suppressed) and report tokens/s. Images are face crops (no detector), so only the model is timed.
 *
 *   node dist/bench/providers.js --model DIR [--image FILE] [--iterations 50] [--tokens 32]
 *
 * Needs onnxruntime-node's CUDA provider libraries (training/scripts/gpu-check.sh places them);
 * without them it stops with the load error instead of printing CPU-only figures.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { IfasEngine } from '../src/inference/engine.js';
import { projectRoot } from '../src/project-root.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    image: { type: 'string' },
    iterations: { type: 'string', default: '50' },
    tokens: { type: 'string', default: '32' },
  },
});
if (!args.model) {
  throw new Error('usage: node dist/bench/providers.js --model DIR [--image FILE]');
}
const iterations = Number(args.iterations);
const tokens = Number(args.tokens);
const image = await readFile(args.image ?? join(projectRoot(), 'samples', 'grace-hopper.jpg'));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Figures {
  p50: number;
  p99: number;
  tokensPerSecond: number;
}

async function measure(provider: 'cpu' | 'cuda'): Promise<Figures> {
  const engine = await IfasEngine.load(args.model as string, {
    executionProvider: provider,
    faceDetector: false,
  });
  try {
    await engine.check(image); // warm-up: session initialisation, CUDA kernels, arenas
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const started = performance.now();
      await engine.check(image, { explain: 'never' });
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const rationale = await engine.check(image, {
      explain: 'always',
      maxNewTokens: tokens,
      minNewTokens: tokens,
      rationaleTimeoutMs: 600_000,
    });
    const generated = rationale.rationaleTokenIds?.length ?? 0;
    return {
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      tokensPerSecond: generated / (rationale.timings.rationaleMs / 1000),
    };
  } finally {
    await engine.dispose();
  }
}

const show = (name: string, f: Figures): string =>
  `${name}: score-only p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms; rationale ${f.tokensPerSecond.toFixed(1)} tokens/s`;
const cpu = await measure('cpu');
console.log(show('cpu ', cpu));
let cuda: Figures;
try {
  cuda = await measure('cuda');
} catch (error) {
  const cause =
    error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  console.error(
    `no CUDA figures: ${error instanceof Error ? error.message : String(error)}${cause}`,
  );
  process.exit(1);
}
console.log(show('cuda', cuda));
console.log(
  `ratios (CPU ÷ CUDA): p50 ${(cpu.p50 / cuda.p50).toFixed(2)}×, p99 ${(cpu.p99 / cuda.p99).toFixed(2)}×; tokens/s (CUDA ÷ CPU) ${(cuda.tokensPerSecond / cpu.tokensPerSecond).toFixed(2)}×`,
);
