/**
 * Session benchmark: capture-to-decision latency of one attempt of 3 frames through
 * POST /v1/sessions/{id}/captures (capture-token check, decode and hashes, the replay lookup, every
 * frame judged and audited, the session decision stored) with the shipped model and face detection,
 * as a ratio against the baseline POST /v1/checks of one of the same frames, in the same process.
 *
 *   npm run build && node dist/bench/session.js [--iterations 10]
 */

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { buildService } from '../src/app/build-service.js';
import { issueApiKey } from '../src/auth/api-keys.js';
import { serviceConfigFromEnv } from '../src/config/service-config.js';
import { projectRoot } from '../src/project-root.js';

const { values: args } = parseArgs({ options: { iterations: { type: 'string', default: '10' } } });
const iterations = Number(args.iterations);
const portrait = await readFile(`${projectRoot()}/samples/grace-hopper.jpg`);

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** Three camera-like frames: exposure drifts a little from frame to frame and from run to run. */
async function frames(run: number): Promise<Buffer[]> {
  return Promise.all(
    [0, 1, 2].map((i) =>
      sharp(portrait)
        .modulate({ brightness: 0.95 + 0.01 * (run % 7) + 0.03 * i })
        .jpeg({ quality: 90 })
        .toBuffer(),
    ),
  );
}

const svc = await buildService(
  serviceConfigFromEnv({
    IFAS_DATA_DIR: await mkdtemp(`${tmpdir()}/ifas-bench-session-`),
  }),
);
await svc.modelLoaded;
/** One tenant per run: the runs are near-identical pictures, which within a tenant are replays. */
async function keyForRun(run: number): Promise<string> {
  const scopes = ['checks:write', 'sessions:write', 'sessions:read'] as const;
  return (
    await issueApiKey(svc.store, { tenant: `bench-${run}`, name: 'bench', scopes: [...scopes] })
  ).key;
}

async function singleCheck(frame: Buffer, auth: Record<string, string>): Promise<number> {
  const form = new FormData();
  form.append('image', new Blob([frame]));
  const started = performance.now();
  const res = await svc.app.request('/v1/checks', { method: 'POST', headers: auth, body: form });
  if (res.status !== 201) throw new Error(`check: HTTP ${res.status}`);
  return performance.now() - started;
}

async function sessionCapture(
  batch: Buffer[],
  auth: Record<string, string>,
): Promise<{ ms: number; status: string }> {
  const created = (await (
    await svc.app.request('/v1/sessions', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'user', purpose: 'login' }),
    })
  ).json()) as { id: string; captureToken: string };
  const form = new FormData();
  for (const frame of batch) form.append('image', new Blob([frame]), 'frame.jpg');
  const started = performance.now();
  const res = await svc.app.request(`/v1/sessions/${created.id}/captures`, {
    method: 'POST',
    headers: { authorization: `Bearer ${created.captureToken}` },
    body: form,
  });
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`capture: HTTP ${res.status}`);
  const view = (await (
    await svc.app.request(`/v1/sessions/${created.id}`, { headers: auth })
  ).json()) as { rationale: string };
  return {
    ms,
    status: `${((await res.json()) as { status: string }).status} (${view.rationale.split('\n')[0]})`,
  };
}

await singleCheck((await frames(99))[0] as Buffer, {
  authorization: `Bearer ${await keyForRun(99)}`,
}); // warm-up
const baseline: number[] = [];
const session: number[] = [];
const statuses: string[] = [];
for (let run = 0; run < iterations; run += 1) {
  const batch = await frames(run);
  const auth = { authorization: `Bearer ${await keyForRun(run)}` };
  baseline.push(await singleCheck(batch[0] as Buffer, auth));
  const captured = await sessionCapture(batch, auth);
  session.push(captured.ms);
  statuses.push(captured.status);
}
const status = svc.model.status;
const model = status.state === 'ready' ? status.engine.model : null;
console.log(`model ${model?.name ?? '?'} ${model?.version ?? ''}, ${iterations} runs, medians`);
console.log(`POST /v1/checks, 1 frame (baseline): ${median(baseline).toFixed(1)} ms`);
console.log(
  `POST /v1/sessions/{id}/captures, 3 frames: ${median(session).toFixed(1)} ms = ${(median(session) / median(baseline)).toFixed(2)} × baseline (answers: ${[...new Set(statuses)].join(', ')})`,
);
await svc.close();
