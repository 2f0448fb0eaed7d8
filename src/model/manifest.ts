/**
 * The model-package manifest (docs/model-package.md): its zod schema and the graph I/O names.
 *
 * The Python exporter (training/ifas/package_writer.py) writes this file; this schema is the only
 * contract between the two sides. Everything the runtime needs to prepare an image, build the prompt
 * and read the judgment comes from here, so a real-size package loads without code changes.
 */

import { z } from 'zod';

export const MANIFEST_FILE = 'manifest.json';
/** 1: float32 graphs; 2 adds `precision` (fp16 weights / KV cache) and `externalData` (graphs over 2 GB). */
export const SUPPORTED_FORMAT_VERSIONS = [1, 2] as const;

/** Graph I/O names, as transformers.js and Optimum spell them. */
export const GRAPH_IO = {
  vision: { input: 'pixel_values', output: 'image_features' },
  embed: { input: 'input_ids', output: 'inputs_embeds' },
  decoder: {
    inputsEmbeds: 'inputs_embeds',
    attentionMask: 'attention_mask',
    positionIds: 'position_ids',
    logits: 'logits',
    pastKey: (layer: number) => `past_key_values.${layer}.key`,
    pastValue: (layer: number) => `past_key_values.${layer}.value`,
    presentKey: (layer: number) => `present.${layer}.key`,
    presentValue: (layer: number) => `present.${layer}.value`,
  },
} as const;

/** A path that stays inside its package folder; shared by every package manifest. */
export const relativePath = z
  .string()
  .min(1)
  .refine((path) => !path.startsWith('/') && !path.split('/').includes('..'), {
    message: 'must be a relative path inside the package',
  });
const tokenId = z.number().int().nonnegative();
export const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');
const tensorType = z.enum(['float32', 'float16']);

export const manifestSchema = z
  .object({
    formatVersion: z.literal(SUPPORTED_FORMAT_VERSIONS),
    name: z.string().min(1),
    version: z.string().min(1),
    /** untrained: random weights; reference: trained on simulated attacks only; production: real PAD data. */
    status: z.enum(['untrained', 'reference', 'production']),
    licence: z.string().min(1),
    modelCard: relativePath,
    image: z.object({
      size: z.number().int().positive(),
      channels: z.literal(3),
      mean: z.array(z.number()).length(3),
      std: z.array(z.number().positive()).length(3),
      // Without detection the centre square is used; with detection, the face crop.
      resize: z.literal('center-crop'),
      faceCropMargin: z.number().min(0).max(2),
    }),
    prompt: z.object({
      question: z.string().min(1),
      template: z.string().min(1),
      imagePlaceholder: z.string().min(1),
      prefixIds: z.array(tokenId),
      suffixIds: z.array(tokenId).min(1),
    }),
    judgment: z.object({
      live: z.object({ word: z.string().min(1), tokenId }),
      spoof: z.object({ word: z.string().min(1), tokenId }),
    }),
    connector: z.object({
      type: z.enum(['gac', 'mlp']),
      visualTokens: z.number().int().positive(),
      learnableQueries: z.number().int().nonnegative(),
      encoderLayers: z.number().int().positive(),
    }),
    decoder: z.object({
      layers: z.number().int().positive(),
      heads: z.number().int().positive(),
      kvHeads: z.number().int().positive(),
      headDim: z.number().int().positive(),
      hiddenSize: z.number().int().positive(),
      vocabSize: z.number().int().positive(),
      maxPositions: z.number().int().positive(),
      bosTokenId: tokenId,
      eosTokenId: tokenId,
      padTokenId: tokenId,
    }),
    tokenizer: relativePath,
    graphs: z.object({
      visionEncoder: relativePath,
      embedTokens: relativePath,
      decoder: relativePath,
      textDecoder: relativePath.optional(),
    }),
    threshold: z.object({ value: z.number().min(0).max(1), provenance: z.string().min(1) }),
    /**
     * How weights are stored (fp16 initializers are cast to float32 inside the graph) and the element
     * type of the decoder's past_key_values / present tensors. Pixels, embeddings and logits stay float32.
     */
    precision: z.object({ weights: tensorType, kvCache: tensorType }).optional(),
    /** Graph path → the ONNX external-data files onnxruntime reads beside it (each hashed in `files`). */
    externalData: z.record(relativePath, z.array(relativePath)).optional(),
    /** Temperature scaling fitted on dev: liveness = σ((logit_Yes − logit_No) / temperature); the
     * threshold is on that calibrated liveness; scores in [low, high) form the dev-set `uncertain` band. */
    calibration: z
      .object({
        method: z.literal('temperature'),
        temperature: z.number().positive().max(1000),
        uncertainBand: z
          .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
          .refine(
            ([low, high]) => low <= high,
            'uncertainBand must be [low, high] with low ≤ high',
          ),
        provenance: z.string().min(1),
      })
      .optional(),
    files: z.record(relativePath, sha256),
  })
  .superRefine((manifest, ctx) => {
    const referenced = [
      manifest.modelCard,
      manifest.tokenizer,
      manifest.graphs.visionEncoder,
      manifest.graphs.embedTokens,
      manifest.graphs.decoder,
      ...(manifest.graphs.textDecoder ? [manifest.graphs.textDecoder] : []),
    ];
    const external = Object.entries(manifest.externalData ?? {});
    for (const path of [...referenced, ...external.flatMap(([, data]) => data)]) {
      if (!(path in manifest.files)) {
        ctx.addIssue({ code: 'custom', path: ['files'], message: `no SHA-256 listed for ${path}` });
      }
    }
    const graphs: string[] = Object.values(manifest.graphs).filter((path) => path !== undefined);
    for (const [graph] of external) {
      if (!graphs.includes(graph)) {
        ctx.addIssue({
          code: 'custom',
          path: ['externalData'],
          message: `${graph} is not a graph`,
        });
      }
    }
    const hasV2Fields = manifest.precision !== undefined || manifest.externalData !== undefined;
    if (manifest.formatVersion === 2 && manifest.precision === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['precision'],
        message: 'formatVersion 2 declares precision',
      });
    }
    if (manifest.formatVersion === 1 && hasV2Fields) {
      ctx.addIssue({
        code: 'custom',
        path: ['formatVersion'],
        message: 'precision and externalData need formatVersion 2',
      });
    }
    const { live, spoof } = manifest.judgment;
    if (live.tokenId === spoof.tokenId) {
      ctx.addIssue({
        code: 'custom',
        path: ['judgment'],
        message: 'live and spoof share a token id',
      });
    }
    for (const id of [live.tokenId, spoof.tokenId, manifest.decoder.eosTokenId]) {
      if (id >= manifest.decoder.vocabSize) {
        ctx.addIssue({
          code: 'custom',
          path: ['judgment'],
          message: `token id ${id} outside vocabulary`,
        });
      }
    }
    if (manifest.decoder.heads % manifest.decoder.kvHeads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['decoder'],
        message: 'heads must be a multiple of kvHeads',
      });
    }
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type TensorType = z.infer<typeof tensorType>;

/** Element type of the decoder's KV cache tensors (float32 unless the package declares fp16). */
export function kvCacheType(manifest: Manifest): TensorType {
  return manifest.precision?.kvCache ?? 'float32';
}
