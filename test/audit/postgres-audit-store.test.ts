import { afterAll } from 'vitest';
import type { AuditStore } from '../../src/audit/audit-store.js';
import { PostgresAuditStore } from '../../src/audit/postgres-audit-store.js';
import { freshDatabaseUrl } from '../support/postgres.js';
import { auditStoreContract } from './audit-store-contract.js';

const opened: AuditStore[] = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((store) => store.close()));
});

auditStoreContract('PostgresAuditStore (real PostgreSQL server)', {
  async open() {
    const store = await PostgresAuditStore.open(await freshDatabaseUrl());
    opened.push(store);
    return store;
  },
  async tamper(store, sql) {
    await (store as PostgresAuditStore).execute(sql);
  },
});
