import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EvalSample, evaluate, expectedCalibrationError } from '../../src/eval/metrics.js';
import { FIXTURES } from '../support/fixtures.js';

interface VectorCase {
  name: string;
  scores: number[];
  labels: Array<0 | 1>;
  types: string[];
  threshold: number;
  expected: {
    auc: number;
    eer: number;
    eer_threshold: number;
    hter: number;
    apcer: number;
    bpcer: number;
    apcer_by_type: Record<string, number>;
    tpr_at_fpr_1: number;
    ece: number;
  };
}

const vectors = JSON.parse(
  await readFile(join(FIXTURES, 'eval', 'metric-vectors.json'), 'utf8'),
) as {
  cases: VectorCase[];
};

describe('Function: evaluate (same numbers as training/ifas/metrics.py)', () => {
  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s', (_name, vector) => {
    const samples: EvalSample[] = vector.scores.map((score, i) => ({
      score,
      label: vector.labels[i] ?? 0,
      type: vector.types[i] ?? 'live',
    }));
    const report = evaluate(samples, vector.threshold);
    const close = (actual: number, expected: number): void => {
      expect(Math.abs(actual - expected)).toBeLessThan(1e-6);
    };
    close(report.auc, vector.expected.auc);
    close(report.eer, vector.expected.eer);
    close(report.eerThreshold, vector.expected.eer_threshold);
    close(report.hter, vector.expected.hter);
    close(report.apcer, vector.expected.apcer);
    close(report.bpcer, vector.expected.bpcer);
    close(report.tprAtFpr1, vector.expected.tpr_at_fpr_1);
    close(report.ece, vector.expected.ece);
    for (const [type, value] of Object.entries(vector.expected.apcer_by_type)) {
      close(report.apcerByType[type] ?? Number.NaN, value);
    }
  });

  it('scores a perfect separation as AUC 1, EER 0', () => {
    const samples: EvalSample[] = [
      { score: 0.9, label: 1, type: 'live' },
      { score: 0.8, label: 1, type: 'live' },
      { score: 0.2, label: 0, type: 'print' },
      { score: 0.1, label: 0, type: 'replay' },
    ];
    const report = evaluate(samples, 0.5);
    expect([report.auc, report.eer, report.hter, report.tprAtFpr1]).toEqual([1, 0, 0, 1]);
  });
});

describe('Function: expectedCalibrationError', () => {
  it('weighs each bin’s gap between fraction live and mean score by its share of samples', () => {
    const samples = [
      { score: 0.05, label: 0 as const, type: 'print' },
      { score: 0.05, label: 1 as const, type: 'live' },
      { score: 0.95, label: 1 as const, type: 'live' },
      { score: 1, label: 1 as const, type: 'live' },
    ];
    // bin 0: |0.5 − 0.05| · 2/4; bin 14 (score 1 included): |1 − 0.975| · 2/4
    expect(expectedCalibrationError(samples)).toBeCloseTo(0.45 * 0.5 + 0.025 * 0.5, 12);
    expect(expectedCalibrationError([])).toBeNaN();
  });
});
