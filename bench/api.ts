/**
 * API benchmark: what the HTTP layer and the audit log cost on top of the model, as ratios against a
 * baseline run in the same process (not timed assertions):
 *   (e) POST /v1/checks in-process (multipart parsing, auth, queue, audit append) ÷ engine.check on
 *       the same bytes, score only — for the SQLite store and, when a server is given, PostgreSQL;
 *   (f) audit appends per second, SQLite and PostgreSQL, chained records of the real shape;
 *   (g) an identity-provider hook redeeming a check (signature, replay guard, single-use mark) ÷
 *       GET /v1/checks/{id} (auth, one store read), against Okta's 3 s inline-hook budget;
 *   (h) throughput under load over loopback HTTP: accepted checks/s with 64 closed-loop clients
 *       (overload; a refused client retries at once, the worst case) ÷ with 8, and p99 ÷ p50 latency
 *       of accepted checks at 8 clients. Blocks alternate 8, 64, 8, 64 so machine drift hits both.
 *   (i) the model worker pool: accepted checks/s at 8 closed-loop clients over loopback HTTP with
 *       IFAS_WORKERS=auto (one worker per core) ÷ with one worker, and with batching off (batch 1)
 *       and the model in the main thread as further contenders; p99 ÷ p50 at 8 clients for each.
 *       The services run side by side and their blocks alternate, so drift hits all alike.
 *
 *   npm run bench:api -- [--iterations 40] [--postgres postgres://…] [--load-seconds 6]
 *   npm run bench:api -- --workers-only [--load-seconds 6] [--rounds 2] [--json FILE] [--batches 1,2,8]
 */

import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { buildService, type Service } from '../src/app/build-service.js';
import { auditRecordFor } from '../src/audit/audit-record.js';
import { standardWebhookHeaders } from '../src/audit/standard-webhook-headers.js';
import { issueApiKey } from '../src/auth/api-keys.js';
import { modelWorkerSettings } from '../src/config/model-workers.js';
import { serviceConfigFromEnv } from '../src/config/service-config.js';
import { projectRoot } from '../src/project-root.js';

const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '40' },
    postgres: { type: 'string' },
    'load-seconds': { type: 'string', default: '6' },
    'workers-only': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '2' },
    json: { type: 'string' },
    /** With --workers-only: compare these batch sizes, all with IFAS_WORKERS=auto (first = baseline). */
    batches: { type: 'string' },
  },
});
const loadSeconds = Number(args['load-seconds']);
const iterations = Number(args.iterations);
const image = await readFile(`${projectRoot()}/samples/grace-hopper.jpg`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timeIt(run: () => unknown): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

// Runs share a PostgreSQL database: ids carry the run so they never collide.
const RUN = Date.now().toString(36);
const HOOK_SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;

async function service(store: Record<string, string>): Promise<Service> {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const svc = await buildService(
    serviceConfigFromEnv({
      IFAS_DATA_DIR: await mkdtemp(`${tmpdir()}/ifas-bench-`),
      IFAS_HOOKS: JSON.stringify({ tenants: { bench: { secrets: [HOOK_SECRET] } } }),
      ...store,
    }),
  );
  await svc.modelLoaded;
  return svc;
}

async function apiRatio(label: string, svc: Service): Promise<void> {
  const status = svc.model.status;
  if (status.state !== 'ready') throw new Error('model not loaded');
  const key = (
    await issueApiKey(svc.store, { tenant: 'bench', name: 'bench', scopes: ['checks:write'] })
  ).key;
  const post = async () => {
    const body = new FormData();
    body.append('image', new Blob([image]));
    body.append('explain', 'never');
    const res = await svc.app.request('/v1/checks', {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${key}` },
    });
    if (res.status !== 201) throw new Error(`status ${res.status}`);
  };
  const direct = () => status.engine.check(image, { explain: 'never' });
  for (let i = 0; i < 5; i++) {
    await direct();
    await post();
  }
  const engineMs: number[] = [];
  const apiMs: number[] = [];
  // Alternate so drift (thermal, page cache) hits both alike.
  for (let i = 0; i < iterations; i++) {
    engineMs.push(await timeIt(direct));
    apiMs.push(await timeIt(post));
  }
  const e = median(engineMs);
  const a = median(apiMs);
  console.log(
    `(e) ${label}: API ${a.toFixed(2)} ms ÷ engine ${e.toFixed(2)} ms = ${(a / e).toFixed(3)} (overhead ${(a - e).toFixed(2)} ms)`,
  );
}

async function appendRate(label: string, svc: Service): Promise<void> {
  const status = svc.model.status;
  if (status.state !== 'ready') throw new Error('model not loaded');
  const result = await status.engine.check(image, { explain: 'always' });
  const count = 500;
  const records = Array.from({ length: count }, (_, n) =>
    auditRecordFor(result, image, {
      checkId: `chk_bench_${RUN}_${n}`,
      tenant: 'append-bench',
      subject: `user-${n}`,
      subjectPolicy: { kind: 'plain' },
      requestId: null,
      clientRequestId: null,
      explain: 'always',
      caller: { kind: 'cli', id: 'bench' },
    }),
  );
  const ms = await timeIt(async () => {
    for (const record of records) await svc.store.append(record);
  });
  console.log(
    `(f) ${label}: ${((count / ms) * 1000).toFixed(0)} chained appends/s (sequential, durable commits)`,
  );
}

async function hookRatio(label: string, svc: Service): Promise<void> {
  const key = (
    await issueApiKey(svc.store, { tenant: 'bench', name: 'hook', scopes: ['checks:read'] })
  ).key;
  const ids: string[] = [];
  for (let i = 0; i < iterations + 5; i++) {
    const outcome = await svc.checks.submit({
      tenant: 'bench',
      image,
      subject: 'bench-user',
      clientRequestId: null,
      explain: 'never',
      caller: { kind: 'cli', id: 'bench' },
      requestId: null,
      userAgent: null,
    });
    ids.push(outcome.stored.record.checkId);
  }
  const hookMs: number[] = [];
  const getMs: number[] = [];
  for (const [i, checkId] of ids.entries()) {
    const body = JSON.stringify({
      type: 'liveness.verify',
      data: { subject: 'bench-user', checkId },
    });
    const at = new Date();
    const id = `msg_bench_${RUN}_${label}_${i}`;
    const hook = () =>
      svc.app.request('/v1/hooks/verify', {
        method: 'POST',
        body,
        headers: standardWebhookHeaders(HOOK_SECRET, id, body, at),
      });
    const read = () =>
      svc.app.request(`/v1/checks/${checkId}`, { headers: { authorization: `Bearer ${key}` } });
    const h = await timeIt(hook);
    const g = await timeIt(read);
    if (i >= 5) {
      hookMs.push(h);
      getMs.push(g);
    }
  }
  const p99 = [...hookMs].sort((a, b) => a - b)[Math.floor(hookMs.length * 0.99)] ?? Number.NaN;
  const ratio = median(hookMs) / median(getMs);
  console.log(
    `(g) ${label}: hook redeem ${median(hookMs).toFixed(2)} ms ÷ GET check ${median(getMs).toFixed(2)} ms = ${ratio.toFixed(2)}; hook p99 ${p99.toFixed(2)} ms = ${((p99 / 3000) * 100).toFixed(2)} % of Okta's 3 s`,
  );
}

interface LoadBlock {
  accepted: number;
  refused: number;
  latencies: number[];
  seconds: number;
}

/** `clients` closed-loop clients POSTing the portrait for `seconds` over real loopback HTTP. */
async function loadBlock(url: string, key: string, clients: number, seconds: number) {
  const block: LoadBlock = { accepted: 0, refused: 0, latencies: [], seconds };
  const until = performance.now() + seconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < until) {
      const body = new FormData();
      body.append('image', new Blob([image]));
      body.append('explain', 'never');
      const started = performance.now();
      const res = await fetch(`${url}/v1/checks`, {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${key}` },
      });
      await res.arrayBuffer();
      if (res.status === 201) {
        block.accepted++;
        block.latencies.push(performance.now() - started);
      } else if (res.status === 503) {
        block.refused++;
      } else {
        throw new Error(`status ${res.status}`);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return block;
}

/** The service behind a loopback HTTP server, and an API key for it. */
async function listening(
  svc: Service,
): Promise<{ url: string; key: string; close(): Promise<void> }> {
  const key = (
    await issueApiKey(svc.store, { tenant: 'bench', name: 'load', scopes: ['checks:write'] })
  ).key;
  const server = serve({ fetch: svc.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, key, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.floor(sorted.length * p)] ?? Number.NaN;
}

async function workerPoolThroughput(): Promise<Record<string, unknown>> {
  const rounds = Number(args.rounds);
  const batchSizes = args.batches?.split(',').map((b) => b.trim());
  const batch = modelWorkerSettings({}).batchMax; // the default on CPU
  const contenders = batchSizes
    ? batchSizes.map((b) => ({
        label: `IFAS_WORKERS=auto, IFAS_BATCH_MAX=${b}`,
        env: { IFAS_BATCH_MAX: b },
      }))
    : [
        { label: `IFAS_WORKERS=auto (${availableParallelism()} cores), batch ${batch}`, env: {} },
        { label: `IFAS_WORKERS=1, batch ${batch}`, env: { IFAS_WORKERS: '1' } },
        { label: 'IFAS_WORKERS=auto, batch 1', env: { IFAS_BATCH_MAX: '1' } },
        { label: `IFAS_WORKERS=0 (main thread), batch ${batch}`, env: { IFAS_WORKERS: '0' } },
      ];
  // The baseline: one worker, or the first batch size given.
  const baseIndex = batchSizes ? 0 : 1;
  const running = [];
  for (const contender of contenders) {
    const svc = await service(contender.env);
    running.push({ ...contender, svc, http: await listening(svc), blocks: [] as LoadBlock[] });
  }
  for (const r of running) await loadBlock(r.http.url, r.http.key, 8, 1); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const r of running) r.blocks.push(await loadBlock(r.http.url, r.http.key, 8, loadSeconds));
  }
  const figures = running.map((r) => {
    const accepted = r.blocks.reduce((n, b) => n + b.accepted, 0);
    const seconds = r.blocks.reduce((n, b) => n + b.seconds, 0);
    const latencies = r.blocks.flatMap((b) => b.latencies).sort((a, b) => a - b);
    return {
      label: r.label,
      checksPerSecond: accepted / seconds,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
    };
  });
  const base = figures[baseIndex]?.checksPerSecond ?? Number.NaN;
  for (const f of figures) {
    console.log(
      `(i) ${f.label}: ${f.checksPerSecond.toFixed(1)} checks/s at 8 clients (÷ ${batchSizes ? 'first' : 'one worker'} ${(f.checksPerSecond / base).toFixed(2)}); p99 ÷ p50 ${f.p99Ms.toFixed(1)} ÷ ${f.p50Ms.toFixed(1)} ms = ${(f.p99Ms / f.p50Ms).toFixed(2)}`,
    );
  }
  for (const r of running) {
    await r.http.close();
    await r.svc.close();
  }
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model,
    loadAverage: loadavg(),
    loadSeconds,
    rounds,
    contenders: figures,
    ...(batchSizes
      ? {}
      : { poolThroughputRatio: (figures[0]?.checksPerSecond ?? Number.NaN) / base }),
  };
}

async function throughputUnderLoad(svc: Service): Promise<void> {
  const { url, key, close } = await listening(svc);
  await loadBlock(url, key, 8, 1); // warm-up
  const blocks: Record<8 | 64, LoadBlock[]> = { 8: [], 64: [] };
  for (let round = 0; round < 2; round++) {
    blocks[8].push(await loadBlock(url, key, 8, loadSeconds));
    blocks[64].push(await loadBlock(url, key, 64, loadSeconds));
  }
  await close();
  const rate = (list: LoadBlock[]) =>
    list.reduce((n, b) => n + b.accepted, 0) / list.reduce((n, b) => n + b.seconds, 0);
  const eight = blocks[8].flatMap((b) => b.latencies).sort((a, b) => a - b);
  const p50 = eight[Math.floor(eight.length * 0.5)] ?? Number.NaN;
  const p99 = eight[Math.floor(eight.length * 0.99)] ?? Number.NaN;
  const refused64 = blocks[64].reduce((n, b) => n + b.refused, 0);
  console.log(
    `(h) loopback HTTP, SQLite: accepted/s at 64 clients ${rate(blocks[64]).toFixed(1)} ÷ at 8 clients ${rate(blocks[8]).toFixed(1)} = ${(rate(blocks[64]) / rate(blocks[8])).toFixed(2)} (target ≥ 0.8; ${refused64} refused with 503 at 64); p99 ÷ p50 at 8 clients ${p99.toFixed(1)} ÷ ${p50.toFixed(1)} ms = ${(p99 / p50).toFixed(2)} (target ≤ 3)`,
  );
}

if (args['workers-only']) {
  const figures = await workerPoolThroughput();
  if (args.json) await writeFile(args.json, `${JSON.stringify(figures, null, 2)}\n`);
  process.exit(0);
}
console.log(
  `iterations ${iterations}, image samples/grace-hopper.jpg, model models/ifas-lite0, score only`,
);
const sqlite = await service({});
await apiRatio('SQLite', sqlite);
await appendRate('SQLite', sqlite);
await hookRatio('SQLite', sqlite);
await throughputUnderLoad(sqlite);
await sqlite.close();
await workerPoolThroughput();
if (args.postgres) {
  const pg = await service({ IFAS_AUDIT_STORE: 'postgres', IFAS_DATABASE_URL: args.postgres });
  await apiRatio('PostgreSQL', pg);
  await appendRate('PostgreSQL', pg);
  await hookRatio('PostgreSQL', pg);
  await pg.close();
}
