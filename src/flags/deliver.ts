/**
 * One delivery attempt of an outbox entry: SETs by Shared Signals push (RFC 8935: POST
 * application/secevent+jwt, 202 expected), webhooks signed with the standardwebhooks library. The
 * response decides what happens next: 2xx delivered; 410 dead (the endpoint is gone); 408, 425, 429,
 * 5xx and network errors retried (honouring Retry-After); other 4xx dead, except a SET receiver's
 * `invalid_key`, which a JWKS refresh on its side can cure. Redirects are not followed.
 */

import { Webhook } from 'standardwebhooks';
import type { DeliveryOutcome, OutboxEntry } from '../audit/outbox-entry.js';
import type { FlagConfig } from '../config/flag-config.js';
import { type SetClaims, signSet } from './security-event.js';
import type { SetSigningKey } from './signing-key.js';

const REQUEST_TIMEOUT_MS = 15_000;
const RETRYABLE = new Set([408, 425, 429]);

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

async function outcomeOf(
  response: Response,
  allowRetry: (body: string) => boolean,
): Promise<DeliveryOutcome> {
  if (response.status >= 200 && response.status < 300) return { kind: 'delivered' };
  const body = (await response.text().catch(() => '')).slice(0, 300);
  const error = `HTTP ${response.status}${body ? `: ${body}` : ''}`;
  if (response.status === 410) return { kind: 'dead', error: `${error} (endpoint gone)` };
  if (RETRYABLE.has(response.status) || response.status >= 500 || allowRetry(body)) {
    const after = retryAfterMs(response.headers.get('retry-after'));
    return after === undefined
      ? { kind: 'retry', error }
      : { kind: 'retry', error, retryAfterMs: after };
  }
  return { kind: 'dead', error };
}

async function post(url: string, init: RequestInit): Promise<Response> {
  return fetch(url, {
    ...init,
    method: 'POST',
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

export class FlagDelivery {
  constructor(
    private readonly config: FlagConfig,
    private readonly signingKey: SetSigningKey,
  ) {}

  async deliver(entry: OutboxEntry): Promise<DeliveryOutcome> {
    try {
      return entry.channel === 'set' ? await this.pushSet(entry) : await this.sendWebhook(entry);
    } catch (error) {
      return {
        kind: 'retry',
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      };
    }
  }

  private async pushSet(entry: OutboxEntry): Promise<DeliveryOutcome> {
    const receiver = this.config.receivers.find((r) => r.name === entry.destination);
    if (!receiver)
      return { kind: 'dead', error: `receiver ${entry.destination} is no longer configured` };
    const token = await signSet(JSON.parse(entry.payload) as SetClaims, this.signingKey);
    const response = await post(receiver.url, {
      headers: {
        'content-type': 'application/secevent+jwt',
        accept: 'application/json',
        ...(receiver.authorization ? { authorization: receiver.authorization } : {}),
      },
      body: token,
    });
    return outcomeOf(response, (body) => body.includes('invalid_key'));
  }

  private async sendWebhook(entry: OutboxEntry): Promise<DeliveryOutcome> {
    const endpoint = this.config.webhooks.find((w) => w.name === entry.destination);
    if (!endpoint)
      return { kind: 'dead', error: `webhook ${entry.destination} is no longer configured` };
    const timestamp = new Date();
    const signature = new Webhook(endpoint.secret).sign(entry.id, timestamp, entry.payload);
    const response = await post(endpoint.url, {
      headers: {
        'content-type': 'application/json',
        'webhook-id': entry.id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body: entry.payload,
    });
    return outcomeOf(response, () => false);
  }
}
