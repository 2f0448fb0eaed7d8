/**
 * Prometheus metrics (prom-client) in a registry of the service's own, so two apps in one process
 * (tests) never share counters: per-stage latency histograms, decisions by outcome, queue depth and
 * refusals, model worker threads and their crashes, HTTP requests by route and status.
 */

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StageTimings } from '../inference/check-result.js';
import type { InferenceQueue } from '../inference/inference-queue.js';
import { EngineWorkerPool } from '../inference/worker-pool.js';
import type { ModelSlot } from './model-slot.js';

/** The model's worker pool, when the model is loaded and runs in one. */
function poolOf(model: ModelSlot | undefined): EngineWorkerPool | null {
  const status = model?.status;
  return status?.state === 'ready' && status.engine instanceof EngineWorkerPool
    ? status.engine
    : null;
}

const STAGES: ReadonlyArray<[keyof StageTimings, string]> = [
  ['decodeMs', 'decode'],
  ['detectMs', 'detect'],
  ['preprocessMs', 'preprocess'],
  ['visionMs', 'vision'],
  ['prefillMs', 'prefill'],
  ['rationaleMs', 'rationale'],
  ['totalMs', 'total'],
];

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly stageSeconds: Histogram<'stage'>;
  private readonly decisions: Counter<'decision' | 'quality_reason'>;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpSeconds: Histogram<'method' | 'route'>;

  constructor(queue: InferenceQueue, model?: ModelSlot) {
    const registers = [this.registry];
    new Gauge({
      name: 'ifas_model_workers',
      help: 'Model worker threads running (0: the model runs in the main thread or elsewhere).',
      registers,
      collect() {
        this.set(poolOf(model)?.size ?? 0);
      },
    });
    new Counter({
      name: 'ifas_model_worker_crashes_total',
      help: 'Model worker threads that exited unasked (each is replaced; its checks failed with 503).',
      registers,
      collect() {
        this.reset();
        this.inc(poolOf(model)?.stats.crashes ?? 0);
      },
    });
    this.stageSeconds = new Histogram({
      name: 'ifas_stage_duration_seconds',
      help: 'Time spent in each stage of a check.',
      labelNames: ['stage'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.decisions = new Counter({
      name: 'ifas_decisions_total',
      help: 'Decisions recorded, by outcome and capture-quality reason.',
      labelNames: ['decision', 'quality_reason'],
      registers,
    });
    new Gauge({
      name: 'ifas_queue_depth',
      help: 'Checks waiting for the model.',
      registers,
      collect() {
        this.set(queue.depth);
      },
    });
    new Gauge({
      name: 'ifas_queue_active',
      help: 'Checks running on the model.',
      registers,
      collect() {
        this.set(queue.active);
      },
    });
    new Counter({
      name: 'ifas_queue_rejections_total',
      help: 'Checks refused because the queue was full.',
      registers,
      collect() {
        this.reset();
        this.inc(queue.rejected);
      },
    });
    this.httpRequests = new Counter({
      name: 'ifas_http_requests_total',
      help: 'HTTP requests by route and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpSeconds = new Histogram({
      name: 'ifas_http_request_duration_seconds',
      help: 'HTTP request latency by route.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }

  observeCheck(decision: string, qualityReason: string | null, timings: StageTimings): void {
    this.decisions.inc({ decision, quality_reason: qualityReason ?? 'none' });
    for (const [key, stage] of STAGES) {
      if (timings[key] > 0) this.stageSeconds.observe({ stage }, timings[key] / 1000);
    }
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpSeconds.observe({ method, route }, seconds);
  }
}
