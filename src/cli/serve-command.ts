/**
 * `ifas serve [--bootstrap-key FILE]`: the HTTP service, configured from IFAS_* environment variables
 * (docs/api.md lists them). With --bootstrap-key, a first start on an empty store writes an API key
 * for tenant `default` to FILE and says how to use it.
 */

import { z } from 'zod';
import { writeBootstrapKey } from '../app/bootstrap-key.js';
import { startServer } from '../app/start-server.js';
import { serviceConfigFromEnv } from '../config/service-config.js';
import { describeError, type Output } from './check-command.js';
import { parseCommand } from './parse-command.js';

export const SERVE_USAGE =
  'usage: ifas serve [--bootstrap-key FILE]   (configuration: IFAS_* environment variables)';

export async function runServe(argv: string[], io: Output): Promise<number> {
  const parsed = parseCommand(
    argv,
    { 'bootstrap-key': { type: 'string' } },
    z.object({ 'bootstrap-key': z.string().min(1).optional() }),
    SERVE_USAGE,
    io,
  );
  if (!parsed) return 2;
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    const config = serviceConfigFromEnv();
    running = await startServer(config, io.out);
    io.out(
      `ifas-guard listening on ${running.url} (audit store: ${config.store.kind}; model: ${config.modelDir})`,
    );
    const keyFile = parsed.values['bootstrap-key'];
    if (keyFile) {
      const id = await writeBootstrapKey(running.service.store, keyFile);
      if (id) {
        io.out(
          `created API key ${id} for tenant "default" with every scope; the key is in ${keyFile} (mode 600)`,
        );
      }
      io.out(
        [
          'try it:',
          `  KEY=$(cat ${keyFile})`,
          `  curl -s -H "Authorization: Bearer $KEY" -F image=@samples/grace-hopper.jpg -F explain=always ${running.url}/v1/checks`,
          `  curl -s -H "Authorization: Bearer $KEY" ${running.url}/v1/audit`,
          `  curl -s -H "Authorization: Bearer $KEY" ${running.url}/v1/audit/verify`,
          'more keys: npx ifas keys create --tenant NAME --scopes checks:write,checks:read,audit:read',
        ].join('\n'),
      );
    }
  } catch (error) {
    const { code, message } = describeError(error);
    io.err(`cannot start: ${code}: ${message}`);
    return 1;
  }
  await running.service.modelLoaded;
  const status = running.service.model.status;
  io.out(
    status.state === 'ready'
      ? `model ${status.engine.model.name} ${status.engine.model.version} ready (${status.engine.model.executionProvider})`
      : `model failed to load: ${status.state === 'failed' ? status.error.message : status.state}`,
  );
  const warning = status.state === 'ready' ? status.engine.statusWarning : null;
  if (warning) io.err(`WARNING: ${warning}`);

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      io.out(`${signal}: finishing requests in flight, then stopping`);
      running.stop().then(resolve, (error: unknown) => {
        io.err(`shutdown failed: ${describeError(error).message}`);
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  return 0;
}
