/**
 * The engine of the infer function and container. It reads only the model settings (IFAS_MODEL_DIR,
 * IFAS_EXECUTION_PROVIDER: cpu on Lambda, cuda or auto on GPU platforms, IFAS_DETECT_FACES,
 * IFAS_MAX_PIXELS): it never touches the audit store, so it needs no database or secrets.
 */

import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { IfasEngine } from '../inference/engine.js';
import { defaultModelDir } from '../project-root.js';
import { issueSummary } from '../zod-issues.js';

const inferEnvSchema = z.object({
  IFAS_MODEL_DIR: z.string().optional(),
  IFAS_EXECUTION_PROVIDER: z.enum(['cpu', 'cuda', 'auto']).default('cpu'),
  IFAS_DETECT_FACES: z.enum(['true', 'false']).default('true'),
  IFAS_MAX_PIXELS: z.coerce.number().int().positive().default(40_000_000),
});

export async function loadInferEngine(env: NodeJS.ProcessEnv = process.env): Promise<IfasEngine> {
  const parsed = inferEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid infer configuration: ${issueSummary(parsed.error)}`);
  }
  const e = parsed.data;
  return IfasEngine.load(resolve(e.IFAS_MODEL_DIR ?? defaultModelDir()), {
    executionProvider: e.IFAS_EXECUTION_PROVIDER,
    maxPixels: e.IFAS_MAX_PIXELS,
    ...(e.IFAS_DETECT_FACES === 'true' ? {} : { faceDetector: false as const }),
  });
}
