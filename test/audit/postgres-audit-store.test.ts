import { afterAll } from 'vitest';
import type { AuditStore } from '../../src/audit/audit-store.js';
import { PostgresAuditStore } from '../../src/audit/postgres-audit-store.js';
import { freshDatabaseUrl } from '../support/postgres.js';
import { rawPostgres, tamperPostgres } from '../support/tamper.js';
import { auditStoreContract } from './audit-store-contract.js';
import { tamperMatrix } from './tamper-matrix.js';

const opened: AuditStore[] = [];
const urls = new WeakMap<AuditStore, string>();
afterAll(async () => {
  await Promise.allSettled(opened.map((store) => store.close()));
});

tamperMatrix('PostgresAuditStore', {
  async open() {
    const url = await freshDatabaseUrl();
    const store = await PostgresAuditStore.open(url);
    urls.set(store, url);
    return store;
  },
  raw: (store) => rawPostgres(urls.get(store) ?? ''),
});

auditStoreContract('PostgresAuditStore (real PostgreSQL server)', {
  async open() {
    const url = await freshDatabaseUrl();
    const store = await PostgresAuditStore.open(url);
    urls.set(store, url);
    opened.push(store);
    return store;
  },
  tamper: (store, sql) => tamperPostgres(urls.get(store) ?? '', sql),
});
