/**
 * Decides which flags a recorded decision raises: for each configured SSF receiver and webhook
 * endpoint whose tenant matches, one outbox entry, when the decision's outcome is one that flags.
 * Pure: the entries are written by the store together with the record.
 */

import { randomUUID } from 'node:crypto';
import type { AuditRecord } from '../audit/audit-record.js';
import type { OutboxEntry } from '../audit/outbox-entry.js';
import type { FlagConfig } from '../config/flag-config.js';
import { setClaimsFor, subjectIdFor } from './security-event.js';

export interface WebhookBody {
  type: 'liveness.spoof_detected' | 'liveness.uncertain';
  timestamp: string;
  data: {
    checkId: string;
    tenant: string;
    subject: string | null;
    decision: string;
    liveness: number | null;
    attackMedium: string | null;
    qualityReason: string | null;
    rationale: string | null;
    model: AuditRecord['model'];
  };
}

export class FlagRouter {
  constructor(
    private readonly config: FlagConfig,
    private readonly issuer: string,
  ) {}

  get enabled(): boolean {
    return this.config.receivers.length + this.config.webhooks.length > 0;
  }

  /**
   * @param subject the subject as the caller gave it (the record may hold only its keyed hash);
   *   receivers need the identifier they know the user by.
   */
  entriesFor(record: AuditRecord, subject: string | null, now = new Date()): OutboxEntry[] {
    if (record.decision === 'live' || !this.config.outcomes.includes(record.decision)) {
      return [];
    }
    const base = {
      tenant: record.tenant,
      checkId: record.checkId,
      status: 'pending' as const,
      attempts: 0,
      nextAttemptAt: now.toISOString(),
      createdAt: now.toISOString(),
      deliveredAt: null,
    };
    const applies = (target: { tenant?: string | undefined }) =>
      target.tenant === undefined || target.tenant === record.tenant;
    const entries: OutboxEntry[] = [];
    for (const receiver of this.config.receivers.filter(applies)) {
      const id = randomUUID();
      // A flag whose subject the receiver cannot identify is kept, dead, so the gap is visible.
      const subjectId =
        subject === null ? 'the check has no subject to flag' : subjectIdFor(subject, receiver);
      entries.push(
        typeof subjectId === 'string'
          ? {
              ...base,
              id,
              channel: 'set',
              destination: receiver.name,
              payload: '{}',
              status: 'dead',
              lastError: subjectId,
            }
          : {
              ...base,
              id,
              channel: 'set',
              destination: receiver.name,
              payload: JSON.stringify(
                setClaimsFor(record, subjectId, receiver, { issuer: this.issuer, jti: id, now }),
              ),
              lastError: null,
            },
      );
    }
    for (const endpoint of this.config.webhooks.filter(applies)) {
      const body: WebhookBody = {
        type: record.decision === 'spoof' ? 'liveness.spoof_detected' : 'liveness.uncertain',
        timestamp: now.toISOString(),
        data: {
          checkId: record.checkId,
          tenant: record.tenant,
          subject,
          decision: record.decision,
          liveness: record.liveness,
          attackMedium: record.attackMedium,
          qualityReason: record.qualityReason,
          rationale: record.rationale,
          model: record.model,
        },
      };
      entries.push({
        ...base,
        id: `msg_${randomUUID().replaceAll('-', '')}`,
        channel: 'webhook',
        destination: endpoint.name,
        payload: JSON.stringify(body),
        lastError: null,
      });
    }
    return entries;
  }
}
