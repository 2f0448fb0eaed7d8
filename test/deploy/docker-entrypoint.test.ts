import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IfasEngine } from '../../src/inference/engine.js';
import { projectRoot } from '../../src/project-root.js';
import { answerInferRequest } from '../../src/remote/answer-infer-request.js';
import { FACE_32, TINY_PACKAGE } from '../support/fixtures.js';
import { freePort } from '../support/receivers.js';
import { ensureBuilt } from '../support/server-process.js';

// No Docker engine runs here: the image's entrypoint runs directly, with the repository as its
// application root, exactly as the Dockerfiles lay it out (dist/, node_modules/, models/).
const ENTRYPOINT = join(projectRoot(), 'docker', 'entrypoint.sh');
const TOKEN = 'infer-token-0123456789abcdef';

function run(
  env: Record<string, string>,
  args: string[] = [],
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn('sh', [ENTRYPOINT, ...args], {
    env: { PATH: process.env.PATH ?? '', IFAS_APP_ROOT: projectRoot(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d) => {
    log += d;
  });
  child.stderr?.on('data', (d) => {
    log += d;
  });
  return {
    child,
    output: () => log,
    exited: new Promise((resolve) => child.once('exit', resolve)),
  };
}

let image: Buffer;
beforeAll(async () => {
  ensureBuilt();
  image = await readFile(FACE_32);
});

describe('docker/entrypoint.sh', () => {
  let server: ReturnType<typeof run>;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    server = run({
      PORT: String(port),
      IFAS_INFER_HOST: '127.0.0.1',
      IFAS_INFER_TOKEN: TOKEN,
      IFAS_MODEL_DIR: TINY_PACKAGE,
      IFAS_DETECT_FACES: 'false',
    });
    const deadline = Date.now() + 30_000;
    while (!server.output().includes('"listening"')) {
      if (Date.now() > deadline || server.child.exitCode !== null)
        throw new Error(`infer container did not start:\n${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('serves the infer protocol over HTTP when no Lambda runtime is present, answering like the handler', async () => {
    const payload = {
      action: 'check',
      image: image.toString('base64'),
      options: { explain: 'always', maxNewTokens: 6 },
    };
    const res = await fetch(`${url}/invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    expect(res.status).toBe(200);
    const remote = (await res.json()) as {
      ok: true;
      result: { liveness: number; decision: string; rationaleTokenIds: number[] };
    };
    const engine = await IfasEngine.load(TINY_PACKAGE, { faceDetector: false });
    const local = (await answerInferRequest(engine, payload)) as typeof remote;
    await engine.dispose();
    expect(remote.result.decision).toBe(local.result.decision);
    expect(remote.result.liveness).toBeCloseTo(local.result.liveness, 6);
    expect(remote.result.rationaleTokenIds).toEqual(local.result.rationaleTokenIds);
  });

  it('refuses /invoke without the token, answers /healthz without one', async () => {
    const refused = await fetch(`${url}/invoke`, {
      method: 'POST',
      body: '{"action":"describe"}',
      headers: { authorization: 'Bearer wrong-token-xxxxxxxx' },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="ifas-infer"');
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({
      ok: true,
      model: { name: 'ifas-tiny' },
    });
  });
});

describe('docker/entrypoint.sh on Lambda', () => {
  it('hands over to the runtime interface client with the handler when AWS_LAMBDA_RUNTIME_API is set', async () => {
    const stub = join(await mkdtemp(join(tmpdir(), 'ifas-ric-')), 'lambda-entrypoint.sh');
    await writeFile(stub, '#!/bin/sh\necho "ric $PWD $*"\n');
    await chmod(stub, 0o755);
    const lambda = run({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', IFAS_LAMBDA_ENTRYPOINT: stub }, [
      'dist/functions/infer.handler',
    ]);
    expect(await lambda.exited).toBe(0);
    expect(lambda.output().trim()).toBe(`ric ${projectRoot()} dist/functions/infer.handler`);
  });

  it('refuses to serve HTTP without a token', async () => {
    const bare = run({ PORT: '0', IFAS_MODEL_DIR: TINY_PACKAGE });
    expect(await bare.exited).not.toBe(0);
    expect(bare.output()).toContain('IFAS_INFER_TOKEN');
  });
});

describe('the Dockerfiles', () => {
  it.each(['Dockerfile', 'Dockerfile.cuda'])(
    '%s puts in the image what the entrypoint and handler need',
    async (name) => {
      const text = await readFile(join(projectRoot(), 'docker', name), 'utf8');
      for (const needed of [
        '/dist',
        'node_modules',
        'models/ifas-mini',
        'models/face-detector',
        'docker/entrypoint.sh',
      ]) {
        expect(text).toContain(needed);
      }
      expect(text).toMatch(/ENTRYPOINT \["\/usr\/local\/bin\/ifas-entrypoint"\]/);
      expect(text).toMatch(
        name === 'Dockerfile'
          ? /CMD \["dist\/functions\/infer\.handler"\]/
          : /IFAS_EXECUTION_PROVIDER=cuda/,
      );
      expect(text).toContain('linux/arm64'); // other platforms' onnxruntime binaries are pruned
    },
  );
});
