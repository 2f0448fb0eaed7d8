/**
 * Runtime benchmark: one command, one model package, four ratios against baselines run in the same
 * command (not timed assertions):
 *   (a) end-to-end score-only check ÷ raw onnxruntime-node vision + prefill on precomputed tensors;
 *   (b) rationale tokens/s of the runtime ÷ @huggingface/transformers greedy on the same decoder weights;
 *   (c) Python onnxruntime loop time ÷ runtime time on the same graphs (> 1 means the runtime is faster);
 *   (d) cold start: process start → first decision of `ifas check`.
 *
 *   npm run bench -- [--model DIR] [--tokens 32] [--iterations 50] [--json FILE]
 *
 * With --json the figures are also written to FILE (ratios and the times they come from), so that runs
 * can be compared by script; the keys are listed in docs/benchmarks.md.
 */

import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { FaceDetector } from '../src/face/face-detector.js';
import { runFaceStage } from '../src/face/face-stage.js';
import { decodeImage } from '../src/image/decode-image.js';
import { toPixelValues } from '../src/image/preprocess.js';
import { IfasEngine, sessionPolicy } from '../src/inference/engine.js';
import { argmaxRow, decoderStep, greedyContinue } from '../src/inference/generate.js';
import { KvCache } from '../src/inference/kv-cache.js';
import { TokenEmbeddings } from '../src/inference/token-embeddings.js';
import { GRAPH_IO, kvCacheType } from '../src/model/manifest.js';
import { defaultModelDir, projectRoot } from '../src/project-root.js';
import { float32Tensor, int64Tensor, OnnxSession } from '../src/runtime/onnx.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    tokens: { type: 'string', default: '32' },
    iterations: { type: 'string', default: '50' },
    json: { type: 'string' },
  },
});
const modelDir = args.model ?? defaultModelDir();
const tokens = Number(args.tokens);
const iterations = Number(args.iterations);
const threads = availableParallelism();
const root = projectRoot();

/** The Python baseline as a child process that times one job per request, in Python. */
class PythonBaseline {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    readonly tokens: number[],
  ) {}

  static async start(python: string, args: string[]): Promise<PythonBaseline> {
    const child = spawn(python, args, {
      env: { ...process.env, PYTHONPATH: join(projectRoot(), 'training') },
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) {
      throw new Error('python baseline exited before it was ready');
    }
    const ready = JSON.parse(first.value) as { tokens: number[] };
    return new PythonBaseline(child, lines, ready.tokens);
  }

  async time(job: 'raw' | 'score' | 'answer'): Promise<number> {
    this.child.stdin.write(`${job}\n`);
    const line = await this.lines.next();
    if (line.done) {
      throw new Error('python baseline exited');
    }
    return (JSON.parse(line.value) as { ms: number }).ms;
  }

  stop(): void {
    this.child.stdin.end();
  }
}

/**
 * Medians of several timed functions run in alternating blocks (A×n, B×n, A×n…), so that drift in
 * machine load falls on every contender alike. With blocks longer than one run, the first runs of each
 * block are not recorded: they would pay for the previous contender's thread pool still spinning.
 */
async function interleavedMedians(
  fns: Array<() => Promise<unknown>>, // a function resolving to a number reports its own duration
  runs: number,
  block = 1,
  warmup = 3,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) {
    for (const fn of fns) {
      await fn();
    }
  }
  const times = fns.map(() => [] as number[]);
  const settle = block > 1 ? 3 : 0;
  for (let round = 0; round < Math.ceil(runs / block); round++) {
    for (const [index, fn] of fns.entries()) {
      for (let i = 0; i < settle; i++) {
        await fn();
      }
      for (let i = 0; i < block; i++) {
        const start = performance.now();
        const reported = await fn();
        times[index]?.push(typeof reported === 'number' ? reported : performance.now() - start);
      }
    }
  }
  return times.map((list) => {
    list.sort((x, y) => x - y);
    return list[Math.floor(list.length / 2)] ?? Number.NaN;
  });
}

const fmt = (value: number, digits = 2): string => value.toFixed(digits);

/** Figures for --json; a figure whose part was skipped stays absent. */
const figures: Record<string, number | string | boolean> = {};

async function main(): Promise<void> {
  // (a)–(c) compare the model path, so this engine has no face stage; the face stage is timed apart.
  const engine = await IfasEngine.load(modelDir, { intraOpThreads: threads, faceDetector: false });
  const manifest = engine.manifest;
  // The same session settings as the engine.
  const policy = sessionPolicy(manifest, { intraOpThreads: threads });
  const faceDetector = await FaceDetector.load(undefined, policy.detector);
  const size = manifest.image.size;
  const portraitFile = join(root, 'samples', 'grace-hopper.jpg');
  const portrait = await readFile(portraitFile);
  // A face crop at model size, as the runtime receives it after detection.
  const crop = await sharp(portrait).resize(size, size, { fit: 'cover' }).png().toBuffer();
  const workDir = await mkdtemp(join(tmpdir(), 'ifas-bench-'));
  const cropFile = join(workDir, `crop-${size}.png`);
  await writeFile(cropFile, crop);

  console.log(`# ifas-guard benchmark`);
  console.log(
    `model ${manifest.name} ${manifest.version} (${manifest.status}); ${cpus()[0]?.model ?? 'cpu'} × ${threads} threads; node ${process.version}`,
  );
  console.log(
    `visual tokens ${manifest.connector.visualTokens}, prompt ${manifest.prompt.prefixIds.length + manifest.connector.visualTokens + manifest.prompt.suffixIds.length} positions, decoder ${manifest.decoder.layers}×${manifest.decoder.hiddenSize}, vocab ${manifest.decoder.vocabSize}\n`,
  );

  // (a) end-to-end score-only vs raw vision + prefill on precomputed inputs.
  const visionOptions = policy.vision;
  const decoderOptions = policy.decoder;
  const decoderThreads = decoderOptions.intraOpThreads ?? threads;
  const [vision, decoder, embed] = await Promise.all([
    OnnxSession.create(join(modelDir, manifest.graphs.visionEncoder), visionOptions),
    OnnxSession.create(join(modelDir, manifest.graphs.decoder), decoderOptions),
    OnnxSession.create(join(modelDir, manifest.graphs.embedTokens), decoderOptions),
  ]);
  const pixels = await toPixelValues(await decodeImage(crop), manifest.image);
  const embeddings = new TokenEmbeddings(embed, manifest.decoder.hiddenSize);
  const prefix = await embeddings.embed(manifest.prompt.prefixIds);
  const suffix = await embeddings.embed(manifest.prompt.suffixIds);
  const emptyCache = KvCache.empty(manifest.decoder, kvCacheType(manifest)).feeds;
  const rawScore = async (): Promise<void> => {
    const out = await vision.run({
      [GRAPH_IO.vision.input]: float32Tensor(pixels.data, pixels.dims),
    });
    const visual = out[GRAPH_IO.vision.output]?.data as Float32Array;
    const embeds = new Float32Array(prefix.length + visual.length + suffix.length);
    embeds.set(prefix);
    embeds.set(visual, prefix.length);
    embeds.set(suffix, prefix.length + visual.length);
    const length = embeds.length / manifest.decoder.hiddenSize;
    await decoder.run({
      ...emptyCache,
      [GRAPH_IO.decoder.inputsEmbeds]: float32Tensor(embeds, [
        1,
        length,
        manifest.decoder.hiddenSize,
      ]),
      [GRAPH_IO.decoder.attentionMask]: int64Tensor(new BigInt64Array(length).fill(1n), [
        1,
        length,
      ]),
      [GRAPH_IO.decoder.positionIds]: int64Tensor(
        BigInt64Array.from({ length }, (_, i) => BigInt(i)),
        [1, length],
      ),
    });
  };
  const portraitPixels = await decodeImage(portrait);
  const [rawMs = 0, e2eCropMs = 0, e2ePortraitMs = 0, faceStageMs = 0] = await interleavedMedians(
    [
      rawScore,
      () => engine.check(crop),
      () => engine.check(portrait),
      () => runFaceStage(faceDetector, portraitPixels, manifest.image),
    ],
    iterations,
    20,
  );
  Object.assign(figures, {
    modelMs: rawMs,
    scoreOnlyMs: e2eCropMs,
    scoreOnlyRatio: e2eCropMs / rawMs,
    jpegMs: e2ePortraitMs,
    jpegRatio: e2ePortraitMs / rawMs,
    faceStageMs,
    faceStageRatio: faceStageMs / rawMs,
  });
  console.log(`(a) score-only, end to end ÷ raw onnxruntime-node vision+prefill (target ≤ 1.05)`);
  console.log(
    `    raw ${fmt(rawMs)} ms; check(model-size PNG crop) ${fmt(e2eCropMs)} ms → ratio ${fmt(e2eCropMs / rawMs, 3)}`,
  );
  console.log(
    `    check(512×600 JPEG, includes decode + centre crop) ${fmt(e2ePortraitMs)} ms → ratio ${fmt(e2ePortraitMs / rawMs, 3)}`,
  );
  console.log(
    `    face stage on the 512×600 portrait (BlazeFace + gates, runs before the model) ${fmt(faceStageMs)} ms\n`,
  );

  // (b) rationale tokens/s vs @huggingface/transformers on the same decoder weights and prompt ids.
  if (!manifest.graphs.textDecoder) {
    console.log('(b) skipped: the package has no text decoder for @huggingface/transformers\n');
  } else {
    const { AutoModelForCausalLM, env, Tensor } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = `${modelDir}/`;
    const hfModel = await AutoModelForCausalLM.from_pretrained('transformers-js', {
      dtype: 'fp32',
      session_options: {
        intraOpNumThreads: decoderThreads,
        interOpNumThreads: 1,
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      },
    });
    const promptIds = [...manifest.prompt.prefixIds, ...manifest.prompt.suffixIds];
    const inputIds = new Tensor('int64', BigInt64Array.from(promptIds, BigInt), [
      1,
      promptIds.length,
    ]);
    const attention = new Tensor('int64', new BigInt64Array(promptIds.length).fill(1n), [
      1,
      promptIds.length,
    ]);
    let hfTokens: number[] = [];
    const hfGenerate = async (): Promise<void> => {
      const out = (await hfModel.generate({
        input_ids: inputIds,
        attention_mask: attention,
        max_new_tokens: tokens,
        min_new_tokens: tokens,
        do_sample: false,
      })) as { tolist(): bigint[][] };
      hfTokens = (out.tolist()[0] ?? []).slice(promptIds.length).map(Number);
    };
    const graphs = { decoder, manifest, embedToken: (id: number) => embeddings.row(id) };
    let ourTokens: number[] = [];
    const ourGenerate = async (): Promise<void> => {
      const prompt = await embeddings.embed(promptIds);
      const prefill = await decoderStep(
        graphs,
        prompt,
        promptIds.length,
        KvCache.empty(manifest.decoder, kvCacheType(manifest)),
      );
      const first = argmaxRow(prefill.logits, 0, manifest.decoder.vocabSize);
      const rest = await greedyContinue(graphs, first, prefill.cache, {
        maxNewTokens: tokens - 1,
        minNewTokens: tokens - 1,
        deadline: Number.POSITIVE_INFINITY,
      });
      ourTokens = [first, ...rest.tokens];
    };
    const runs = Math.max(10, Math.floor(iterations / 2));
    const [hfMs = 0, ourMs = 0] = await interleavedMedians([hfGenerate, ourGenerate], runs);
    const same = hfTokens.join(',') === ourTokens.join(',');
    Object.assign(figures, {
      tokensPerSecond: (tokens / ourMs) * 1000,
      transformersTokensPerSecond: (tokens / hfMs) * 1000,
      tokensPerSecondRatio: hfMs / ourMs,
      sameTokensAsTransformers: same,
    });
    console.log(
      `(b) rationale tokens/s, runtime ÷ @huggingface/transformers (target ≥ 2.0), ${tokens} greedy tokens`,
    );
    console.log(
      `    transformers.js ${fmt((tokens / hfMs) * 1000, 1)} tok/s; runtime ${fmt((tokens / ourMs) * 1000, 1)} tok/s → ratio ${fmt(hfMs / ourMs, 3)}; same tokens: ${same}\n`,
    );
    await hfModel.dispose();

    // (b') where a token's time goes: one step of the runtime (decoderStep: feeds, run, cache
    // renaming) ÷ the same graph run bare with all outputs, and with only the logits fetched.
    const promptCache = (
      await decoderStep(
        graphs,
        await embeddings.embed(promptIds),
        promptIds.length,
        KvCache.empty(manifest.decoder, kvCacheType(manifest)),
      )
    ).cache;
    const row = await embeddings.row(ourTokens[0] ?? 0);
    const position = promptCache.length;
    const bareFeeds = {
      ...promptCache.feeds,
      [GRAPH_IO.decoder.inputsEmbeds]: float32Tensor(row, [1, 1, manifest.decoder.hiddenSize]),
      [GRAPH_IO.decoder.attentionMask]: int64Tensor(new BigInt64Array(position + 1).fill(1n), [
        1,
        position + 1,
      ]),
      [GRAPH_IO.decoder.positionIds]: int64Tensor(BigInt64Array.of(BigInt(position)), [1, 1]),
    };
    const [stepMs = 0, bareMs = 0, logitsOnlyMs = 0] = await interleavedMedians(
      [
        () => decoderStep(graphs, row, 1, promptCache),
        () => decoder.run(bareFeeds),
        () => decoder.run(bareFeeds, [GRAPH_IO.decoder.logits]),
      ],
      runs * 20,
      20,
    );
    Object.assign(figures, {
      decodeStepUs: stepMs * 1000,
      bareDecodeStepUs: bareMs * 1000,
      logitsOnlyDecodeStepUs: logitsOnlyMs * 1000,
    });
    console.log(
      `(b') one decode step at ${position} cached positions: runtime ${fmt(stepMs * 1000, 0)} µs; bare run ${fmt(bareMs * 1000, 0)} µs; bare, logits only ${fmt(logitsOnlyMs * 1000, 0)} µs\n`,
    );
  }

  // (c) same graphs under a Python onnxruntime loop, alternated with the runtime in blocks.
  const python = join(root, 'training', '.venv', 'bin', 'python');
  if (!existsSync(python)) {
    console.log('(c) skipped: training/.venv is not installed\n');
  } else {
    const py = await PythonBaseline.start(python, [
      join(root, 'bench', 'python_baseline.py'),
      '--package',
      modelDir,
      '--image',
      cropFile,
      '--tokens',
      String(tokens),
      '--vision-threads',
      String(threads),
      '--decoder-threads',
      String(decoderThreads),
    ]);
    const answerOptions = {
      explain: 'always' as const,
      maxNewTokens: tokens,
      minNewTokens: tokens,
    };
    const ourAnswer = await engine.check(crop, answerOptions);
    const [pyRaw = 0, nodeRaw = 0, pyScore = 0, ourScore = 0, pyAnswer = 0, ourAnswerMs = 0] =
      await interleavedMedians(
        [
          () => py.time('raw'),
          rawScore,
          () => py.time('score'),
          () => engine.check(crop),
          () => py.time('answer'),
          () => engine.check(crop, answerOptions),
        ],
        Math.max(20, Math.floor(iterations / 2)),
        10,
      );
    py.stop();
    const same = py.tokens.join(',') === (ourAnswer.rationaleTokenIds ?? []).join(',');
    Object.assign(figures, {
      pythonGraphsRatio: pyRaw / nodeRaw,
      pythonScoreOnlyRatio: pyScore / ourScore,
      pythonAnswerRatio: pyAnswer / ourAnswerMs,
      sameTokensAsPython: same,
    });
    console.log('(c) Python onnxruntime ÷ runtime, same graphs, same PNG bytes (target ≥ 1.0)');
    console.log(
      `    graphs alone (vision + prefill on pixel values): python ${fmt(pyRaw)} ms, onnxruntime-node ${fmt(nodeRaw)} ms → ratio ${fmt(pyRaw / nodeRaw, 3)} (the bindings, before any runtime code)`,
    );
    console.log(
      `    score-only: python ${fmt(pyScore)} ms, runtime ${fmt(ourScore)} ms → ratio ${fmt(pyScore / ourScore, 3)}`,
    );
    console.log(
      `    answer + ${tokens} tokens: python ${fmt(pyAnswer)} ms, runtime ${fmt(ourAnswerMs)} ms → ratio ${fmt(pyAnswer / ourAnswerMs, 3)}; same tokens: ${same}\n`,
    );
  }

  // (d) cold start of the CLI, against a bare `node -e ""` start.
  const cli = join(root, 'dist', 'src', 'cli', 'main.js');
  const startMs = (command: string[]): number => {
    const start = performance.now();
    const run = spawnSync(process.execPath, command, { encoding: 'utf8' });
    if (run.status !== 0) {
      throw new Error(`cold-start run failed: ${run.stderr}`);
    }
    return performance.now() - start;
  };
  const median = (values: number[]): number =>
    values.sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? Number.NaN;
  const bare = median([0, 1, 2, 3, 4].map(() => startMs(['-e', ''])));
  const cold = median(
    [0, 1, 2, 3, 4].map(() => startMs([cli, 'check', portraitFile, '--json', '--model', modelDir])),
  );
  console.log(
    `(d) cold start, process start → first decision (ifas check on the portrait: hash verification, face stage, model)`,
  );
  console.log(`    ${fmt(cold, 0)} ms (bare node start ${fmt(bare, 0)} ms)`);
  Object.assign(figures, { coldStartMs: cold, bareNodeMs: bare });

  if (args.json) {
    const report = {
      model: `${manifest.name} ${manifest.version}`,
      cpu: cpus()[0]?.model ?? 'cpu',
      threads,
      node: process.version,
      iterations,
      tokens,
      measuredAt: new Date().toISOString(),
      ...figures,
    };
    await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nfigures written to ${args.json}`);
  }

  await engine.dispose();
  await faceDetector.release();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
