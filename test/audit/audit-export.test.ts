import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { csvHeader, csvLine } from '../../src/audit/audit-export.js';
import { sampleRecord } from '../support/audit-records.js';

function exportedLine(clientRequestId: string): string {
  const record = sampleRecord(2, {
    request: { ...sampleRecord(2).request, clientRequestId },
  });
  return csvLine({ seq: 1, prevHash: '0'.repeat(64), hash: 'f'.repeat(64), record });
}

/** One cell as csv-stringify quotes it, framed by the commas around it. */
const cell = (value: string) => `,${stringify([[value]]).replace(/\r?\n$/, '')},`;

describe('CSV export', () => {
  it.each(['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\r=1'])(
    'neutralises a cell that a spreadsheet would run as a formula: %j',
    (value) => {
      const line = exportedLine(value);
      expect(line).toContain(cell(`'${value}`));
      expect(line).not.toContain(cell(value));
    },
  );

  it('leaves ordinary values alone', () => {
    expect(exportedLine('retry-1')).toContain(',retry-1,');
    expect(csvHeader()).toMatch(/^seq,checkId,time,/);
  });
});
