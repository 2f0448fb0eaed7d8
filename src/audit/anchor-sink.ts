/**
 * Where signed checkpoints go besides the database, so that someone who can rewrite the database
 * (but holds neither the signing key nor the anchor) cannot also rewrite what the chain is checked
 * against. Two sinks are built in:
 *
 * - FileAnchorSink (the default): one JSON line per checkpoint appended to a local file (O_APPEND,
 *   fsync, mode 0600), readable back for verification. Keep it off the database's volume and make it
 *   append-only where the platform allows (`chattr +a`, a WORM mount, a log shipper).
 * - WebhookWitnessSink: POSTs each checkpoint to a witness (Standard Webhooks signature), which keeps
 *   its own copy — a third party the database's owner cannot edit.
 *
 * The deployment sink, an S3 bucket with Object Lock (one write-once object per checkpoint), is
 * app/s3-anchor-sink.ts: the AWS SDK stays out of audit/.
 */

import { open, readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Checkpoint } from './checkpoint.js';
import { standardWebhookHeaders } from './standard-webhook-headers.js';

export interface AnchorSink {
  readonly name: string;
  publish(checkpoint: Checkpoint): Promise<void>;
}

/** A sink that can be read back: the newest anchored checkpoint per tenant. */
export interface AnchorSource {
  newest(tenant: string): Promise<Checkpoint | null>;
  tenants(): Promise<string[]>;
}

/** A checkpoint as anchored (one line of the file, one S3 object's body). */
export const anchoredSchema = z.object({
  tenant: z.string().min(1),
  kind: z.enum(['purge', 'head']),
  seq: z.number().int().min(0),
  headHash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
  purged: z.number().int().min(0),
  signature: z.string().min(1),
});

export class FileAnchorSink implements AnchorSink, AnchorSource {
  readonly name = 'file';

  constructor(private readonly path: string) {}

  async publish(checkpoint: Checkpoint): Promise<void> {
    const file = await open(this.path, 'a', 0o600);
    try {
      await file.appendFile(`${JSON.stringify(anchoredSchema.parse(checkpoint))}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
  }

  private async all(): Promise<Checkpoint[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // A torn last line (a crash mid-append) is skipped; verification checks every signature anyway.
    return text.split('\n').flatMap((line) => {
      if (line.trim() === '') return [];
      try {
        const parsed = anchoredSchema.safeParse(JSON.parse(line));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
  }

  async newest(tenant: string): Promise<Checkpoint | null> {
    let newest: Checkpoint | null = null;
    for (const checkpoint of await this.all()) {
      if (checkpoint.tenant === tenant && (!newest || checkpoint.seq >= newest.seq)) {
        newest = checkpoint;
      }
    }
    return newest;
  }

  async tenants(): Promise<string[]> {
    return [...new Set((await this.all()).map((c) => c.tenant))].sort();
  }
}

export class WebhookWitnessSink implements AnchorSink {
  readonly name = 'webhook';
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs = 5_000,
  ) {}

  async publish(checkpoint: Checkpoint): Promise<void> {
    const body = JSON.stringify({ type: 'audit.checkpoint', data: checkpoint });
    const id = `cp_${checkpoint.tenant}_${checkpoint.kind}_${checkpoint.seq}`;
    const response = await fetch(this.url, {
      method: 'POST',
      body,
      headers: standardWebhookHeaders(this.secret, id, body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`the witness answered ${response.status}`);
  }
}
