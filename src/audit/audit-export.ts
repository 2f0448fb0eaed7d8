/**
 * Audit records as export lines: NDJSON (the stored entry, byte-for-byte re-verifiable) and CSV
 * (flat columns for spreadsheets and SIEM imports, written by csv-stringify so quoting is right).
 * A CSV cell that starts with = + - @ tab or carriage return is read as a formula by spreadsheets, so
 * such cells get a leading apostrophe (OWASP CSV injection); NDJSON stays byte-for-byte.
 */

import { stringify } from 'csv-stringify/sync';
import type { StoredRecord } from './audit-store.js';

export const CSV_COLUMNS = [
  'seq',
  'checkId',
  'time',
  'tenant',
  'subject',
  'decision',
  'liveness',
  'threshold',
  'judgment',
  'attackMedium',
  'qualityReason',
  'rationale',
  'modelName',
  'modelVersion',
  'modelPackageHash',
  'imageSha256',
  'clientRequestId',
  'caller',
  'prevHash',
  'hash',
] as const;

export function ndjsonLine(entry: StoredRecord): string {
  return `${JSON.stringify(entry)}\n`;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** Makes a text cell inert in spreadsheets: `=HYPERLINK(…)` becomes `'=HYPERLINK(…)`. */
export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

const stringifyOptions = { cast: { string: neutraliseCell } };

export function csvHeader(): string {
  return stringify([[...CSV_COLUMNS]], stringifyOptions);
}

export function csvLine(entry: StoredRecord): string {
  const r = entry.record;
  return stringify(
    [
      [
        entry.seq,
        r.checkId,
        r.time,
        r.tenant,
        r.subject ?? '',
        r.decision,
        r.liveness ?? '',
        r.threshold,
        r.judgment ?? '',
        r.attackMedium ?? '',
        r.qualityReason ?? '',
        r.rationale ?? '',
        r.model.name,
        r.model.version,
        r.model.packageHash,
        r.imageSha256,
        r.request.clientRequestId ?? '',
        `${r.request.caller.kind}:${r.request.caller.id}`,
        entry.prevHash,
        entry.hash,
      ],
    ],
    stringifyOptions,
  );
}
