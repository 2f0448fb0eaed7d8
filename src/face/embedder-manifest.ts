/**
 * The face-embedder package manifest (models/face-embedder/manifest.json), validated with zod.
 * Written by training/ifas/face/build_embedder_package.py.
 */

import { z } from 'zod';
import { relativePath } from '../model/manifest.js';
import { faceGraphPackageFields } from './detector-manifest.js';

const point = z.tuple([z.number(), z.number()]);

export const embedderManifestSchema = z
  .object({
    ...faceGraphPackageFields,
    modelCard: relativePath,
    output: z.object({ name: z.string().min(1), size: z.number().int().positive() }),
    alignment: z.object({ template: z.record(z.string(), point) }),
    similarity: z.literal('cosine'),
    threshold: z.object({ value: z.number().min(-1).max(1), provenance: z.string().min(1) }),
  })
  .refine((m) => m.model in m.files && m.modelCard in m.files, {
    message: 'the model and its card need a SHA-256',
    path: ['files'],
  })
  .refine((m) => m.input.range[0] === 0 && m.input.range[1] === 255, {
    message: 'the embedder takes chip pixels in 0–255 (the sampler output)',
    path: ['input', 'range'],
  })
  .refine((m) => Object.keys(m.alignment.template).length >= 2, {
    message: 'the alignment template needs at least two keypoints',
    path: ['alignment'],
  });

export type EmbedderManifest = z.infer<typeof embedderManifestSchema>;
