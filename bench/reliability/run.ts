/**
 * `npm run reliability`: the reliability suite. Runs the tamper matrix on a real SQLite file, the
 * bad-input corpus against every route, and the server faults (kill -9 under load, overload, a
 * locked database, a PostgreSQL restart mid-load) against real `ifas serve` processes on loopback,
 * then prints one table of figures. `--bounded` is the short version `.ci/run` runs; `--write`
 * also writes the table to docs/reliability.md.
 */

import { mkdtemp, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAuditStore } from '../../src/audit/sqlite-audit-store.js';
import { projectRoot } from '../../src/project-root.js';
import { openSqlDialect } from '../../src/store/sql-dialect.js';
import { runBadInputCorpus } from './bad-inputs.js';
import { type FaultFigures, runServerFaults } from './server-faults.js';
import { type MatrixHarness, OUT_OF_MODEL, runTamperCase, TAMPER_CASES } from './tamper-cases.js';

const bounded = process.argv.includes('--bounded');
const tamperLines: string[] = [];
const write = process.argv.includes('--write');

interface Row {
  area: string;
  figure: string;
  value: string;
  pass: boolean;
}

async function tamperRows(): Promise<Row[]> {
  const paths = new WeakMap<object, string>();
  const harness: MatrixHarness = {
    async open() {
      const path = join(await mkdtemp(join(tmpdir(), 'ifas-reliability-tamper-')), 'a.sqlite');
      const store = await SqliteAuditStore.open(path);
      paths.set(store, path);
      return store;
    },
    raw: (store) => openSqlDialect({ kind: 'sqlite', path: paths.get(store) ?? '' }),
  };
  let detected = 0;
  const missed: string[] = [];
  for (const c of TAMPER_CASES) {
    const outcome = await runTamperCase(harness, c);
    const caught =
      !outcome.ok && ('purgeRefused' in c.expect ? outcome.purgeRefused === true : true);
    if (caught) detected++;
    else missed.push(c.name);
    const how = outcome.purgeRefused ? ', and retention refused to purge the chain' : '';
    tamperLines.push(
      `- ${c.name}: ${caught ? `detected as \`${outcome.reason}\`${how}` : 'NOT DETECTED'}`,
    );
  }
  for (const name of missed) console.error(`tamper case NOT detected: ${name}`);
  return [
    {
      area: 'tamper matrix (SQLite)',
      figure: 'cases detected',
      value: `${detected} / ${TAMPER_CASES.length}`,
      pass: detected === TAMPER_CASES.length,
    },
    {
      area: 'tamper matrix',
      figure: 'out of the threat model (listed with reasons)',
      value: String(OUT_OF_MODEL.length),
      pass: true,
    },
  ];
}

async function corpusRows(): Promise<Row[]> {
  const result = await runBadInputCorpus();
  for (const e of result.serverErrors)
    console.error(`5xx for bad input: ${e.route} — ${e.name} (${e.status})`);
  const statuses = Object.entries(result.byStatus)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
  return [
    {
      area: 'bad-input corpus',
      figure: `cases across ${result.routes} routes`,
      value: String(result.cases),
      pass: result.cases >= 120,
    },
    { area: 'bad-input corpus', figure: 'answers', value: statuses, pass: true },
    {
      area: 'bad-input corpus',
      figure: '5xx answers',
      value: String(result.serverErrors.length),
      pass: result.serverErrors.length === 0,
    },
  ];
}

function faultRows(f: FaultFigures): Row[] {
  return [
    {
      area: 'kill -9 under load (SQLite)',
      figure: 'acknowledged / lost',
      value: `${f.kill.acknowledged} / ${f.kill.lost}`,
      pass: f.kill.lost === 0 && f.kill.acknowledged > 0 && f.kill.chainOk,
    },
    {
      area: 'overload',
      figure: `${f.overload.sent} concurrent checks: 201 / 503 with Retry-After / other`,
      value: `${f.overload.accepted} / ${f.overload.refused} / ${f.overload.other}`,
      pass:
        f.overload.refused > 0 &&
        f.overload.other === 0 &&
        f.overload.refusedWithoutRetryAfter === 0,
    },
    {
      area: 'overload',
      figure: 'server RSS before → peak (MiB)',
      value: `${f.overload.rssBeforeMiB} → ${f.overload.rssPeakMiB}`,
      pass: f.overload.rssPeakMiB < f.overload.rssBeforeMiB + 512,
    },
    {
      area: `database locked ${f.lock.lockMs} ms`,
      figure: '/healthz slowest answer during the lock (ms)',
      value: String(f.lock.healthzMaxMs),
      pass: f.lock.healthzMaxMs < 1000,
    },
    {
      area: `database locked ${f.lock.lockMs} ms`,
      figure: 'checks sent during the lock: recorded after it / 503 STORE_BUSY / other',
      value: `${f.lock.recorded} / ${f.lock.busy} / ${f.lock.other}`,
      pass: f.lock.other === 0 && f.lock.recorded + f.lock.busy === f.lock.sent,
    },
    ...(f.postgres
      ? [
          {
            area: 'PostgreSQL restart mid-load',
            figure: 'acknowledged / lost / service recovered',
            value: `${f.postgres.acknowledged} / ${f.postgres.lost} / ${f.postgres.recovered ? 'yes' : 'NO'}${f.postgres.serverSurvived ? '' : ' (server CRASHED)'}`,
            pass: f.postgres.lost === 0 && f.postgres.recovered && f.postgres.serverSurvived,
          },
        ]
      : []),
  ];
}

function table(rows: Row[]): string {
  const lines = ['| Area | Figure | Value | |', '|---|---|---|---|'];
  for (const r of rows)
    lines.push(`| ${r.area} | ${r.figure} | ${r.value} | ${r.pass ? 'ok' : 'FAIL'} |`);
  return lines.join('\n');
}

const started = Date.now();
const rows = [
  ...(await tamperRows()),
  ...(await corpusRows()),
  ...faultRows(await runServerFaults({ bounded })),
];
const text = table(rows);
console.log(text);
console.log(
  `\n${bounded ? 'bounded' : 'full'} run, ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
if (write) {
  await writeFile(
    join(projectRoot(), 'docs', 'reliability.md'),
    `# Reliability figures\n\nThe latest \`npm run reliability\` (${new Date().toISOString().slice(0, 10)}, ` +
      `${bounded ? 'bounded' : 'full'} run, on a shared 2-core build machine with a load average of ` +
      `${loadavg()[0]?.toFixed(1)} at the end of the run, so latencies are pessimistic). Command: ` +
      '`npm run reliability -- --write`; the code of each row is in bench/reliability/.\n\n' +
      `${text}\n\n## Tamper cases (an attacker with write access to the database, not the signing key)\n\n` +
      `${tamperLines.join('\n')}\n\n## Out of the threat model\n\n` +
      OUT_OF_MODEL.map((o) => `- ${o.name}: ${o.reason}.`).join('\n') +
      '\n',
  );
}
process.exit(rows.every((r) => r.pass) ? 0 : 1);
