/**
 * What the service needs from a model: a check and the model's identity. The in-process IfasEngine
 * is one; a RemoteJudge (src/remote/) that reaches the `infer` function or the infer container (the
 * model on CPU on Lambda, or on a GPU elsewhere) is another, so the API function can stay small.
 */

import type { CheckResult, ModelInfo } from './check-result.js';
import type { CheckOptions } from './engine.js';

export interface Judge {
  readonly model: ModelInfo;
  /** A warning for packages that must not make real decisions (untrained, reference), else null. */
  readonly statusWarning: string | null;
  check(bytes: Uint8Array, options?: CheckOptions): Promise<CheckResult>;
  dispose(): Promise<void>;
}
