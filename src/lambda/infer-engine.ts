/**
 * The engine of the infer function and container, configured like the server (IFAS_MODEL_DIR,
 * IFAS_EXECUTION_PROVIDER: cpu on Lambda, cuda or auto on GPU platforms, IFAS_DETECT_FACES).
 */

import { serviceConfigFromEnv } from '../config/service-config.js';
import { IfasEngine } from '../inference/engine.js';

export async function loadInferEngine(env: NodeJS.ProcessEnv = process.env): Promise<IfasEngine> {
  const config = serviceConfigFromEnv(env);
  return IfasEngine.load(config.modelDir, {
    executionProvider: config.executionProvider,
    maxPixels: config.limits.maxPixels,
    ...(config.detectFaces ? {} : { faceDetector: false as const }),
  });
}
