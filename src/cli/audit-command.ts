/**
 * `ifas audit query|export|verify|purge` on the configured store (IFAS_* environment, as the server).
 * verify exits 1 when any chain is broken, so it can run from cron or CI.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { z } from 'zod';
import { anchorSinksFor } from '../app/anchor-sinks.js';
import { subjectPolicyFor } from '../app/subject-policy.js';
import { csvHeader, csvLine, ndjsonLine } from '../audit/audit-export.js';
import { allMatching } from '../audit/audit-queries.js';
import { subjectCandidates } from '../audit/audit-record.js';
import type { AuditLog, AuditQuery } from '../audit/audit-store.js';
import type { ReplayGuard } from '../audit/hook-deliveries.js';
import { runHousekeeping } from '../audit/housekeeping.js';
import { openAuditStore } from '../audit/open-audit-store.js';
import type { RetainedImageStore } from '../audit/retained-image-table.js';
import { checkpointKeysFor } from '../config/local-secrets.js';
import { serviceConfigFromEnv } from '../config/service-config.js';
import { DECISIONS } from '../inference/check-result.js';
import { describeError, type Output } from './check-command.js';
import { parseCommand } from './parse-command.js';

export const AUDIT_USAGE = [
  'usage: ifas audit query --tenant T [--from ISO] [--to ISO] [--subject S] [--decision D] [--attack-medium M]',
  '                        [--model-version V] [--limit N] [--cursor C] [--format json|ndjson|csv]',
  '       ifas audit export --tenant T [filters as query] [--format ndjson|csv] [--out FILE]',
  '       ifas audit verify [--tenant T]   (every tenant when omitted; exit 1 if a chain is broken)',
  '       ifas audit purge --older-than-days N   (writes a signed checkpoint per chain)',
].join('\n');

const isoDate = z.iso.datetime({ offset: true });

const optionsSchema = z.object({
  tenant: z.string().min(1).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  subject: z.string().min(1).optional(),
  decision: z.enum(DECISIONS).optional(),
  'attack-medium': z.string().min(1).optional(),
  'model-version': z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(50),
  cursor: z.string().regex(/^\d+$/).optional(),
  format: z.enum(['json', 'ndjson', 'csv']).optional(),
  out: z.string().min(1).optional(),
  'older-than-days': z.coerce.number().int().positive().optional(),
});

type Options = z.infer<typeof optionsSchema>;

const STRING_OPTIONS = Object.fromEntries(
  Object.keys(optionsSchema.shape).map((name) => [name, { type: 'string' as const }]),
);

async function queryOf(opts: Options, tenant: string): Promise<AuditQuery> {
  const config = serviceConfigFromEnv();
  const subjects =
    opts.subject === undefined
      ? undefined
      : subjectCandidates(opts.subject, await subjectPolicyFor(config), tenant);
  return {
    tenant,
    limit: opts.limit,
    afterSeq: opts.cursor === undefined ? 0 : Number(opts.cursor),
    ...(opts.from ? { from: new Date(opts.from) } : {}),
    ...(opts.to ? { to: new Date(opts.to) } : {}),
    ...(subjects ? { subjects } : {}),
    ...(opts.decision ? { decision: opts.decision } : {}),
    ...(opts['attack-medium'] ? { attackMedium: opts['attack-medium'] } : {}),
    ...(opts['model-version'] ? { modelVersion: opts['model-version'] } : {}),
  };
}

async function exportTo(
  store: Pick<AuditLog, 'query'>,
  query: AuditQuery,
  format: 'ndjson' | 'csv',
  out: string | undefined,
  io: Output,
): Promise<number> {
  const file = out ? createWriteStream(out) : null;
  const write = async (text: string): Promise<void> => {
    if (!file) return io.write(text);
    if (!file.write(text)) await once(file, 'drain');
  };
  let count = 0;
  if (format === 'csv') await write(csvHeader());
  for await (const entry of allMatching(store, { ...query, limit: 1000 })) {
    await write(format === 'csv' ? csvLine(entry) : ndjsonLine(entry));
    count++;
  }
  if (file) {
    file.end();
    await once(file, 'finish');
  }
  return count;
}

async function run(
  action: string,
  opts: Options,
  store: AuditLog & RetainedImageStore & ReplayGuard,
  io: Output,
): Promise<number> {
  const config = serviceConfigFromEnv();
  if (action === 'verify') {
    const { publicKey } = await checkpointKeysFor(config);
    const anchors = anchorSinksFor(config.anchoring).source;
    // Tenants known to the database or to the anchor: a chain deleted with its registry still shows.
    const tenants = opts.tenant
      ? [opts.tenant]
      : [...new Set([...(await store.tenants()), ...(await anchors.tenants())])].sort();
    let broken = 0;
    for (const tenant of tenants) {
      const verdict = await store.verify(tenant, publicKey, await anchors.newest(tenant));
      if (!verdict.ok) broken++;
      const anchor = verdict.checkpoint
        ? `checkpoint seq ${verdict.checkpoint.seq} (${verdict.checkpointAuthentic ? 'signature valid' : 'SIGNATURE INVALID'})`
        : 'genesis';
      io.out(
        verdict.ok
          ? `${tenant}: intact, ${verdict.checked} records from ${anchor}${verdict.newestCommitment ? `; signed head checkpoint at seq ${verdict.newestCommitment.seq}` : ''}`
          : `${tenant}: BROKEN after ${verdict.checked} records from ${anchor}: ${JSON.stringify(verdict.firstBreak)}`,
      );
    }
    return broken > 0 ? 1 : 0;
  }
  if (action === 'purge') {
    if (!opts['older-than-days']) {
      io.err(`purge needs --older-than-days\n${AUDIT_USAGE}`);
      return 2;
    }
    const { privateKey } = await checkpointKeysFor(config);
    const anchors = anchorSinksFor(config.anchoring).source;
    const report = await runHousekeeping(store, {
      retentionDays: opts['older-than-days'],
      checkpointKey: privateKey,
      anchoredFor: (tenant) => anchors.newest(tenant),
    });
    for (const cp of report.checkpoints)
      io.out(`${cp.tenant}: purged ${cp.purged} records up to seq ${cp.seq}; checkpoint signed`);
    if (report.checkpoints.length === 0) io.out('nothing older than the cutoff');
    if (report.images > 0) io.out(`deleted ${report.images} expired retained images`);
    for (const { tenant, firstBreak } of report.refused) {
      io.err(`${tenant}: NOT purged, the chain does not verify: ${JSON.stringify(firstBreak)}`);
    }
    return report.refused.length > 0 ? 1 : 0;
  }
  if (!opts.tenant) {
    io.err(`${action} needs --tenant\n${AUDIT_USAGE}`);
    return 2;
  }
  const query = await queryOf(opts, opts.tenant);
  const format = opts.format ?? (action === 'export' ? 'ndjson' : 'json');
  if (format === 'json') {
    const records = await store.query(query);
    const last = records[records.length - 1];
    io.out(
      JSON.stringify(
        { records, nextCursor: last && records.length === query.limit ? String(last.seq) : null },
        null,
        2,
      ),
    );
    return 0;
  }
  const count = await exportTo(
    store,
    action === 'query' ? query : { ...query, afterSeq: query.afterSeq ?? 0 },
    format,
    opts.out,
    io,
  );
  if (opts.out) io.err(`${count} records written to ${opts.out}`);
  return 0;
}

export async function runAudit(argv: string[], io: Output): Promise<number> {
  const parsed = parseCommand(argv, STRING_OPTIONS, optionsSchema, AUDIT_USAGE, io);
  if (!parsed) return 2;
  const [action] = parsed.positionals;
  if (!action || !['query', 'export', 'verify', 'purge'].includes(action)) {
    io.err(AUDIT_USAGE);
    return 2;
  }
  try {
    const store = await openAuditStore(serviceConfigFromEnv().store);
    try {
      return await run(action, parsed.values, store, io);
    } finally {
      await store.close();
    }
  } catch (error) {
    const { code, message } = describeError(error);
    io.err(`${code}: ${message}`);
    return 1;
  }
}
