/**
 * The chain's verification verdict and checkpoints, the flag deliveries (with a retry for each dead
 * letter) and the API keys (ids, names, scopes and dates: the API never returns a secret).
 */

import type { ApiKey, ChainVerdict, Flag, LatestCheckpoints } from './console-api.js';
import { button, h, shortHash, table, utc } from './dom.js';

/** What each break reason means, for an operator rather than for the code. */
const BREAKS: Record<string, string> = {
  hash_mismatch: 'the record’s content no longer matches its hash (edited)',
  prev_hash_mismatch: 'the record does not link to the one before it',
  sequence_gap: 'records are missing before it (deleted)',
  truncated: 'records at the end of the chain were deleted',
  column_mismatch: 'a searchable column differs from the hashed record (edited)',
  checkpoint_mismatch: 'the chain differs from a signed checkpoint (rewritten)',
  checkpoint_forged: 'a checkpoint’s signature does not verify (forged)',
  anchor_mismatch: 'the chain does not start where its purge checkpoint says',
  chain_missing: 'the tenant is registered but its chain is gone (deleted)',
};

export function verdictView(verdict: ChainVerdict): HTMLElement {
  if (verdict.ok) {
    const commitment = verdict.newestCommitment as { seq?: number } | null;
    return h(
      'div',
      { class: 'verdict ok', 'data-verdict': 'ok' },
      h('p', {}, h('strong', {}, 'Chain verified.'), ` ${verdict.checked} records checked`),
      h(
        'p',
        {},
        commitment?.seq !== undefined
          ? `They agree with the newest signed checkpoint (record #${commitment.seq}).`
          : 'No signed head checkpoint yet.',
      ),
    );
  }
  const brk = verdict.firstBreak;
  const where = brk?.seq === null || brk?.seq === undefined ? 'The chain' : `Record #${brk.seq}`;
  return h(
    'div',
    { class: 'verdict broken', 'data-verdict': 'broken' },
    h(
      'p',
      {},
      h('strong', {}, 'Chain broken.'),
      ` ${where}: ${BREAKS[brk?.reason ?? ''] ?? brk?.reason}.`,
    ),
    h('p', {}, `Reason code: ${brk?.reason ?? 'unknown'}; ${verdict.checked} records checked.`),
  );
}

export function checkpointsView(latest: LatestCheckpoints): HTMLElement {
  const rows = (
    [
      ['Purge (where the stored chain starts)', latest.purge],
      ['Head, in the database', latest.head],
      ['Head, anchored outside the database', latest.anchored],
    ] as const
  ).map(([label, cp]) => {
    const c = cp as { seq: number; headHash: string; createdAt: string; purged: number } | null;
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, label),
      h('td', {}, c ? `#${c.seq}` : 'none'),
      h('td', {}, c ? shortHash(c.headHash) : '—'),
      h('td', {}, c ? utc(c.createdAt) : '—'),
      h('td', {}, c ? String(c.purged) : '—'),
    );
  });
  return table(
    'Newest signed checkpoints',
    ['Checkpoint', 'Record', 'Hash', 'Signed', 'Purged'],
    rows,
  );
}

export function flagsTable(flags: readonly Flag[], retry: (flag: Flag) => void): HTMLElement {
  const rows = flags.map((flag) =>
    h(
      'tr',
      {},
      h('td', {}, utc(flag.createdAt)),
      h('td', {}, h('code', {}, flag.checkId)),
      h('td', {}, `${flag.channel} → ${flag.destination}`),
      h('td', {}, h('span', { class: `badge ${flag.status}` }, flag.status)),
      h('td', {}, String(flag.attempts)),
      h('td', {}, flag.lastError ?? '—'),
      h(
        'td',
        {},
        flag.status === 'dead'
          ? button('Retry', () => retry(flag), {
              'aria-label': `Retry the ${flag.channel} flag of ${flag.checkId} to ${flag.destination}`,
            })
          : flag.status === 'delivered'
            ? utc(flag.deliveredAt)
            : `next ${utc(flag.nextAttemptAt)}`,
      ),
    ),
  );
  return table(
    `${flags.length} flag${flags.length === 1 ? '' : 's'}`,
    ['Created', 'Check', 'Channel', 'Status', 'Attempts', 'Last error', 'Action'],
    rows,
  );
}

export function keysTable(keys: readonly ApiKey[]): HTMLElement {
  const rows = keys.map((key) =>
    h(
      'tr',
      {},
      h('td', {}, h('code', {}, key.id)),
      h('td', {}, key.name),
      h('td', {}, key.scopes.join(' ')),
      h('td', {}, utc(key.createdAt)),
      h('td', {}, key.expiresAt ? utc(key.expiresAt) : '—'),
      h('td', {}, h('span', { class: `badge ${key.state}` }, key.state)),
    ),
  );
  return table(
    `${keys.length} key${keys.length === 1 ? '' : 's'} (secrets are never shown: only their ids)`,
    ['Id', 'Name', 'Scopes', 'Created', 'Expires', 'State'],
    rows,
  );
}
