/**
 * The audit records: the result table of a search and one record's view — the decision, its
 * rationale, model, attack medium, quality reason, face match and the session or credential that
 * asked. Never the image (the log keeps only its SHA-256) and never a credential.
 */

import type { AuditEntry } from './console-api.js';
import { button, details, h, shortHash, table, utc } from './dom.js';

/** The audit record as the API returns it (validated with zod on the server before it was chained). */
interface RecordFields {
  checkId: string;
  time: string;
  subject: string | null;
  subjectPolicy: string;
  decision: 'live' | 'spoof' | 'uncertain';
  liveness: number | null;
  threshold: number;
  judgment: string | null;
  rationale: string | null;
  rationaleSource: 'model' | 'quality-gate' | null;
  explain: string;
  attackMedium: string | null;
  qualityReason: string | null;
  model: { name: string; version: string; packageHash: string };
  imageSha256: string;
  imageRetainedUntil: string | null;
  match?: { score: number; threshold: number; matched: boolean };
  request: {
    requestId: string | null;
    clientRequestId: string | null;
    caller: { kind: string; id: string };
  };
}

export const fieldsOf = (entry: AuditEntry) => entry.record as unknown as RecordFields;

const percent = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);

export function decisionBadge(decision: RecordFields['decision']): HTMLElement {
  return h('span', { class: `badge ${decision}` }, decision);
}

export function recordRows(
  entries: readonly AuditEntry[],
  open: (entry: AuditEntry) => void,
): HTMLElement[] {
  return entries.map((entry) => {
    const r = fieldsOf(entry);
    return h(
      'tr',
      {},
      h('td', {}, String(entry.seq)),
      h('td', {}, utc(r.time)),
      h(
        'td',
        {},
        button(r.checkId, () => open(entry), {
          class: 'link',
          'aria-label': `Open record ${r.checkId}`,
        }),
      ),
      h('td', {}, decisionBadge(r.decision)),
      h('td', {}, percent(r.liveness)),
      h('td', {}, r.attackMedium ?? '—'),
      h('td', {}, r.subject === null ? '—' : shortHash(r.subject)),
    );
  });
}

export function recordsTable(entries: readonly AuditEntry[], open: (entry: AuditEntry) => void) {
  return table(
    `${entries.length} record${entries.length === 1 ? '' : 's'}`,
    ['#', 'Time', 'Check', 'Decision', 'Liveness', 'Attack medium', 'Subject'],
    recordRows(entries, open),
  );
}

function callerOf(caller: RecordFields['request']['caller']): [string, string] {
  switch (caller.kind) {
    case 'session':
      return ['Liveness session', caller.id];
    case 'api-key':
      return ['API key', caller.id];
    case 'jwt':
      return ['Token subject (JWT)', caller.id];
    default:
      return [`Caller (${caller.kind})`, caller.id];
  }
}

/** One record, in full (all fields are in the hashed record, so what is shown is what was chained). */
export function recordView(entry: AuditEntry): HTMLElement {
  const r = fieldsOf(entry);
  const [callerLabel, callerId] = callerOf(r.request.caller);
  const rationale = r.rationale
    ? h(
        'span',
        {},
        h('q', { class: 'rationale' }, r.rationale),
        r.rationaleSource === 'quality-gate' ? ' (the quality gate’s sentence)' : ' (the model’s)',
      )
    : `none (explain: ${r.explain})`;
  const match = r.match
    ? `${r.match.matched ? 'matched' : 'did not match'} — similarity ${r.match.score.toFixed(3)}, threshold ${r.match.threshold.toFixed(3)}`
    : null;
  return details([
    ['Decision', decisionBadge(r.decision)],
    ['Liveness P(real)', `${percent(r.liveness)} (threshold ${percent(r.threshold)})`],
    ['Judgment', r.judgment ?? '—'],
    ['Rationale', rationale],
    ['Attack medium', r.attackMedium ?? '—'],
    ['Quality reason', r.qualityReason ?? '—'],
    ['Face match', match],
    ['Model', `${r.model.name} ${r.model.version}`],
    ['Model package', shortHash(r.model.packageHash)],
    ['Time', utc(r.time)],
    ['Subject', r.subject === null ? '—' : `${r.subject} (${r.subjectPolicy})`],
    [callerLabel, callerId],
    ['Request id', r.request.requestId],
    ['Client request id', r.request.clientRequestId],
    ['Image SHA-256', shortHash(r.imageSha256)],
    ['Image retained until', r.imageRetainedUntil ? utc(r.imageRetainedUntil) : null],
    ['Audit record', `#${entry.seq}`],
    ['Record hash', shortHash(entry.hash)],
    ['Previous hash', shortHash(entry.prevHash)],
  ]);
}
