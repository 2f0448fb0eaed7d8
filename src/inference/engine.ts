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

import { FaceDetector, verifyFaceDetector } from '../face/face-detector.js';
import {
  type FaceReport,
  type FaceStageOptions,
  type QualityReport,
  runFaceStage,
} from '../face/face-stage.js';
import { minFaceSizeFor } from '../face/quality-gates.js';
import { centreSquare } from '../image/affine-sample.js';
import { type DecodedImage, decodeImage } from '../image/decode-image.js';
import { toPixelValues } from '../image/preprocess.js';
import { loadModelPackage, type ModelPackage } from '../model/load-package.js';
import { GRAPH_IO, type Manifest } from '../model/manifest.js';
import { VerifiedFilesCache } from '../model/verified-files-cache.js';
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
import { type DecoderGraphs, greedyContinue, prefillBatch, type StopReason } from './generate.js';
import type { FacePreview, PreviewOptions } from './judge.js';
import { decisionFromLiveness, livenessFromLogits } from './liveness.js';
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
  /**
   * How package files are verified (model/verified-files-cache.ts): `full` (default) hashes every
   * file; `cached` skips files recorded as verified and unchanged since (stat identity) and records
   * the ones it hashes; `refresh` hashes every file and rewrites the record (`--verify`).
   */
  verifyMode?: VerifyMode;
  /** The record for `cached` / `refresh` (default: defaultVerifiedFilesCacheFile()). */
  hashCacheFile?: string;
  /**
   * An already opened record, shared with the other packages a process verifies (detector, embedder):
   * one instance per record file, or each save would overwrite the others' entries. Wins over
   * verifyMode / hashCacheFile.
   */
  hashCache?: VerifiedFilesCache;
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
  /** Overrides the manifest's recommended threshold (and turns off its dev-set `uncertain` band). */
  threshold?: number;
  /** Find the face first (default when the engine has a detector); false: the image is a face crop. */
  detect?: boolean;
  /**
   * Receives the decoded photo (before the face stage), so a caller that needs its pixels again (the
   * identity match) does not decode the bytes a second time.
   */
  onDecoded?: (image: DecodedImage) => void;
}

export type VerifyMode = 'full' | 'cached' | 'refresh';

export const DEFAULT_MAX_NEW_TOKENS = 48;
/** hiddenSize × layers below which the decoder runs on one thread by default. */
export const SMALL_DECODER_LIMIT = 2048;
export const DEFAULT_RATIONALE_TIMEOUT_MS = 10_000;

/**
 * Session settings per graph. The vision encoder's pool may spin (its many short operators gain ~20%);
 * the decoder's may not, so that two pools never spin against each other on the same cores. The face
 * detector runs just before the vision encoder, never beside it, so it gets the same thread count
 * (one thread left BlazeFace at 2.5× the model's own time on 2 cores) but no spinning, since the
 * vision pool is the one that spins next.
 */
export function sessionPolicy(
  manifest: Manifest,
  options: EngineOptions,
): { vision: SessionOptions; decoder: SessionOptions; detector: SessionOptions } {
  const executionProvider = options.executionProvider ?? 'cpu';
  const smallDecoder = manifest.decoder.hiddenSize * manifest.decoder.layers < SMALL_DECODER_LIMIT;
  return {
    vision: { executionProvider, intraOpThreads: options.intraOpThreads, allowSpinning: true },
    detector: {
      executionProvider: 'cpu',
      intraOpThreads: options.intraOpThreads,
      allowSpinning: false,
    },
    decoder: {
      executionProvider,
      intraOpThreads: options.decoderThreads ?? (smallDecoder ? 1 : options.intraOpThreads),
      allowSpinning: false,
    },
  };
}

async function hashCacheFor(options: EngineOptions): Promise<VerifiedFilesCache | undefined> {
  if (options.hashCache) return options.hashCache;
  const mode = options.verifyMode ?? 'full';
  return mode === 'full'
    ? undefined
    : VerifiedFilesCache.open(options.hashCacheFile, { trust: mode === 'cached' });
}

export class IfasEngine {
  /**
   * Verifies the files `load` would verify (the package, and the shipped detector unless one is given
   * or detection is off) without creating sessions: a worker pool verifies once in the main thread,
   * then its workers load with `verifyHashes: false`.
   */
  static async verify(dir: string, options: EngineOptions = {}): Promise<void> {
    const hashCache = await hashCacheFor(options);
    const verify = hashCache ? { hashCache } : {};
    await loadModelPackage(dir, verify);
    if (options.faceDetector === undefined) await verifyFaceDetector(undefined, verify);
  }

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
   * @example const engine = await IfasEngine.load('models/ifas-lite0', { intraOpThreads: 2 });
   */
  static async load(dir: string, options: EngineOptions = {}): Promise<IfasEngine> {
    const hashCache = await hashCacheFor(options);
    const pkg = await loadModelPackage(dir, {
      verifyHashes: options.verifyHashes ?? true,
      ...(hashCache ? { hashCache } : {}),
    });
    const { manifest } = pkg;
    const policy = sessionPolicy(manifest, options);
    const { vision: visionOptions, decoder: decoderOptions } = policy;
    const [vision, embed, decoder, tokenizer, faceDetector] = await Promise.all([
      OnnxSession.create(pkg.path(manifest.graphs.visionEncoder), visionOptions),
      OnnxSession.create(pkg.path(manifest.graphs.embedTokens), decoderOptions),
      OnnxSession.create(pkg.path(manifest.graphs.decoder), decoderOptions),
      TextTokenizer.load(pkg.path(manifest.tokenizer), manifest),
      options.faceDetector === undefined
        ? FaceDetector.load(undefined, policy.detector, {
            verifyHashes: options.verifyHashes ?? true,
            ...(hashCache ? { hashCache } : {}),
          })
        : options.faceDetector || null,
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

  /**
   * The face stage alone on one small preview frame (live hints before an attempt): detect, choose the
   * subject, apply the capture-quality gates — with the face-size gate scaled to the real frames' size.
   * No liveness, no score; undefined when this engine runs without a face detector.
   */
  get preview():
    | ((bytes: Uint8Array, options: PreviewOptions) => Promise<FacePreview>)
    | undefined {
    const detector = this.faceDetector;
    if (!detector) return undefined;
    return async (bytes, options) => {
      const image = await decodeImage(bytes, { maxPixels: options.maxPixels });
      const minFaceSize =
        this.faceOptions.thresholds?.minFaceSize ?? minFaceSizeFor(this.manifest.image);
      const stage = await runFaceStage(detector, image, this.manifest.image, {
        ...this.faceOptions,
        thresholds: {
          ...this.faceOptions.thresholds,
          minFaceSize: minFaceSize * Math.min(1, image.width / options.captureWidth),
        },
      });
      return { reason: stage.quality.reason, faceCount: stage.quality.faceCount };
    };
  }

  /** Decodes untrusted bytes, then checks them. */
  async check(bytes: Uint8Array, options: CheckOptions = {}): Promise<CheckResult> {
    const [outcome] = await this.checkBatch([{ bytes, options }]);
    if (outcome?.status !== 'fulfilled') throw outcome?.reason;
    return outcome.value;
  }

  /** Checks an already decoded RGB image: face stage (unless `detect: false`), then the model. */
  async checkDecoded(
    image: DecodedImage,
    options: CheckOptions = {},
    started = performance.now(),
  ): Promise<CheckResult> {
    const [outcome] = await this.judgeDecoded([{ image, options, started }]);
    if (outcome?.status !== 'fulfilled') throw outcome?.reason;
    return outcome.value;
  }

  /**
   * Checks several images with ONE vision-encoder run and ONE decoder prefill for all of those that
   * reach the model (dynamic batching: the checks' prompts have the same length, so rows stack
   * without padding). Each entry settles on its own: an undecodable image rejects only its entry.
   * Rationales, when asked for, are decoded per check after the batch.
   */
  async checkBatch(
    items: ReadonlyArray<{ bytes: Uint8Array; options?: CheckOptions }>,
  ): Promise<Array<PromiseSettledResult<CheckResult>>> {
    const decoded = await Promise.allSettled(
      items.map(async ({ bytes, options }) => {
        const started = performance.now();
        const image = await decodeImage(
          bytes,
          this.maxPixels === undefined ? {} : { maxPixels: this.maxPixels },
        );
        options?.onDecoded?.(image);
        return { image, options: options ?? {}, started };
      }),
    );
    const ready = decoded.flatMap((d) => (d.status === 'fulfilled' ? [d.value] : []));
    const judged = await this.judgeDecoded(ready);
    let next = 0;
    return decoded.map(
      (d): PromiseSettledResult<CheckResult> =>
        d.status === 'rejected' ? d : (judged[next++] as PromiseSettledResult<CheckResult>),
    );
  }

  private async judgeDecoded(
    entries: ReadonlyArray<{ image: DecodedImage; options: CheckOptions; started: number }>,
  ): Promise<Array<PromiseSettledResult<CheckResult>>> {
    const manifest = this.manifest;
    const outcomes: Array<PromiseSettledResult<CheckResult>> = [];
    const toJudge: Array<{
      slot: number;
      base: Pick<CheckResult, 'threshold' | 'image' | 'timings' | 'model'>;
      options: CheckOptions;
      started: number;
      face: FaceReport | null;
      quality: QualityReport | null;
      pixels: Float32Array;
    }> = [];

    // 1. Per check: face stage → a window to crop, or a reason not to judge; then pixels.
    for (const [slot, { image, options, started }] of entries.entries()) {
      try {
        const timings: StageTimings = {
          decodeMs: performance.now() - started,
          detectMs: 0,
          preprocessMs: 0,
          visionMs: 0,
          prefillMs: 0,
          rationaleMs: 0,
          totalMs: 0,
        };
        const base = {
          threshold: options.threshold ?? manifest.threshold.value,
          image: { width: image.width, height: image.height, format: image.format },
          timings,
          model: this.model,
        };
        let window = centreSquare(image);
        let face: FaceReport | null = null;
        let quality: QualityReport | null = null;
        if ((options.detect ?? true) && this.faceDetector) {
          const detectStarted = performance.now();
          const stage = await runFaceStage(
            this.faceDetector,
            image,
            manifest.image,
            this.faceOptions,
          );
          timings.detectMs = performance.now() - detectStarted;
          face = stage.face;
          quality = stage.quality;
          if (stage.window === null) {
            timings.totalMs = performance.now() - started;
            outcomes[slot] = {
              status: 'fulfilled',
              value: {
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
              },
            };
            continue;
          }
          window = stage.window;
        }
        const preprocessStarted = performance.now();
        const pixels = toPixelValues(image, manifest.image, window).data;
        timings.preprocessMs = performance.now() - preprocessStarted;
        toJudge.push({ slot, base, options, started, face, quality, pixels });
      } catch (error) {
        outcomes[slot] = { status: 'rejected', reason: error };
      }
    }
    if (toJudge.length === 0) return outcomes;

    // 2. One vision run and one prefill over [prefix | visual | suffix] for the whole batch.
    const batch = toJudge.length;
    const { size, channels } = manifest.image;
    try {
      const pixelBatch = new Float32Array(batch * channels * size * size);
      for (const [row, item] of toJudge.entries())
        pixelBatch.set(item.pixels, row * item.pixels.length);
      let mark = performance.now();
      const visual = await this.vision.run({
        [GRAPH_IO.vision.input]: float32Tensor(pixelBatch, [batch, channels, size, size]),
      });
      const visualTokens = visual[GRAPH_IO.vision.output]?.data as Float32Array;
      const visionMs = performance.now() - mark;
      mark = performance.now();
      const perRow = visualTokens.length / batch;
      const rowLength = this.prefixEmbeds.length + perRow + this.suffixEmbeds.length;
      const embeds = new Float32Array(batch * rowLength);
      for (let row = 0; row < batch; row++) {
        const at = row * rowLength;
        embeds.set(this.prefixEmbeds, at);
        embeds.set(
          visualTokens.subarray(row * perRow, (row + 1) * perRow),
          at + this.prefixEmbeds.length,
        );
        embeds.set(this.suffixEmbeds, at + this.prefixEmbeds.length + perRow);
      }
      const length = rowLength / manifest.decoder.hiddenSize;
      const prefill = await prefillBatch(this.graphs, embeds, batch, length);
      const prefillMs = performance.now() - mark;

      // 3. Per check: the judgment, then the optional rationale from its row of the cache.
      const { live, spoof } = manifest.judgment;
      for (const [row, item] of toJudge.entries()) {
        const { base, options } = item;
        base.timings.visionMs = visionMs;
        base.timings.prefillMs = prefillMs;
        try {
          const logits = prefill.logits[row] as Float32Array;
          const liveLogit = logits[live.tokenId] ?? Number.NEGATIVE_INFINITY;
          const spoofLogit = logits[spoof.tokenId] ?? Number.NEGATIVE_INFINITY;
          const liveness = livenessFromLogits(
            liveLogit,
            spoofLogit,
            manifest.calibration?.temperature,
          );
          const judgment: Judgment = liveLogit >= spoofLogit ? 'live' : 'spoof';
          // The dev-set band belongs to the package's threshold; a caller's own threshold decides alone.
          const band =
            options.threshold === undefined ? (manifest.calibration?.uncertainBand ?? null) : null;
          const decision = decisionFromLiveness(liveness, base.threshold, band);
          const explaining = shouldExplain(options.explain ?? 'never', decision);
          options.onJudged?.({
            judgment,
            liveness,
            threshold: base.threshold,
            decision,
            explaining,
          });

          let rationale: string | null = null;
          let rationaleTokenIds: number[] | null = null;
          let rationaleStopReason: StopReason | null = null;
          if (explaining) {
            const rationaleStarted = performance.now();
            const firstToken = judgment === 'live' ? live.tokenId : spoof.tokenId;
            const text = new RationaleText(this.tokenizer, firstToken, options.onText);
            const result = await greedyContinue(this.graphs, firstToken, prefill.cacheOf(row), {
              maxNewTokens: options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS,
              minNewTokens: options.minNewTokens ?? 0,
              deadline:
                rationaleStarted + (options.rationaleTimeoutMs ?? DEFAULT_RATIONALE_TIMEOUT_MS),
              signal: options.signal,
              onToken: (id) => text.push(id),
            });
            rationale = text.finish();
            rationaleTokenIds = result.tokens;
            rationaleStopReason = result.stopReason;
            base.timings.rationaleMs = performance.now() - rationaleStarted;
          }
          base.timings.totalMs = performance.now() - item.started;
          outcomes[item.slot] = {
            status: 'fulfilled',
            value: {
              ...base,
              judgment,
              liveness,
              decision,
              qualityReason: null,
              quality: item.quality,
              face: item.face,
              rationale,
              rationaleTokenIds,
              rationaleStopReason,
              attackMedium: attackMediumOf(rationale),
            },
          };
        } catch (error) {
          outcomes[item.slot] = { status: 'rejected', reason: error };
        }
      }
    } catch (error) {
      // The shared runs failed: every check that was in them fails with the same error.
      for (const item of toJudge) outcomes[item.slot] = { status: 'rejected', reason: error };
    }
    return outcomes;
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
