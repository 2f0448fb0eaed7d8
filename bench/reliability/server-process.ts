/**
 * Runs `ifas serve` from the build (dist/) as a real child process, the way an operator would, and
 * reads its address from the first log line. Builds dist/ first when it is missing.
 */

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/project-root.js';

export const CLI = join(projectRoot(), 'dist', 'src', 'cli', 'main.js');

export function ensureBuilt(): void {
  if (!existsSync(CLI)) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {
      cwd: projectRoot(),
      stdio: 'inherit',
    });
  }
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

export async function spawnServer(
  env: Record<string, string>,
  args: string[] = [],
): Promise<ServerProcess> {
  ensureBuilt();
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    cwd: projectRoot(),
    env: { ...process.env, IFAS_HOST: '127.0.0.1', IFAS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk) => {
    log += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    log += chunk;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const deadline = Date.now() + 60_000;
  while (!/model .* ready|model failed/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`server did not start:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = /listening on (http:\/\/\S+)/.exec(log)?.[1];
  if (!url) throw new Error(`no address in the server log:\n${log}`);
  return { child, url, output: () => log, exited };
}
