/**
 * A real HTTP server on 127.0.0.1 that answers the S3 subset the anchor sink uses, path-style
 * (`/<bucket>/<key>`), the way a bucket with Object Lock enabled answers it:
 *
 * - PutObject needs a SigV4 Authorization header, the Object Lock headers (mode COMPLIANCE or
 *   GOVERNANCE, a retain-until date in the future) and an integrity checksum (Content-MD5 or
 *   x-amz-checksum-sha256/crc32, as S3 requires with Object Lock parameters); a checksum that does
 *   not match the body is BadDigest. `If-None-Match: *` on an existing key is 412. A locked object is
 *   never replaced (S3 would keep it as an older version; this fake keeps one version per key).
 * - GetObject (with the stored checksum when x-amz-checksum-mode is ENABLED), ListObjectsV2 (prefix,
 *   delimiter, max-keys, continuation tokens), DeleteObject — refused while the retention lasts
 *   (GOVERNANCE: unless x-amz-bypass-governance-retention is sent).
 * - `outage = true` makes every request a 503 ServiceUnavailable, as during an S3 outage;
 *   `refuseWrites = true` only the puts (reads still answer).
 *
 * The signature itself is not checked: the credentials are the test's own.
 */

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';

export interface StoredObject {
  body: Buffer;
  mode: 'COMPLIANCE' | 'GOVERNANCE';
  retainUntil: Date;
  sha256: string;
  lastModified: Date;
}

export interface FakeS3 {
  endpoint: string;
  bucket: string;
  objects: Map<string, StoredObject>;
  /** Every request's method, path and query, in order. */
  requests: string[];
  outage: boolean;
  refuseWrites: boolean;
  close(): Promise<void>;
}

const xmlEscape = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`,
  );
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const locked = (object: StoredObject, now = new Date()) => object.retainUntil > now;

/** Refuses what S3 would refuse for a put into an Object Lock bucket; null when acceptable. */
function putRefusal(req: IncomingMessage, body: Buffer): [number, string, string] | null {
  const mode = header(req, 'x-amz-object-lock-mode');
  const until = header(req, 'x-amz-object-lock-retain-until-date');
  if (!mode || !until) {
    return [400, 'InvalidRequest', 'this bucket takes objects only with Object Lock retention'];
  }
  if (mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') {
    return [400, 'InvalidArgument', `unknown object lock mode ${mode}`];
  }
  const retainUntil = Date.parse(until);
  if (Number.isNaN(retainUntil) || retainUntil <= Date.now()) {
    return [400, 'InvalidArgument', 'the retain until date must be in the future'];
  }
  const md5 = header(req, 'content-md5');
  const sha256 = header(req, 'x-amz-checksum-sha256');
  const crc = header(req, 'x-amz-checksum-crc32');
  if (!md5 && !sha256 && !crc) {
    return [
      400,
      'InvalidRequest',
      'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
    ];
  }
  const digest = (algorithm: string) => createHash(algorithm).update(body).digest('base64');
  const crcOf = () => {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(crc32(body));
    return value.toString('base64');
  };
  if (
    (md5 && md5 !== digest('md5')) ||
    (sha256 && sha256 !== digest('sha256')) ||
    (crc && crc !== crcOf())
  ) {
    return [400, 'BadDigest', 'the checksum you specified did not match what we received'];
  }
  return null;
}

function listObjects(res: ServerResponse, fake: FakeS3, query: URLSearchParams): void {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = Math.min(Number(query.get('max-keys') ?? 1000), 1000);
  const token = query.get('continuation-token');
  const after = token ? Buffer.from(token, 'base64').toString('utf8') : '';
  const contents: string[] = [];
  const prefixes: string[] = [];
  let last = '';
  let truncated = false;
  for (const key of [...fake.objects.keys()].sort()) {
    if (!key.startsWith(prefix)) continue;
    if (
      after &&
      (key <= after || (after.endsWith(delimiter) && delimiter && key.startsWith(after)))
    ) {
      continue;
    }
    const rest = key.slice(prefix.length);
    const cut = delimiter ? rest.indexOf(delimiter) : -1;
    const item = cut >= 0 ? prefix + rest.slice(0, cut + delimiter.length) : key;
    if (cut >= 0 && prefixes.includes(item)) continue;
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (cut >= 0) prefixes.push(item);
    else {
      const object = fake.objects.get(key) as StoredObject;
      contents.push(
        `<Contents><Key>${xmlEscape(key)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified><ETag>"${createHash('md5').update(object.body).digest('hex')}"</ETag><Size>${object.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      );
    }
    last = item;
  }
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${fake.bucket}</Name><Prefix>${xmlEscape(prefix)}</Prefix>${delimiter ? `<Delimiter>${xmlEscape(delimiter)}</Delimiter>` : ''}<KeyCount>${contents.length + prefixes.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${Buffer.from(last).toString('base64')}</NextContinuationToken>` : ''}${contents.join('')}${prefixes.map((p) => `<CommonPrefixes><Prefix>${xmlEscape(p)}</Prefix></CommonPrefixes>`).join('')}</ListBucketResult>`,
  );
}

function handle(fake: FakeS3, req: IncomingMessage, body: Buffer, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  fake.requests.push(`${req.method} ${url.pathname}${url.search}`);
  if (fake.outage || (fake.refuseWrites && req.method === 'PUT')) {
    return sendError(res, 503, 'ServiceUnavailable', 'Please reduce your request rate.');
  }
  if (!header(req, 'authorization')?.startsWith('AWS4-HMAC-SHA256 ')) {
    return sendError(res, 403, 'AccessDenied', 'requests must be signed (SigV4)');
  }
  const [, bucket = '', ...keyParts] = url.pathname.split('/');
  if (bucket !== fake.bucket) return sendError(res, 404, 'NoSuchBucket', bucket);
  const key = decodeURIComponent(keyParts.join('/'));
  const existing = fake.objects.get(key);
  // `x-id` names the operation; any other query on an object is a subresource (?retention …).
  const plainObject = key !== '' && [...url.searchParams.keys()].every((k) => k === 'x-id');

  if (req.method === 'GET' && key === '' && url.searchParams.get('list-type') === '2') {
    return listObjects(res, fake, url.searchParams);
  }
  if (req.method === 'PUT' && plainObject) {
    if (header(req, 'content-encoding')?.includes('aws-chunked')) {
      return sendError(res, 501, 'NotImplemented', 'aws-chunked uploads are not in this fake');
    }
    if (existing && header(req, 'if-none-match') === '*') {
      return sendError(
        res,
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
      );
    }
    const refusal = putRefusal(req, body);
    if (refusal) return sendError(res, ...refusal);
    if (existing && locked(existing)) {
      return sendError(res, 403, 'AccessDenied', 'the object is locked by its retention');
    }
    const sha256 = createHash('sha256').update(body).digest('base64');
    fake.objects.set(key, {
      body,
      mode: header(req, 'x-amz-object-lock-mode') as StoredObject['mode'],
      retainUntil: new Date(header(req, 'x-amz-object-lock-retain-until-date') ?? 0),
      sha256,
      lastModified: new Date(),
    });
    res.writeHead(200, {
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      'x-amz-checksum-sha256': sha256,
    });
    return void res.end();
  }
  if (req.method === 'GET' && plainObject) {
    if (!existing) return sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(existing.body.length),
      etag: `"${createHash('md5').update(existing.body).digest('hex')}"`,
      'last-modified': existing.lastModified.toUTCString(),
      'x-amz-object-lock-mode': existing.mode,
      'x-amz-object-lock-retain-until-date': existing.retainUntil.toISOString(),
      ...(header(req, 'x-amz-checksum-mode') === 'ENABLED'
        ? { 'x-amz-checksum-sha256': existing.sha256, 'x-amz-checksum-type': 'FULL_OBJECT' }
        : {}),
    });
    return void res.end(existing.body);
  }
  if (req.method === 'DELETE' && plainObject) {
    if (existing && locked(existing)) {
      const bypass = header(req, 'x-amz-bypass-governance-retention') === 'true';
      if (existing.mode === 'COMPLIANCE' || !bypass) {
        return sendError(res, 403, 'AccessDenied', 'the object is locked by its retention');
      }
    }
    fake.objects.delete(key);
    res.writeHead(204);
    return void res.end();
  }
  return sendError(res, 501, 'NotImplemented', `${req.method} ${url.pathname}${url.search}`);
}

export async function startFakeS3(bucket = 'ifas-anchors'): Promise<FakeS3> {
  const fake: FakeS3 = {
    endpoint: '',
    bucket,
    objects: new Map(),
    requests: [],
    outage: false,
    refuseWrites: false,
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(fake, req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
