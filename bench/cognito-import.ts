/**
 * Cold import of the Cognito triggers, which Cognito runs under a ~5 s limit: a fresh Node process
 * importing dist/functions/cognito.js, against the baseline of a fresh process importing the api
 * function (the whole service: model runtime, Hono, sharp). Medians of fresh processes; ratios, not
 * timed assertions.
 *
 *   npm run build && node dist/bench/cognito-import.js [--runs 7]
 */

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/project-root.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(args.runs);

/** Milliseconds a fresh `node` spends importing `file` (measured inside the child, without start-up). */
function coldImportMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));process.exit(0)`;
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, IFAS_DATA_DIR: join(projectRoot(), 'bench', 'out', 'cognito') },
      encoding: 'utf8',
    }),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const dist = join(projectRoot(), 'dist', 'functions');
const cognito = median(Array.from({ length: runs }, () => coldImportMs(join(dist, 'cognito.js'))));
const api = median(Array.from({ length: runs }, () => coldImportMs(join(dist, 'api.js'))));
console.log(`cold import, median of ${runs} fresh processes:`);
console.log(`  functions/cognito.js  ${cognito.toFixed(0)} ms`);
console.log(`  functions/api.js      ${api.toFixed(0)} ms (baseline: the whole service)`);
console.log(`  ratio cognito / api   ${(cognito / api).toFixed(3)}`);
