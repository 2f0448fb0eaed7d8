/**
 * Holds the engine while it loads, so the server can listen at once: `/readyz` answers 503 and checks
 * answer MODEL_NOT_READY until the model is loaded, and a model that failed to load says why.
 */

import { ModelNotReadyError } from '../errors.js';
import type { Judge } from '../inference/judge.js';

export type ModelState =
  | { state: 'loading' }
  | { state: 'ready'; engine: Judge }
  | { state: 'failed'; error: Error };

export class ModelSlot {
  private current: ModelState = { state: 'loading' };

  /** Starts tracking a load; resolves once it settled (never rejects). */
  track(loading: Promise<Judge>): Promise<void> {
    this.current = { state: 'loading' };
    return loading.then(
      (engine) => {
        this.current = { state: 'ready', engine };
      },
      (error: unknown) => {
        this.current = {
          state: 'failed',
          error: error instanceof Error ? error : new Error(String(error)),
        };
      },
    );
  }

  static ready(engine: Judge): ModelSlot {
    const slot = new ModelSlot();
    slot.current = { state: 'ready', engine };
    return slot;
  }

  get status(): ModelState {
    return this.current;
  }

  engine(): Judge {
    if (this.current.state === 'ready') return this.current.engine;
    throw new ModelNotReadyError(
      this.current.state === 'loading' ? 'the model is still loading' : 'the model failed to load',
    );
  }
}
