/**
 * A real Keycloak for the recipe's end-to-end test: `kc.sh start-dev` (H2, loopback only) from an
 * unpacked server distribution that already has the provider JAR in providers/ (scripts/keycloak-e2e.sh
 * prepares it), and the few admin REST calls the test needs to set up a realm.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RunningKeycloak {
  url: string;
  /** Seconds from spawn until the master realm answered (augmentation of the new provider included). */
  startSeconds: number;
  logFile: string;
  stop(): Promise<void>;
}

const ADMIN = { username: 'admin', password: 'admin-e2e-only' };

export async function startKeycloak(
  home: string,
  ports: { http: number; management: number },
  timeoutMs: number,
): Promise<RunningKeycloak> {
  const url = `http://127.0.0.1:${ports.http}`;
  const logFile = join(home, 'keycloak-e2e.log');
  const log = createWriteStream(logFile);
  const started = performance.now();
  // Through bash: an archive unpacked by Maven may not keep kc.sh's executable bit.
  const child: ChildProcess = spawn(
    'bash',
    [
      join(home, 'bin', 'kc.sh'),
      'start-dev',
      '--http-host=127.0.0.1',
      `--http-port=${ports.http}`,
      `--http-management-port=${ports.management}`,
    ],
    {
      // Its own process group, so stop() ends kc.sh and the JVM it execs, and nothing else.
      detached: true,
      env: {
        ...process.env,
        KC_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
        KC_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGTERM');
      const killer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    log.end();
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ready = await fetch(`${url}/realms/master/.well-known/openid-configuration`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) {
      return { url, startSeconds: (performance.now() - started) / 1000, logFile, stop };
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  await stop();
  const tail = (await readFile(logFile, 'utf8')).split('\n').slice(-30).join('\n');
  throw new Error(`Keycloak did not start within ${timeoutMs} ms:\n${tail}`);
}

/** The admin REST API with a master-realm admin token (admin-cli, password grant). */
export function keycloakAdmin(url: string) {
  // A token per call: admin-cli's tokens live one minute, shorter than a login in the test.
  const token = async (): Promise<string> => {
    const res = await fetch(`${url}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', ...ADMIN }),
    });
    if (!res.ok) throw new Error(`admin token: HTTP ${res.status}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${url}/admin/realms${path}`, {
      method,
      headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res;
  };
  return {
    call,
    /** The id at the end of a 201's Location header. */
    created: async (path: string, body: unknown): Promise<string> =>
      ((await call('POST', path, body)).headers.get('location') ?? '').split('/').at(-1) ?? '',
  };
}
