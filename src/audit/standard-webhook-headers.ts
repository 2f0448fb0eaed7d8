/**
 * The headers of an outbound Standard Webhooks message (id, timestamp, signature by the
 * standardwebhooks library), for every sender in the service: flag webhooks, audit witnesses.
 */

import { Webhook } from 'standardwebhooks';

export function standardWebhookHeaders(
  secret: string,
  id: string,
  body: string,
  at = new Date(),
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}
