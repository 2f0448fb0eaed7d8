/**
 * Valid audit records for store tests, varied by number so filters have something to find.
 */

import type { AuditRecord } from '../../src/audit/audit-record.js';

export function sampleRecord(n: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  const decision = n % 3 === 0 ? 'uncertain' : n % 2 ? 'spoof' : 'live';
  return {
    checkId: `chk_${n}_${Math.random().toString(36).slice(2, 8)}`,
    time: new Date(Date.UTC(2026, 0, n, 12)).toISOString(),
    tenant: 'acme',
    subject: `user-${n % 4}`,
    subjectPolicy: 'plain',
    decision,
    liveness: decision === 'uncertain' ? null : n / 100,
    threshold: 0.5,
    judgment: decision === 'uncertain' ? null : decision,
    rationale: decision === 'spoof' ? 'No. The face is shown on a phone screen.' : null,
    rationaleSource: decision === 'spoof' ? 'model' : null,
    rationaleStopReason: decision === 'spoof' ? 'eos' : null,
    explain: 'auto',
    attackMedium: decision === 'spoof' ? 'screen' : null,
    qualityReason: decision === 'uncertain' ? 'too_dark' : null,
    model: { name: 'ifas-lite0', version: n > 5 ? '2.1.0' : '2.0.0', packageHash: 'a'.repeat(64) },
    imageSha256: 'b'.repeat(64),
    imageRetainedUntil: null,
    request: {
      requestId: `req-${n}`,
      clientRequestId: null,
      caller: { kind: 'api-key', id: '0123456789abcdef' },
      userAgent: 'test',
    },
    ...overrides,
  };
}
