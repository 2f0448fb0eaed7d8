/**
 * The deployment anchor: each signed checkpoint becomes its own object in an S3 bucket with Object
 * Lock, written once (`If-None-Match: *`) under a retention period (COMPLIANCE: nobody, not even the
 * account's root, can delete or shorten it; GOVERNANCE: only a principal allowed to bypass
 * governance retention can) and with a SHA-256 checksum that S3 checks before storing it. Whoever can
 * rewrite the database then still cannot rewrite what verification compares the chain with.
 *
 * Key layout, per tenant: `<prefix><tenant, URI-encoded>/<2^53-1 - seq, 16 digits>-<kind>.json`.
 * ListObjectsV2 lists keys in ascending order, so the inverted sequence number puts the newest
 * checkpoint first: reading it back is one LIST and one GET however long the bucket's history.
 *
 * Lives in app/ because the AWS SDK does (test/architecture/layers.test.ts); it depends on audit/
 * only for the checkpoint's shape.
 */

import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { type AnchorSink, type AnchorSource, anchoredSchema } from '../audit/anchor-sink.js';
import type { Checkpoint } from '../audit/checkpoint.js';

export interface S3AnchorSettings {
  bucket: string;
  /** Key prefix, ending in `/` (or empty). */
  prefix: string;
  mode: 'COMPLIANCE' | 'GOVERNANCE';
  /** Each object is locked until its checkpoint's creation plus this many days. */
  retainDays: number;
}

/** Where the bucket is: the default (the function's region and role) or an S3-compatible endpoint. */
export interface S3ClientSettings {
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
}

const DAY_MS = 86_400_000;
/** Keys invert the sequence number within 16 digits: Number.MAX_SAFE_INTEGER has 16. */
const SEQ_DIGITS = 16;
/** How many keys one read-back looks at before giving up on finding a well-formed newest object. */
const NEWEST_SCAN = 100;

/** An S3 client for the anchor bucket, with short timeouts: anchoring must never hang a round. */
export function anchorS3Client(settings: S3ClientSettings = {}): S3Client {
  return new S3Client({
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle ?? false,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  });
}

const sha256Base64 = (body: string) => createHash('sha256').update(body).digest('base64');

function keyPart(tenant: string): string {
  return encodeURIComponent(tenant);
}

export class S3AnchorSink implements AnchorSink, AnchorSource {
  readonly name = 's3';

  constructor(
    private readonly client: S3Client,
    private readonly settings: S3AnchorSettings,
  ) {}

  keyFor(checkpoint: Pick<Checkpoint, 'tenant' | 'seq' | 'kind'>): string {
    const inverted = String(Number.MAX_SAFE_INTEGER - checkpoint.seq).padStart(SEQ_DIGITS, '0');
    return `${this.tenantPrefix(checkpoint.tenant)}${inverted}-${checkpoint.kind}.json`;
  }

  private tenantPrefix(tenant: string): string {
    return `${this.settings.prefix}${keyPart(tenant)}/`;
  }

  async publish(checkpoint: Checkpoint): Promise<void> {
    const body = JSON.stringify(anchoredSchema.parse(checkpoint));
    const key = this.keyFor(checkpoint);
    const retainUntil = new Date(
      Date.parse(checkpoint.createdAt) + this.settings.retainDays * DAY_MS,
    );
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          ChecksumSHA256: sha256Base64(body),
          ObjectLockMode: this.settings.mode,
          ObjectLockRetainUntilDate: retainUntil,
          // Write once: a key that exists is never replaced (nor versioned over).
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      if (!(error instanceof S3ServiceException) || error.$metadata.httpStatusCode !== 412) {
        throw error;
      }
      // Already there: a retry of a put that landed is fine; anything else is a divergence.
      const existing = await this.read(key);
      if (existing !== body) {
        throw new Error(
          `a different checkpoint is already anchored at ${key}: the chain diverged from its anchor`,
        );
      }
    }
  }

  private async read(key: string): Promise<string> {
    const object = await this.client.send(
      new GetObjectCommand({ Bucket: this.settings.bucket, Key: key, ChecksumMode: 'ENABLED' }),
    );
    return (await object.Body?.transformToString('utf8')) ?? '';
  }

  /** The object's checkpoint, or null when its body is not the checkpoint its key names. */
  private async checkpointAt(key: string, tenant: string): Promise<Checkpoint | null> {
    let parsed: ReturnType<typeof anchoredSchema.safeParse>;
    try {
      parsed = anchoredSchema.safeParse(JSON.parse(await this.read(key)));
    } catch {
      return null;
    }
    if (!parsed.success || parsed.data.tenant !== tenant) return null;
    return this.keyFor(parsed.data) === key ? parsed.data : null;
  }

  async newest(tenant: string): Promise<Checkpoint | null> {
    let token: string | undefined;
    let scanned = 0;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.settings.bucket,
          Prefix: this.tenantPrefix(tenant),
          MaxKeys: 10,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const { Key } of page.Contents ?? []) {
        if (!Key) continue;
        // A stray object (not written by this sink) is passed over; verification checks signatures.
        const checkpoint = await this.checkpointAt(Key, tenant);
        if (checkpoint) return checkpoint;
        if (++scanned >= NEWEST_SCAN) return null;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return null;
  }

  async tenants(): Promise<string[]> {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.settings.bucket,
          Prefix: this.settings.prefix,
          Delimiter: '/',
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const { Prefix } of page.CommonPrefixes ?? []) {
        if (!Prefix) continue;
        const part = Prefix.slice(this.settings.prefix.length, -1);
        try {
          found.push(decodeURIComponent(part));
        } catch {
          // Not a folder this sink made.
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort();
  }
}
