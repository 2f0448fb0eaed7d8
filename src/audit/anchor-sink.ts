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

import { open } from 'node:fs/promises';
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

  /** Newest checkpoint per tenant from the lines read so far, and how far they reach (bytes). */
  private readonly newestByTenant = new Map<string, Checkpoint>();
  private readOffset = 0;

  /**
   * Reads only what was appended since the last call (the file is append-only), so checking every
   * round against the anchor stays cheap however long the file grows. A file that shrank (replaced
   * or rotated) is read again from the start.
   */
  private async catchUp(): Promise<void> {
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const { size } = await file.stat();
      if (size < this.readOffset) {
        this.newestByTenant.clear();
        this.readOffset = 0;
      }
      if (size === this.readOffset) return;
      const bytes = Buffer.alloc(size - this.readOffset);
      await file.read(bytes, 0, bytes.length, this.readOffset);
      // Only whole lines: a line being appended right now is read next time.
      const complete = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
      this.readOffset += complete.length;
      for (const line of complete.toString('utf8').split('\n')) this.index(line);
    } finally {
      await file.close();
    }
  }

  /** A torn line (a crash mid-append) is skipped; verification checks every signature anyway. */
  private index(line: string): void {
    if (line.trim() === '') return;
    try {
      const parsed = anchoredSchema.safeParse(JSON.parse(line));
      if (!parsed.success) return;
      const known = this.newestByTenant.get(parsed.data.tenant);
      if (!known || parsed.data.seq >= known.seq) {
        this.newestByTenant.set(parsed.data.tenant, parsed.data);
      }
    } catch {
      // not JSON
    }
  }

  async newest(tenant: string): Promise<Checkpoint | null> {
    await this.catchUp();
    return this.newestByTenant.get(tenant) ?? null;
  }

  async tenants(): Promise<string[]> {
    await this.catchUp();
    return [...this.newestByTenant.keys()].sort();
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
