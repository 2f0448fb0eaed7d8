/**
 * The I-FAS inference engine: image bytes in, judgment + liveness + optional rationale out.
 *
 * A face stage runs first (BlazeFace, subject choice, capture-quality gates): it either yields the
 * eye-levelled face square to show the model or a reason to answer `uncertain` without judging.
 *
 * Score-only mode is a single prefill: vision encoder + connector → visual tokens, spliced between the
 * cached prompt-prefix and prompt-suffix embeddings, one decoder pass, and P(Yes)/(P(Yes)+P(No)) read
 * at the first answer position. With `explain`, decoding continues greedily from the model's judgment
 * word on the prefill's key/value cache. Sessions are created once per engine and reused.
 * The engine knows images, tokens and decisions; it knows nothing about HTTP, auth or audit.
 */

import { FaceDetector } from '../face/face-detector.js';
import {
  type FaceReport,
  type FaceStageOptions,
  type QualityReport,
  runFaceStage,
} from '../face/face-stage.js';
import { centreSquare } from '../image/affine-sample.js';
import { type DecodedImage, decodeImage } from '../image/decode-image.js';
import { toPixelValues } from '../image/preprocess.js';
import { loadModelPackage, type ModelPackage } from '../model/load-package.js';
import { GRAPH_IO, kvCacheType, type Manifest } from '../model/manifest.js';
import {
  type ExecutionProvider,
  float32Tensor,
  OnnxSession,
  type SessionOptions,
} from '../runtime/onnx.js';
import { attackMediumOf } from './attack-medium.js';
import {
  type CheckResult,
  type ExplainMode,
  type JudgedCheck,
  type Judgment,
  type ModelInfo,
  type StageTimings,
  shouldExplain,
} from './check-result.js';
import { type DecoderGraphs, decoderStep, greedyContinue, type StopReason } from './generate.js';
import { KvCache } from './kv-cache.js';
import { livenessFromLogits } from './liveness.js';
import { RationaleText } from './rationale-text.js';
import { TextTokenizer } from './text-tokenizer.js';
import { TokenEmbeddings } from './token-embeddings.js';

export interface EngineOptions {
  executionProvider?: ExecutionProvider;
  /** Threads for the vision encoder (default: all cores). */
  intraOpThreads?: number;
  /**
   * Threads for the decoder and embedding graphs. Default: 1 for small decoders (a decode step is
   * shorter than a thread hand-off), all cores from SMALL_DECODER_LIMIT up (steps become
   * memory-bound and gain from more cores).
   */
  decoderThreads?: number;
  verifyHashes?: boolean;
  maxPixels?: number;
  /**
   * Face detector in front of the model: a loaded detector, `false` for none (images must already be
   * face crops), or undefined for the shipped models/face-detector.
   */
  faceDetector?: FaceDetector | false;
  /** Face choice, gate thresholds and detector score threshold. */
  face?: FaceStageOptions;
}

export interface CheckOptions {
  /**
   * Generate the rationale: always, never (default; score only, no text is generated), or auto (only
   * when the decision is spoof, the case a reviewer must be able to explain).
   */
  explain?: ExplainMode;
  /** Called once the decision is known, before any rationale is decoded (for streaming clients). */
  onJudged?: (judged: JudgedCheck) => void;
  maxNewTokens?: number;
  minNewTokens?: number;
  /** Budget for the rationale in ms; decoding stops with reason `time_limit` when spent. */
  rationaleTimeoutMs?: number;
  signal?: AbortSignal;
  /** Streams rationale text as it is decoded. */
  onText?: (delta: string) => void;
  /** Overrides the manifest's recommended threshold. */
  threshold?: number;
  /** Find the face first (default when the engine has a detector); false: the image is a face crop. */
  detect?: boolean;
}

export const DEFAULT_MAX_NEW_TOKENS = 48;
/** hiddenSize × layers below which the decoder runs on one thread by default. */
export const SMALL_DECODER_LIMIT = 2048;
export const DEFAULT_RATIONALE_TIMEOUT_MS = 10_000;

/**
 * Session settings per graph. The vision encoder's pool may spin (its many short operators gain ~20%);
 * the decoder's may not, so that two pools never spin against each other on the same cores.
 */
export function sessionPolicy(
  manifest: Manifest,
  options: EngineOptions,
): { vision: SessionOptions; decoder: SessionOptions } {
  const executionProvider = options.executionProvider ?? 'cpu';
  const smallDecoder = manifest.decoder.hiddenSize * manifest.decoder.layers < SMALL_DECODER_LIMIT;
  return {
    vision: { executionProvider, intraOpThreads: options.intraOpThreads, allowSpinning: true },
    decoder: {
      executionProvider,
      intraOpThreads: options.decoderThreads ?? (smallDecoder ? 1 : options.intraOpThreads),
      allowSpinning: false,
    },
  };
}

export class IfasEngine {
  private constructor(
    readonly pkg: ModelPackage,
    readonly model: ModelInfo,
    private readonly vision: OnnxSession,
    private readonly graphs: DecoderGraphs,
    private readonly embeddings: TokenEmbeddings,
    private readonly tokenizer: TextTokenizer,
    private readonly prefixEmbeds: Float32Array,
    private readonly suffixEmbeds: Float32Array,
    private readonly maxPixels: number | undefined,
    readonly faceDetector: FaceDetector | null,
    private readonly faceOptions: FaceStageOptions,
  ) {}

  /**
   * Verifies the package and creates its sessions.
   * @example const engine = await IfasEngine.load('models/ifas-mini', { intraOpThreads: 2 });
   */
  static async load(dir: string, options: EngineOptions = {}): Promise<IfasEngine> {
    const pkg = await loadModelPackage(dir, { verifyHashes: options.verifyHashes ?? true });
    const { manifest } = pkg;
    const { vision: visionOptions, decoder: decoderOptions } = sessionPolicy(manifest, options);
    const [vision, embed, decoder, tokenizer, faceDetector] = await Promise.all([
      OnnxSession.create(pkg.path(manifest.graphs.visionEncoder), visionOptions),
      OnnxSession.create(pkg.path(manifest.graphs.embedTokens), decoderOptions),
      OnnxSession.create(pkg.path(manifest.graphs.decoder), decoderOptions),
      TextTokenizer.load(pkg.path(manifest.tokenizer), manifest),
      options.faceDetector === undefined ? FaceDetector.load() : options.faceDetector || null,
    ]);
    const embeddings = new TokenEmbeddings(embed, manifest.decoder.hiddenSize);
    const graphs: DecoderGraphs = {
      decoder,
      manifest,
      embedToken: (id) => embeddings.row(id),
    };
    // The prompt around the image never changes: embed it once.
    const [prefixEmbeds, suffixEmbeds] = await Promise.all([
      embeddings.embed(manifest.prompt.prefixIds),
      embeddings.embed(manifest.prompt.suffixIds),
    ]);
    const model: ModelInfo = {
      name: manifest.name,
      version: manifest.version,
      status: manifest.status,
      packageHash: pkg.packageHash,
      executionProvider: vision.provider,
    };
    return new IfasEngine(
      pkg,
      model,
      vision,
      graphs,
      embeddings,
      tokenizer,
      prefixEmbeds,
      suffixEmbeds,
      options.maxPixels,
      faceDetector,
      options.face ?? {},
    );
  }

  get manifest(): Manifest {
    return this.pkg.manifest;
  }

  /** A warning for packages whose card says they must not be used for real decisions, else null. */
  get statusWarning(): string | null {
    const { name, status } = this.manifest;
    if (status === 'untrained') {
      return `${name} is UNTRAINED: random weights, its scores and rationales are noise. Never use it for decisions.`;
    }
    if (status === 'reference') {
      return `${name} is a REFERENCE model trained on simulated attacks only; it says nothing about real attacks. Do not deploy without retraining on real PAD data.`;
    }
    return null;
  }

  /** Decodes untrusted bytes, then checks them. */
  async check(bytes: Uint8Array, options: CheckOptions = {}): Promise<CheckResult> {
    const started = performance.now();
    const image = await decodeImage(
      bytes,
      this.maxPixels === undefined ? {} : { maxPixels: this.maxPixels },
    );
    return this.checkDecoded(image, options, started);
  }

  /** Checks an already decoded RGB image: face stage (unless `detect: false`), then the model. */
  async checkDecoded(
    image: DecodedImage,
    options: CheckOptions = {},
    started = performance.now(),
  ): Promise<CheckResult> {
    const manifest = this.manifest;
    const timings: StageTimings = {
      decodeMs: performance.now() - started,
      detectMs: 0,
      preprocessMs: 0,
      visionMs: 0,
      prefillMs: 0,
      rationaleMs: 0,
      totalMs: 0,
    };
    let mark = performance.now();
    const lap = (): number => {
      const now = performance.now();
      const elapsed = now - mark;
      mark = now;
      return elapsed;
    };
    const threshold = options.threshold ?? manifest.threshold.value;
    const base = {
      threshold,
      image: { width: image.width, height: image.height, format: image.format },
      timings,
      model: this.model,
    };

    // 1. Face stage: a window to crop, or a reason not to judge.
    let window = centreSquare(image);
    let face: FaceReport | null = null;
    let quality: QualityReport | null = null;
    if ((options.detect ?? true) && this.faceDetector) {
      const stage = await runFaceStage(this.faceDetector, image, manifest.image, this.faceOptions);
      timings.detectMs = lap();
      face = stage.face;
      quality = stage.quality;
      if (stage.window === null) {
        timings.totalMs = performance.now() - started;
        return {
          ...base,
          judgment: null,
          liveness: null,
          decision: 'uncertain',
          qualityReason: stage.quality.reason,
          quality,
          face,
          rationale: null,
          rationaleTokenIds: null,
          rationaleStopReason: null,
          attackMedium: null,
        };
      }
      window = stage.window;
    }

    // 2. Pixels → visual tokens.
    const pixels = toPixelValues(image, manifest.image, window);
    timings.preprocessMs = lap();
    const visual = await this.vision.run({
      [GRAPH_IO.vision.input]: float32Tensor(pixels.data, pixels.dims),
    });
    const visualTokens = visual[GRAPH_IO.vision.output]?.data as Float32Array;
    timings.visionMs = lap();

    // 3. One prefill over [prefix | visual | suffix]; judgment logits at the last position.
    const embeds = new Float32Array(
      this.prefixEmbeds.length + visualTokens.length + this.suffixEmbeds.length,
    );
    embeds.set(this.prefixEmbeds, 0);
    embeds.set(visualTokens, this.prefixEmbeds.length);
    embeds.set(this.suffixEmbeds, this.prefixEmbeds.length + visualTokens.length);
    const length = embeds.length / manifest.decoder.hiddenSize;
    const prefill = await decoderStep(
      this.graphs,
      embeds,
      length,
      KvCache.empty(manifest.decoder, kvCacheType(manifest)),
    );
    const { live, spoof } = manifest.judgment;
    const liveLogit = prefill.logits[live.tokenId] ?? Number.NEGATIVE_INFINITY;
    const spoofLogit = prefill.logits[spoof.tokenId] ?? Number.NEGATIVE_INFINITY;
    const liveness = livenessFromLogits(liveLogit, spoofLogit, manifest.calibration?.temperature);
    const judgment: Judgment = liveLogit >= spoofLogit ? 'live' : 'spoof';
    const decision: Judgment = liveness >= threshold ? 'live' : 'spoof';
    timings.prefillMs = lap();
    const explaining = shouldExplain(options.explain ?? 'never', decision);
    options.onJudged?.({ judgment, liveness, threshold, decision, explaining });

    // 4. Optional rationale: greedy from the judgment word on the prefill's cache.
    let rationale: string | null = null;
    let rationaleTokenIds: number[] | null = null;
    let rationaleStopReason: StopReason | null = null;
    if (explaining) {
      const firstToken = judgment === 'live' ? live.tokenId : spoof.tokenId;
      const text = new RationaleText(this.tokenizer, firstToken, options.onText);
      const deadline =
        performance.now() + (options.rationaleTimeoutMs ?? DEFAULT_RATIONALE_TIMEOUT_MS);
      const result = await greedyContinue(this.graphs, firstToken, prefill.cache, {
        maxNewTokens: options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS,
        minNewTokens: options.minNewTokens ?? 0,
        deadline,
        signal: options.signal,
        onToken: (id) => text.push(id),
      });
      rationale = text.finish();
      rationaleTokenIds = result.tokens;
      rationaleStopReason = result.stopReason;
      timings.rationaleMs = lap();
    }
    timings.totalMs = performance.now() - started;

    return {
      ...base,
      judgment,
      liveness,
      decision,
      qualityReason: null,
      quality,
      face,
      rationale,
      rationaleTokenIds,
      rationaleStopReason,
      attackMedium: attackMediumOf(rationale),
    };
  }

  async dispose(): Promise<void> {
    await Promise.all([
      this.vision.release(),
      this.graphs.decoder.release(),
      this.embeddings.release(),
      this.faceDetector?.release(),
    ]);
  }
}
