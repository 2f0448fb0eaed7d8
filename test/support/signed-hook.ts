/**
 * A POST /v1/hooks/verify request signed the Standard Webhooks way, as an identity provider sends it.
 */

import { Webhook } from 'standardwebhooks';

export function signedHookRequest(
  body: unknown,
  secret: string,
  options: { id?: string; at?: Date } = {},
) {
  const raw = JSON.stringify(body);
  const id = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const at = options.at ?? new Date();
  return {
    method: 'POST',
    body: raw,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, raw),
    },
  };
}
