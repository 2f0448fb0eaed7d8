/**
 * Faults against real `ifas serve` processes on 127.0.0.1 (the shipped reference model, faces not
 * detected so each check is quick): kill -9 under load, overload, a database locked by another
 * connection, and a PostgreSQL restart in the middle of the load (a private PostgreSQL instance, so
 * nobody else's server is restarted). Every figure comes from what clients were told (201 = an
 * acknowledged, recorded decision) compared with what the store holds afterwards.
 */

import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openAuditStore, type StoreConfig } from '../../src/audit/open-audit-store.js';
import { projectRoot } from '../../src/project-root.js';
import { type ServerProcess, spawnServer } from './server-process.js';

export interface FaultFigures {
  kill: { acknowledged: number; lost: number; chainOk: boolean };
  overload: {
    sent: number;
    accepted: number;
    refused: number;
    refusedWithoutRetryAfter: number;
    other: number;
    rssBeforeMiB: number;
    rssPeakMiB: number;
  };
  lock: {
    lockMs: number;
    sent: number;
    recorded: number;
    busy: number;
    other: number;
    healthzMaxMs: number;
  };
  postgres: {
    acknowledged: number;
    lost: number;
    recovered: boolean;
    serverSurvived: boolean;
  } | null;
}

const IMAGE = join(projectRoot(), 'samples', 'grace-hopper.jpg');

interface Running {
  server: ServerProcess;
  key: string;
  dataDir: string;
}

async function serve(env: Record<string, string> = {}): Promise<Running> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ifas-reliability-'));
  const keyFile = join(dataDir, 'key');
  const server = await spawnServer(
    {
      IFAS_DATA_DIR: dataDir,
      IFAS_DETECT_FACES: 'false',
      IFAS_MAX_NEW_TOKENS: '4',
      IFAS_QUEUE_MAX_WAITING: '64',
      ...env,
    },
    ['--bootstrap-key', keyFile],
  );
  return { server, key: (await readFile(keyFile, 'utf8')).trim(), dataDir };
}

async function stop(running: Running): Promise<void> {
  if (running.server.child.exitCode === null) running.server.child.kill('SIGTERM');
  await running.server.exited;
}

async function postCheck(
  running: Running,
  image: Buffer,
  clientRequestId: string,
): Promise<{ status: number; id: string | null; code: string | null; retryAfter: string | null }> {
  const body = new FormData();
  body.append('image', new Blob([image]));
  body.append('clientRequestId', clientRequestId);
  const res = await fetch(`${running.server.url}/v1/checks`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${running.key}` },
  });
  const json = (await res.json().catch(() => ({}))) as { id?: string; code?: string };
  return {
    status: res.status,
    id: res.status === 201 ? (json.id ?? null) : null,
    code: json.code ?? null,
    retryAfter: res.headers.get('retry-after'),
  };
}

/** Workers posting checks until `until()` says stop; returns the acknowledged check ids. */
async function load(
  running: Running,
  image: Buffer,
  workers: number,
  onAck: (acks: number) => void,
  until: () => boolean,
  maxRequests: number,
): Promise<string[]> {
  const acked: string[] = [];
  let sent = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (!until() && sent < maxRequests) {
        try {
          const answer = await postCheck(running, image, `load-${w}-${sent++}`);
          if (answer.id) {
            acked.push(answer.id);
            onAck(acked.length);
          }
        } catch {
          // connection refused or reset: the server is down (or being killed)
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }),
  );
  return acked;
}

async function lostOf(config: StoreConfig, tenant: string, ids: readonly string[]) {
  const store = await openAuditStore(config);
  try {
    let lost = 0;
    for (const id of ids) if (!(await store.findCheck(tenant, id))) lost++;
    return { lost, chainOk: (await store.verify(tenant)).ok };
  } finally {
    await store.close();
  }
}

async function killUnderLoad(image: Buffer, acksBeforeKill: number) {
  const running = await serve();
  let killed = false;
  const acked = await load(
    running,
    image,
    4,
    (n) => {
      if (n >= acksBeforeKill && !killed) {
        killed = true;
        running.server.child.kill('SIGKILL');
      }
    },
    () => killed && running.server.child.exitCode !== null,
    acksBeforeKill * 4,
  );
  await running.server.exited;
  const { lost, chainOk } = await lostOf(
    { kind: 'sqlite', path: join(running.dataDir, 'audit.sqlite') },
    'default',
    acked,
  );
  return { acknowledged: acked.length, lost, chainOk };
}

function rssMiB(pid: number | undefined): number {
  try {
    const status = execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' });
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

async function overload(image: Buffer, sent: number) {
  const running = await serve({ IFAS_QUEUE_MAX_WAITING: '4', IFAS_QUEUE_CONCURRENCY: '1' });
  const pid = running.server.child.pid;
  const rssBeforeMiB = rssMiB(pid);
  let rssPeakMiB = rssBeforeMiB;
  const sampler = setInterval(() => {
    rssPeakMiB = Math.max(rssPeakMiB, rssMiB(pid));
  }, 50);
  const answers = await Promise.all(
    Array.from({ length: sent }, (_, i) =>
      postCheck(running, image, `over-${i}`).catch(() => ({
        status: 0,
        id: null,
        code: null,
        retryAfter: null,
      })),
    ),
  );
  clearInterval(sampler);
  await stop(running);
  const refused = answers.filter((a) => a.status === 503);
  return {
    sent,
    accepted: answers.filter((a) => a.status === 201).length,
    refused: refused.length,
    refusedWithoutRetryAfter: refused.filter((a) => !a.retryAfter).length,
    other: answers.filter((a) => a.status !== 201 && a.status !== 503).length,
    rssBeforeMiB,
    rssPeakMiB,
  };
}

async function lockedDatabase(image: Buffer, lockMs: number, checks: number) {
  const running = await serve();
  // Warm the model so the lock, not the first inference, is what the checks wait for.
  await postCheck(running, image, 'warm-up');
  const blocker = new Database(join(running.dataDir, 'audit.sqlite'));
  blocker.exec('BEGIN IMMEDIATE');
  const released = new Promise<void>((resolve) =>
    setTimeout(() => {
      blocker.exec('COMMIT');
      blocker.close();
      resolve();
    }, lockMs),
  );
  let healthzMaxMs = 0;
  let probing = true;
  const probes = (async () => {
    while (probing) {
      const t0 = performance.now();
      await fetch(`${running.server.url}/healthz`).then((r) => r.arrayBuffer());
      healthzMaxMs = Math.max(healthzMaxMs, performance.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const answers = await Promise.all(
    Array.from({ length: checks }, (_, i) => postCheck(running, image, `locked-${i}`)),
  );
  await released;
  probing = false;
  await probes;
  await stop(running);
  const recorded = answers.filter((a) => a.status === 201).length;
  const busy = answers.filter((a) => a.status === 503 && a.code === 'STORE_BUSY').length;
  return {
    lockMs,
    sent: checks,
    recorded,
    busy,
    other: checks - recorded - busy,
    healthzMaxMs: Math.round(healthzMaxMs),
  };
}

/** A private PostgreSQL server (scripts/start-postgres.sh on its own port and folder). */
function privatePostgres(dir: string, port: number) {
  const env = { ...process.env, IFAS_PG_DIR: dir, IFAS_PG_PORT: String(port) };
  const script = join(projectRoot(), 'scripts', 'start-postgres.sh');
  return {
    start: () =>
      execFileSync('bash', [script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split('\n')
        .pop() ?? '',
    stop: () => execFileSync('bash', [script, '--stop'], { env, stdio: 'ignore' }),
  };
}

async function postgresRestart(image: Buffer, acksBefore: number) {
  const server = privatePostgres(
    join(tmpdir(), `ifas-reliability-pg-${process.pid}`),
    55_600 + (process.pid % 300),
  );
  const url = server.start();
  try {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS ifas_reliability');
    await admin.query('CREATE DATABASE ifas_reliability');
    await admin.end();
    const dbUrl = url.replace(/\/postgres$/, '/ifas_reliability');
    const running = await serve({ IFAS_AUDIT_STORE: 'postgres', IFAS_DATABASE_URL: dbUrl });
    let restarted = false;
    let acksAfterRestart = 0;
    const acked = await load(
      running,
      image,
      4,
      (n) => {
        if (restarted) acksAfterRestart++;
        if (n === acksBefore && !restarted) {
          server.stop(); // fast shutdown: open sessions are cut
          server.start();
          restarted = true;
        }
      },
      () => restarted && acksAfterRestart >= acksBefore,
      acksBefore * 20,
    );
    const serverSurvived = running.server.child.exitCode === null;
    if (!serverSurvived) console.error(running.server.output().slice(-2000));
    await stop(running);
    const { lost } = await lostOf({ kind: 'postgres', url: dbUrl }, 'default', acked);
    return {
      acknowledged: acked.length,
      lost,
      recovered: acksAfterRestart >= acksBefore,
      serverSurvived,
    };
  } finally {
    server.stop();
  }
}

export async function runServerFaults(options: {
  bounded: boolean;
  only?: 'postgres';
}): Promise<FaultFigures> {
  const image = await readFile(IMAGE);
  const b = options.bounded;
  if (options.only === 'postgres') {
    const none = { acknowledged: 0, lost: 0, chainOk: true };
    return {
      kill: none,
      overload: {
        sent: 0,
        accepted: 0,
        refused: 0,
        refusedWithoutRetryAfter: 0,
        other: 0,
        rssBeforeMiB: 0,
        rssPeakMiB: 0,
      },
      lock: { lockMs: 0, sent: 0, recorded: 0, busy: 0, other: 0, healthzMaxMs: 0 },
      postgres: await postgresRestart(image, b ? 10 : 50),
    };
  }
  return {
    kill: await killUnderLoad(image, b ? 25 : 100),
    overload: await overload(image, b ? 60 : 200),
    lock: await lockedDatabase(image, b ? 2_000 : 7_000, b ? 4 : 8),
    postgres: await postgresRestart(image, b ? 10 : 50),
  };
}
