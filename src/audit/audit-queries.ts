/**
 * Walking a tenant's audit log page by page, for exports that may be larger than memory.
 */

import type { AuditLog, AuditQuery, StoredRecord } from './audit-store.js';

/** Yields every record matching `query` (its limit is the page size), in chain order. */
export async function* allMatching(
  store: Pick<AuditLog, 'query'>,
  query: AuditQuery,
): AsyncGenerator<StoredRecord> {
  let afterSeq = query.afterSeq ?? 0;
  for (;;) {
    const page = await store.query({ ...query, afterSeq });
    yield* page;
    const last = page[page.length - 1];
    if (!last || page.length < query.limit) return;
    afterSeq = last.seq;
  }
}
