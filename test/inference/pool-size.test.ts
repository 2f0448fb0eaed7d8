import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { poolSize } from '../../src/inference/pool-size.js';

describe('Function: poolSize', () => {
  it('runs one single-threaded worker per core on CPU by default', () => {
    expect(poolSize({ cores: 2 })).toEqual({ workers: 2, threadsPerWorker: 1 });
    expect(poolSize({ cores: 16, workers: 'auto' })).toEqual({ workers: 16, threadsPerWorker: 1 });
  });

  it('divides the cores among explicit workers, or workers among explicit threads', () => {
    expect(poolSize({ cores: 16, workers: 4 })).toEqual({ workers: 4, threadsPerWorker: 4 });
    expect(poolSize({ cores: 16, threadsPerWorker: 4 })).toEqual({
      workers: 4,
      threadsPerWorker: 4,
    });
    expect(poolSize({ cores: 3, workers: 2 })).toEqual({ workers: 2, threadsPerWorker: 1 });
  });

  it('gives a GPU one worker with every core', () => {
    expect(poolSize({ cores: 8, executionProvider: 'cuda' })).toEqual({
      workers: 1,
      threadsPerWorker: 8,
    });
  });

  it('refuses settings beyond the cores, or no worker at all', () => {
    expect(() => poolSize({ cores: 2, workers: 2, threadsPerWorker: 2 })).toThrow(ConfigError);
    expect(() => poolSize({ cores: 2, workers: 3 })).toThrow(/exceed the 2 cores/);
    expect(() => poolSize({ cores: 2, workers: 0 })).toThrow(ConfigError);
  });
});
