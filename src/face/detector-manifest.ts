/**
 * The face-detector package manifest (models/face-detector/manifest.json), validated with zod.
 * Written by training/ifas/face/build_detector_package.py.
 */

import { z } from 'zod';
import { relativePath, sha256 } from '../model/manifest.js';

/** What every single-graph face package (detector, embedder) declares: provenance, graph, NHWC input. */
export const faceGraphPackageFields = {
  formatVersion: z.literal(1),
  name: z.string().min(1),
  licence: z.string().min(1),
  source: z.string().min(1),
  model: relativePath,
  input: z.object({
    name: z.string().min(1),
    size: z.number().int().positive(),
    layout: z.literal('NHWC'),
    range: z.tuple([z.number(), z.number()]),
  }),
  files: z.record(relativePath, sha256),
};

export const detectorManifestSchema = z
  .object({
    ...faceGraphPackageFields,
    heads: z
      .array(
        z.object({
          scores: z.string().min(1),
          boxes: z.string().min(1),
          stride: z.number().int().positive(),
          anchorsPerCell: z.number().int().positive(),
        }),
      )
      .min(1),
    keypoints: z.array(z.string().min(1)),
    scoreThreshold: z.number().min(0).max(1),
    nmsIouThreshold: z.number().min(0).max(1),
  })
  .refine((manifest) => manifest.model in manifest.files, {
    message: 'the model file has no SHA-256',
    path: ['files'],
  })
  .refine((manifest) => ['rightEye', 'leftEye'].every((k) => manifest.keypoints.includes(k)), {
    message: 'keypoints must include rightEye and leftEye (roll alignment needs them)',
    path: ['keypoints'],
  });

export type DetectorManifest = z.infer<typeof detectorManifestSchema>;
