/**
 * API benchmark: what the HTTP layer and the audit log cost on top of the model, as ratios against a
 * baseline run in the same process (not timed assertions):
 *   (e) POST /v1/checks in-process (multipart parsing, auth, queue, audit append) ÷ engine.check on
 *       the same bytes, score only — for the SQLite store and, when a server is given, PostgreSQL;
 *   (f) audit appends per second, SQLite and PostgreSQL, chained records of the real shape;
 *   (g) an identity-provider hook redeeming a check (signature, replay guard, single-use mark) ÷
 *       GET /v1/checks/{id} (auth, one store read), against Okta's 3 s inline-hook budget.
 *
 *   npm run bench:api -- [--iterations 40] [--postgres postgres://…]
 */

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { buildService, type Service } from '../src/app/build-service.js';
import { auditRecordFor } from '../src/audit/audit-record.js';
import { issueApiKey } from '../src/auth/api-keys.js';
import { serviceConfigFromEnv } from '../src/config/service-config.js';
import { projectRoot } from '../src/project-root.js';

const { values: args } = parseArgs({
  options: { iterations: { type: 'string', default: '40' }, postgres: { type: 'string' } },
});
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
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': new Webhook(HOOK_SECRET).sign(id, at, body),
        },
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

console.log(
  `iterations ${iterations}, image samples/grace-hopper.jpg, model models/ifas-mini, score only`,
);
const sqlite = await service({});
await apiRatio('SQLite', sqlite);
await appendRate('SQLite', sqlite);
await hookRatio('SQLite', sqlite);
await sqlite.close();
if (args.postgres) {
  const pg = await service({ IFAS_AUDIT_STORE: 'postgres', IFAS_DATABASE_URL: args.postgres });
  await apiRatio('PostgreSQL', pg);
  await appendRate('PostgreSQL', pg);
  await hookRatio('PostgreSQL', pg);
  await pg.close();
}
