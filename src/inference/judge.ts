/**
 * What the service needs from a model: a check and the model's identity. The in-process IfasEngine
 * is one; a LambdaJudge that invokes the `infer` function (a container with the model, CPU on Lambda
 * or GPU elsewhere) is another, so the API function can stay small.
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
