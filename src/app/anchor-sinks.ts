/**
 * The anchor sinks the configuration names, and the one verification reads back: the S3 bucket when
 * one is set (Object Lock: the strongest of them), otherwise the local file. The webhook witness
 * only receives; its copy is for the witness's owner to compare.
 */

import type { S3Client } from '@aws-sdk/client-s3';
import {
  type AnchorSink,
  type AnchorSource,
  FileAnchorSink,
  WebhookWitnessSink,
} from '../audit/anchor-sink.js';
import type { ServiceConfig } from '../config/service-config.js';
import { ConfigError } from '../errors.js';
import { anchorS3Client, S3AnchorSink } from './s3-anchor-sink.js';

export interface AnchorSinks {
  sinks: AnchorSink[];
  /** Where verification reads the newest anchored checkpoint of each chain. */
  source: AnchorSink & AnchorSource;
  /** The bucket's sink, when one is configured (catch-up runs against it). */
  s3: S3AnchorSink | null;
}

export function anchorSinksFor(
  anchoring: ServiceConfig['anchoring'],
  s3Client?: S3Client,
): AnchorSinks {
  const file = anchoring.file === null ? null : new FileAnchorSink(anchoring.file);
  const bucket = anchoring.s3;
  const s3 = bucket
    ? new S3AnchorSink(
        s3Client ??
          anchorS3Client({
            ...(bucket.region ? { region: bucket.region } : {}),
            ...(bucket.endpoint ? { endpoint: bucket.endpoint } : {}),
            forcePathStyle: bucket.forcePathStyle,
          }),
        bucket,
      )
    : null;
  const witness = anchoring.webhook
    ? new WebhookWitnessSink(anchoring.webhook.url, anchoring.webhook.secret)
    : null;
  const source = s3 ?? file;
  if (!source)
    throw new ConfigError('no readable anchor: set IFAS_ANCHOR_FILE or IFAS_ANCHOR_S3_BUCKET');
  return {
    sinks: [file, s3, witness].filter((sink): sink is NonNullable<typeof sink> => sink !== null),
    source,
    s3,
  };
}
