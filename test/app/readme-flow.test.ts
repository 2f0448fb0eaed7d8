import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SAMPLE_PORTRAIT } from '../support/fixtures.js';
import { CLI, type ServerProcess, spawnServer } from '../support/server-process.js';

let dataDir: string;
let server: ServerProcess;
let key: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ifas-readme-'));
  // What `npm start` runs: the shipped reference model, SQLite, face detection, a bootstrap key.
  server = await spawnServer({ IFAS_DATA_DIR: dataDir }, [
    '--bootstrap-key',
    join(dataDir, 'bootstrap-api-key'),
  ]);
  key = (await readFile(join(dataDir, 'bootstrap-api-key'), 'utf8')).trim();
}, 90_000);

afterAll(async () => {
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  expect(server.output()).toContain('SIGTERM: finishing requests in flight');
});

const execFileAsync = promisify(execFile);

const auth = () => ({ authorization: `Bearer ${key}` });

/**
 * Runs the CLI without blocking this process's event loop: a blocked loop cannot see the server
 * close an idle keep-alive connection, and the next fetch would be sent on the dead socket.
 */
async function cli(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout: out } = await execFileAsync(process.execPath, [CLI, ...args], {
      env: { ...process.env, IFAS_DATA_DIR: dataDir },
      encoding: 'utf8',
    });
    return { code: 0, out };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

it('gives a newcomer a key without printing it, and says how to use it', async () => {
  expect((await stat(join(dataDir, 'bootstrap-api-key'))).mode & 0o777).toBe(0o600);
  expect(server.output()).toContain('KEY=$(cat ');
  expect(server.output()).not.toContain(key);
  expect(server.output()).toMatch(/model ifas-mini \S+ ready/);
});

it('posts a photo, reads the decision with its rationale back from /v1/audit, and verify says intact', async () => {
  const body = new FormData();
  body.append('image', new Blob([await readFile(SAMPLE_PORTRAIT)]), 'grace-hopper.jpg');
  body.append('subject', 'grace');
  body.append('explain', 'always');
  const res = await fetch(`${server.url}/v1/checks`, { method: 'POST', body, headers: auth() });
  expect(res.status).toBe(201);
  const check = (await res.json()) as {
    id: string;
    decision: string;
    rationale: string;
    model: { name: string };
  };
  expect(check.model.name).toBe('ifas-mini');
  expect(check.rationale.length).toBeGreaterThan(0);

  const audit = (await (
    await fetch(`${server.url}/v1/audit?subject=grace`, { headers: auth() })
  ).json()) as {
    records: Array<{
      record: { checkId: string; decision: string; rationale: string; imageSha256: string };
    }>;
  };
  expect(audit.records).toHaveLength(1);
  expect(audit.records[0]?.record).toMatchObject({
    checkId: check.id,
    decision: check.decision,
    rationale: check.rationale,
  });
  const verify = await (await fetch(`${server.url}/v1/audit/verify`, { headers: auth() })).json();
  expect(verify).toMatchObject({ ok: true, checked: 1 });

  // The same questions from the command line, on the same SQLite file.
  expect(await cli(['audit', 'verify'])).toMatchObject({
    code: 0,
    out: expect.stringContaining('default: intact, 1 records from genesis'),
  });
  const csv = await cli(['audit', 'export', '--tenant', 'default', '--format', 'csv']);
  expect(csv.out.trim().split('\n')).toHaveLength(2);
  const query = JSON.parse(
    (await cli(['audit', 'query', '--tenant', 'default', '--subject', 'grace'])).out,
  );
  expect(query.records[0].record.checkId).toBe(check.id);
});

it('manages keys from the command line: create, list, rotate, revoke', async () => {
  const created = await cli(['keys', 'create', '--tenant', 'globex', '--scopes', 'audit:read']);
  expect(created.code).toBe(0);
  const newKey = created.out.trim().split('\n').pop() ?? '';
  const id = newKey.split('_')[1] ?? '';
  expect((await fetch(`${server.url}/v1/audit`, { headers: { 'x-api-key': newKey } })).status).toBe(
    200,
  );
  expect((await cli(['keys', 'list', '--tenant', 'globex'])).out).toContain(`${id}\tglobex`);
  expect((await cli(['keys', 'list'])).out).not.toContain(newKey.split('_')[2] ?? 'secret');
  const rotated = await cli(['keys', 'rotate', id, '--grace-seconds', '0']);
  const successor = rotated.out.trim().split('\n').pop() ?? '';
  expect((await fetch(`${server.url}/v1/audit`, { headers: { 'x-api-key': newKey } })).status).toBe(
    401,
  );
  expect(
    (await fetch(`${server.url}/v1/audit`, { headers: { 'x-api-key': successor } })).status,
  ).toBe(200);
  expect((await cli(['keys', 'revoke', successor.split('_')[1] ?? ''])).code).toBe(0);
  expect(
    (await fetch(`${server.url}/v1/audit`, { headers: { 'x-api-key': successor } })).status,
  ).toBe(401);
  expect((await cli(['keys', 'create'])).code).toBe(2);
  expect((await cli(['keys', 'create', '--tenant', 'x', '--scopes', 'everything'])).code).toBe(2);
});

it('reports an edited record through verify, in the API and the CLI', async () => {
  const db = new Database(join(dataDir, 'audit.sqlite'));
  db.prepare(
    'UPDATE audit_records SET body = replace(body, \'"subjectPolicy"\', \'"subjectPolicy "\') WHERE seq = 1',
  ).run();
  db.close();
  const verify = await (await fetch(`${server.url}/v1/audit/verify`, { headers: auth() })).json();
  expect(verify).toMatchObject({ ok: false, firstBreak: { seq: 1, reason: 'hash_mismatch' } });
  const broken = await cli(['audit', 'verify']);
  expect(broken.code).toBe(1);
  expect(broken.out).toContain('default: BROKEN');
});
