/**
 * Runs the service under @hono/node-server: listens at once while the model loads, purges old audit
 * records on a timer when retention is configured, and on SIGTERM/SIGINT stops accepting requests,
 * lets the ones in flight finish (their decisions get recorded), then closes the store.
 */

import { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { anchorCatchUp } from '../audit/anchor-catch-up.js';
import { runHousekeeping } from '../audit/housekeeping.js';
import type { ServiceConfig } from '../config/service-config.js';
import { buildService, type Service } from './build-service.js';

export interface RunningServer {
  service: Service;
  url: string;
  stop(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const KEEP_ALIVE_MS = 65_000;

export async function startServer(
  config: ServiceConfig,
  log: (line: string) => void,
): Promise<RunningServer> {
  const service = await buildService(config);
  const server = serve({ fetch: service.app.fetch, hostname: config.host, port: config.port });
  if (server instanceof HttpServer) {
    // Idle keep-alive sockets outlive a load balancer's idle timeout (ALB: 60 s), so the client side
    // closes them first; a server that closes first races a request already on the wire.
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  }
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}`;

  if (config.flags.receivers.length + config.flags.webhooks.length > 0) {
    service.dispatcher.start(config.outboxPollMs, (error) =>
      log(`flag delivery failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  service.checkpointer.start();
  // What a previous process signed but could not anchor (the anchor was down at its shutdown).
  anchorCatchUp(service.store, service.anchors).then(
    ({ published, failed }) => {
      for (const cp of published) log(`anchored ${cp.tenant}#${cp.seq} left over from before`);
      for (const { tenant, error } of failed) log(`anchor catch-up for ${tenant} failed: ${error}`);
    },
    (error: unknown) =>
      log(`anchor catch-up failed: ${error instanceof Error ? error.message : String(error)}`),
  );

  // Housekeeping every hour: retention purge (when configured), expired images, old hook message ids.
  const housekeeping = (): void => {
    runHousekeeping(service.store, {
      retentionDays: config.retentionDays,
      checkpointKey: service.checkpointKeys.privateKey,
      anchoredFor: (tenant) => service.anchors.newest(tenant),
    }).then(
      (report) => {
        for (const cp of report.checkpoints) {
          log(`retention: purged ${cp.purged} records of ${cp.tenant} up to seq ${cp.seq}`);
        }
        for (const { tenant, firstBreak } of report.refused) {
          log(
            `retention: NOT purging ${tenant}, its chain does not verify: ${JSON.stringify(firstBreak)}`,
          );
        }
        if (report.images > 0) log(`retention: deleted ${report.images} expired images`);
      },
      (error: unknown) =>
        log(`housekeeping failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  const forgetOldCaptures = (): void => {
    service.sessions.purgeOld().then(
      (purged) => {
        if (purged.hashes + purged.sessions > 0) {
          log(`retention: forgot ${purged.hashes} capture hashes and ${purged.sessions} sessions`);
        }
      },
      (error: unknown) =>
        log(
          `session housekeeping failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  };
  housekeeping();
  forgetOldCaptures();
  const retention = setInterval(() => {
    housekeeping();
    forgetOldCaptures();
  }, HOUR_MS);
  retention.unref();

  return {
    service,
    url,
    async stop() {
      clearInterval(retention);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets with no request in flight would hold close() open.
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await closed;
      await service.close();
    },
  };
}
