/**
 * The service's configuration, read once from the environment and validated with zod: a bad value
 * stops start-up with a message naming the variable, never a half-configured server.
 */

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { defaultModelDir } from '../project-root.js';
import { issueSummary } from '../zod-issues.js';
import { parseEnv } from './env.js';
import { type FlagConfig, flagConfigSchema } from './flag-config.js';
import { type HookConfig, hookConfigSchema } from './hook-config.js';
import { type IdentityConfig, identityConfigSchema } from './identity-config.js';
import { type ModelWorkerSettings, modelWorkerSettings } from './model-workers.js';
import { type SessionConfig, sessionConfigSchema } from './session-config.js';

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => ['true', '1', 'yes'].includes(value));
const positiveInt = z.coerce.number().int().positive();

const MIB = 1024 * 1024;

const envSchema = z
  .object({
    IFAS_HOST: z.string().default('127.0.0.1'),
    IFAS_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    IFAS_MODEL_DIR: z.string().optional(),
    IFAS_EXECUTION_PROVIDER: z.enum(['cpu', 'cuda', 'auto']).default('cpu'),
    IFAS_DETECT_FACES: flag.default(true),
    IFAS_MODEL_VERIFY: z.enum(['cached', 'full']).default('cached'),
    IFAS_THRESHOLD: z.coerce.number().min(0).max(1).optional(),
    IFAS_DATA_DIR: z.string().default('data'),
    IFAS_AUDIT_STORE: z.enum(['sqlite', 'postgres']).default('sqlite'),
    IFAS_SQLITE_PATH: z.string().optional(),
    IFAS_DATABASE_URL: z.string().optional(),
    IFAS_DATABASE_TLS: z.enum(['url', 'verify-full', 'disable']).default('url'),
    IFAS_DATABASE_CA_FILE: z.string().min(1).optional(),
    IFAS_DATABASE_POOL_MAX: positiveInt.max(100).default(10),
    IFAS_SUBJECT_POLICY: z.enum(['plain', 'keyed-hash']).default('keyed-hash'),
    IFAS_SUBJECT_HASH_KEY: z.base64().optional(),
    IFAS_CHECKPOINT_KEY_FILE: z.string().optional(),
    IFAS_CHECKPOINT_PRIVATE_KEY: z.string().startsWith('-----BEGIN').optional(),
    IFAS_SET_SIGNING_KEY: z.string().startsWith('-----BEGIN').optional(),
    IFAS_INFERENCE: z.enum(['in-process', 'lambda', 'http']).default('in-process'),
    IFAS_INFER_FUNCTION: z.string().min(1).optional(),
    IFAS_INFER_URL: z.url().optional(),
    IFAS_INFER_TOKEN: z.string().min(16).optional(),
    IFAS_INFER_AUTH: z.enum(['token', 'google-id-token']).default('token'),
    IFAS_INFER_GOOGLE_CREDENTIALS: z.string().min(2).optional(),
    IFAS_INFER_GOOGLE_SERVICE_ACCOUNT: z.email().optional(),
    // Inside the API's 29 s (API Gateway answers 503 at 30 s): the caller gets INFER_TIMEOUT instead.
    IFAS_INFER_TIMEOUT_MS: positiveInt.max(28_000).default(20_000),
    IFAS_MAX_BODY_BYTES: positiveInt.default(12 * MIB),
    IFAS_MAX_IMAGE_BYTES: positiveInt.default(8 * MIB),
    IFAS_MAX_PIXELS: positiveInt.default(40_000_000),
    IFAS_QUEUE_CONCURRENCY: positiveInt.optional(),
    IFAS_QUEUE_MAX_WAITING: z.coerce.number().int().min(0).default(16),
    IFAS_REQUEST_TIMEOUT_MS: positiveInt.default(20_000),
    IFAS_MAX_NEW_TOKENS: positiveInt.max(512).default(48),
    IFAS_JWT_JWKS_URL: z.url().optional(),
    IFAS_JWT_JWKS_FILE: z.string().optional(),
    IFAS_JWT_ISSUER: z.string().optional(),
    IFAS_JWT_AUDIENCE: z.string().optional(),
    IFAS_JWT_ALGORITHMS: z.string().default('RS256,ES256,EdDSA'),
    IFAS_JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
    IFAS_JWT_TENANT_CLAIM: z.string().default('tenant'),
    IFAS_PUBLIC_DOCS: flag.default(false),
    IFAS_RETENTION_DAYS: positiveInt.optional(),
    IFAS_CHECKPOINT_EVERY_RECORDS: positiveInt.default(1000),
    IFAS_CHECKPOINT_EVERY_SECONDS: positiveInt.default(60),
    IFAS_ANCHOR_FILE: z.string().optional(),
    IFAS_ANCHOR_WEBHOOK_URL: z.url().optional(),
    IFAS_ANCHOR_WEBHOOK_SECRET: z.string().startsWith('whsec_').optional(),
    // S3 bucket names: 3–63 of a-z 0-9 . - (AWS's rule); the bucket must have Object Lock enabled.
    IFAS_ANCHOR_S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)
      .optional(),
    IFAS_ANCHOR_S3_PREFIX: z
      .string()
      .regex(/^([A-Za-z0-9!_.*'()-]+\/)*$/, 'a key prefix ending in / (or empty)')
      .default('audit-anchors/'),
    IFAS_ANCHOR_S3_MODE: z.enum(['COMPLIANCE', 'GOVERNANCE']).default('COMPLIANCE'),
    IFAS_ANCHOR_S3_RETAIN_DAYS: positiveInt.max(36_500).default(400),
    IFAS_ANCHOR_S3_REGION: z.string().min(1).optional(),
    IFAS_ANCHOR_S3_ENDPOINT: z.url().optional(),
    IFAS_ANCHOR_S3_FORCE_PATH_STYLE: flag.default(false),
    IFAS_PUBLIC_URL: z.url().optional(),
    IFAS_FLAGS: z.string().optional(),
    IFAS_FLAGS_FILE: z.string().optional(),
    IFAS_HOOKS: z.string().optional(),
    IFAS_HOOKS_FILE: z.string().optional(),
    IFAS_SESSIONS: z.string().optional(),
    IFAS_SESSIONS_FILE: z.string().optional(),
    IFAS_SET_SIGNING_KEY_FILE: z.string().optional(),
    IFAS_OUTBOX_POLL_MS: positiveInt.default(5_000),
    IFAS_RETAIN_IMAGES_KEY: z.base64().optional(),
    IFAS_RETAIN_IMAGES_DAYS: positiveInt.max(1095).default(7),
    IFAS_REFERENCE_KEY: z.base64().optional(),
    IFAS_EMBEDDER_DIR: z.string().optional(),
    IFAS_IDENTITY: z.string().optional(),
    IFAS_IDENTITY_FILE: z.string().optional(),
  })
  .refine((env) => !env.IFAS_ANCHOR_WEBHOOK_URL === !env.IFAS_ANCHOR_WEBHOOK_SECRET, {
    message: 'IFAS_ANCHOR_WEBHOOK_URL and IFAS_ANCHOR_WEBHOOK_SECRET go together',
    path: ['IFAS_ANCHOR_WEBHOOK_SECRET'],
  })
  .refine(
    (env) =>
      env.IFAS_ANCHOR_S3_BUCKET === undefined ||
      env.IFAS_RETENTION_DAYS === undefined ||
      env.IFAS_ANCHOR_S3_RETAIN_DAYS >= env.IFAS_RETENTION_DAYS,
    {
      // An anchor that expires before the records it covers would let their rewrite go unseen.
      message: 'IFAS_ANCHOR_S3_RETAIN_DAYS must be at least IFAS_RETENTION_DAYS',
      path: ['IFAS_ANCHOR_S3_RETAIN_DAYS'],
    },
  )
  .refine((env) => env.IFAS_INFERENCE !== 'lambda' || env.IFAS_INFER_FUNCTION, {
    message: 'IFAS_INFERENCE=lambda needs IFAS_INFER_FUNCTION',
    path: ['IFAS_INFER_FUNCTION'],
  })
  .refine(
    (env) =>
      env.IFAS_INFERENCE !== 'http' ||
      (env.IFAS_INFER_URL &&
        (env.IFAS_INFER_AUTH === 'token'
          ? env.IFAS_INFER_TOKEN
          : env.IFAS_INFER_GOOGLE_CREDENTIALS && env.IFAS_INFER_GOOGLE_SERVICE_ACCOUNT)),
    {
      message:
        'IFAS_INFERENCE=http needs IFAS_INFER_URL and IFAS_INFER_TOKEN (or, with IFAS_INFER_AUTH=google-id-token, IFAS_INFER_GOOGLE_CREDENTIALS and IFAS_INFER_GOOGLE_SERVICE_ACCOUNT)',
      path: ['IFAS_INFER_URL'],
    },
  )
  .refine((env) => env.IFAS_AUDIT_STORE !== 'postgres' || env.IFAS_DATABASE_URL, {
    message: 'IFAS_AUDIT_STORE=postgres needs IFAS_DATABASE_URL',
    path: ['IFAS_DATABASE_URL'],
  })
  .refine(
    (env) =>
      (env.IFAS_JWT_JWKS_URL === undefined && env.IFAS_JWT_JWKS_FILE === undefined) ||
      (env.IFAS_JWT_ISSUER !== undefined && env.IFAS_JWT_AUDIENCE !== undefined),
    {
      message: 'JWT verification needs IFAS_JWT_ISSUER and IFAS_JWT_AUDIENCE',
      path: ['IFAS_JWT_ISSUER'],
    },
  );

export interface ServiceConfig {
  host: string;
  port: number;
  modelDir: string;
  executionProvider: 'cpu' | 'cuda' | 'auto';
  /** Model worker threads and their batching (in-process inference only). */
  modelWorkers: ModelWorkerSettings;
  detectFaces: boolean;
  /** cached: skip re-hashing package files recorded as verified and unchanged; full: hash all. */
  modelVerify: 'cached' | 'full';
  /** Liveness at or above which a face is live; null: the model package's recommended threshold. */
  threshold: number | null;
  dataDir: string;
  /** The audit store (audit/open-audit-store.ts takes this shape). */
  store:
    | { kind: 'sqlite'; path: string }
    | {
        kind: 'postgres';
        url: string;
        poolMax: number;
        tls: { mode: 'url' } | { mode: 'disable' } | { mode: 'verify-full'; caFile: string | null };
      };
  subjectPolicy: 'plain' | 'keyed-hash';
  /** Given in the environment; otherwise read or created under dataDir. */
  subjectHashKey: Buffer | null;
  checkpointKeyFile: string;
  /** Signed head checkpoints of the audit chains, and where they are anchored outside the database. */
  anchoring: {
    everyRecords: number;
    everyMs: number;
    /** The local append-only file: IFAS_ANCHOR_FILE, or by default unless an S3 bucket is set. */
    file: string | null;
    webhook: { url: string; secret: string } | null;
    /** An S3 bucket with Object Lock (IFAS_ANCHOR_S3_*): one locked object per checkpoint. */
    s3: {
      bucket: string;
      prefix: string;
      mode: 'COMPLIANCE' | 'GOVERNANCE';
      retainDays: number;
      region: string | null;
      endpoint: string | null;
      forcePathStyle: boolean;
    } | null;
  };
  /** PEM given in the environment (from a secret store) instead of the key file. */
  checkpointPrivateKey: string | null;
  setSigningKeyPem: string | null;
  /** Where the model runs: in this process, or in the infer Lambda function. */
  inference:
    | { kind: 'in-process' }
    | { kind: 'lambda'; functionName: string }
    | {
        kind: 'http';
        url: string;
        auth:
          | { kind: 'token'; token: string }
          | { kind: 'google-id-token'; credentials: string; serviceAccount: string };
        timeoutMs: number;
      };
  limits: {
    maxBodyBytes: number;
    maxImageBytes: number;
    maxPixels: number;
    /** Checks admitted to the model at once; null: model workers × batch size (enough to fill batches). */
    queueConcurrency: number | null;
    queueMaxWaiting: number;
    requestTimeoutMs: number;
    maxNewTokens: number;
  };
  jwt: {
    jwksUrl?: string;
    jwksFile?: string;
    issuer: string;
    audience: string;
    algorithms: string[];
    clockToleranceSeconds: number;
    tenantClaim: string;
  } | null;
  publicDocs: boolean;
  retentionDays: number | null;
  /** Base URL the service is reached at: the SET issuer and the JWKS location. */
  publicUrl: string;
  /** Spoof flags (SSF receivers, webhooks): IFAS_FLAGS JSON or the IFAS_FLAGS_FILE it is read from. */
  flags: FlagConfig;
  /** Inbound identity-provider hooks: IFAS_HOOKS JSON or IFAS_HOOKS_FILE. */
  hooks: HookConfig;
  /** Liveness sessions (allowed capture origins per tenant, replay window): IFAS_SESSIONS JSON or IFAS_SESSIONS_FILE. */
  sessions: SessionConfig;
  setSigningKeyFile: string;
  outboxPollMs: number;
  /** Opt-in encrypted image retention: AES-256-GCM key and days kept; null keeps no images. */
  imageRetention: { key: Buffer; days: number } | null;
  /**
   * Reference faces (IFAS_REFERENCE_KEY: AES-256-GCM key for the stored descriptors; null: off),
   * the embedder package, and IFAS_IDENTITY's policy (requireReference per tenant, threshold).
   */
  identity: { referenceKey: Buffer | null; embedderDir: string | null; policy: IdentityConfig };
}

/** A JSON section of the configuration, inline (NAME) or in a file (NAME_FILE), validated by `schema`. */
function jsonSection<S extends z.ZodType>(
  name: string,
  inline: string | undefined,
  file: string | undefined,
  schema: S,
): z.infer<S> {
  if (inline !== undefined && file !== undefined) {
    throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
  }
  let json: unknown = {};
  try {
    if (inline !== undefined) json = JSON.parse(inline);
    if (file !== undefined) json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${name}${file ? '_FILE' : ''} is not readable JSON`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(`invalid ${name}: ${issueSummary(parsed.error)}`);
  }
  return parsed.data;
}

export function serviceConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const e = parseEnv(envSchema, 'configuration', env);
  const dataDir = resolve(e.IFAS_DATA_DIR);
  const jwksGiven = e.IFAS_JWT_JWKS_URL !== undefined || e.IFAS_JWT_JWKS_FILE !== undefined;
  return {
    host: e.IFAS_HOST,
    port: e.IFAS_PORT,
    modelDir: resolve(e.IFAS_MODEL_DIR ?? defaultModelDir()),
    executionProvider: e.IFAS_EXECUTION_PROVIDER,
    modelWorkers: modelWorkerSettings(env),
    detectFaces: e.IFAS_DETECT_FACES,
    modelVerify: e.IFAS_MODEL_VERIFY,
    threshold: e.IFAS_THRESHOLD ?? null,
    dataDir,
    store:
      e.IFAS_AUDIT_STORE === 'postgres'
        ? {
            kind: 'postgres',
            url: e.IFAS_DATABASE_URL ?? '',
            poolMax: e.IFAS_DATABASE_POOL_MAX,
            tls:
              e.IFAS_DATABASE_TLS === 'verify-full'
                ? { mode: 'verify-full', caFile: e.IFAS_DATABASE_CA_FILE ?? null }
                : { mode: e.IFAS_DATABASE_TLS },
          }
        : { kind: 'sqlite', path: resolve(e.IFAS_SQLITE_PATH ?? join(dataDir, 'audit.sqlite')) },
    anchoring: {
      everyRecords: e.IFAS_CHECKPOINT_EVERY_RECORDS,
      everyMs: e.IFAS_CHECKPOINT_EVERY_SECONDS * 1000,
      file:
        e.IFAS_ANCHOR_FILE !== undefined || e.IFAS_ANCHOR_S3_BUCKET === undefined
          ? resolve(e.IFAS_ANCHOR_FILE ?? join(dataDir, 'audit-anchors.ndjson'))
          : null,
      webhook:
        e.IFAS_ANCHOR_WEBHOOK_URL && e.IFAS_ANCHOR_WEBHOOK_SECRET
          ? { url: e.IFAS_ANCHOR_WEBHOOK_URL, secret: e.IFAS_ANCHOR_WEBHOOK_SECRET }
          : null,
      s3: e.IFAS_ANCHOR_S3_BUCKET
        ? {
            bucket: e.IFAS_ANCHOR_S3_BUCKET,
            prefix: e.IFAS_ANCHOR_S3_PREFIX,
            mode: e.IFAS_ANCHOR_S3_MODE,
            retainDays: e.IFAS_ANCHOR_S3_RETAIN_DAYS,
            region: e.IFAS_ANCHOR_S3_REGION ?? null,
            endpoint: e.IFAS_ANCHOR_S3_ENDPOINT ?? null,
            forcePathStyle: e.IFAS_ANCHOR_S3_FORCE_PATH_STYLE,
          }
        : null,
    },
    subjectPolicy: e.IFAS_SUBJECT_POLICY,
    subjectHashKey: e.IFAS_SUBJECT_HASH_KEY ? Buffer.from(e.IFAS_SUBJECT_HASH_KEY, 'base64') : null,
    checkpointPrivateKey: e.IFAS_CHECKPOINT_PRIVATE_KEY ?? null,
    setSigningKeyPem: e.IFAS_SET_SIGNING_KEY ?? null,
    inference:
      e.IFAS_INFERENCE === 'lambda'
        ? { kind: 'lambda', functionName: e.IFAS_INFER_FUNCTION ?? '' }
        : e.IFAS_INFERENCE === 'http'
          ? {
              kind: 'http',
              url: e.IFAS_INFER_URL ?? '',
              auth:
                e.IFAS_INFER_AUTH === 'google-id-token'
                  ? {
                      kind: 'google-id-token',
                      credentials: e.IFAS_INFER_GOOGLE_CREDENTIALS ?? '',
                      serviceAccount: e.IFAS_INFER_GOOGLE_SERVICE_ACCOUNT ?? '',
                    }
                  : { kind: 'token', token: e.IFAS_INFER_TOKEN ?? '' },
              timeoutMs: e.IFAS_INFER_TIMEOUT_MS,
            }
          : { kind: 'in-process' },
    checkpointKeyFile: resolve(
      e.IFAS_CHECKPOINT_KEY_FILE ?? join(dataDir, 'checkpoint-ed25519.pem'),
    ),
    limits: {
      maxBodyBytes: e.IFAS_MAX_BODY_BYTES,
      maxImageBytes: e.IFAS_MAX_IMAGE_BYTES,
      maxPixels: e.IFAS_MAX_PIXELS,
      queueConcurrency: e.IFAS_QUEUE_CONCURRENCY ?? null,
      queueMaxWaiting: e.IFAS_QUEUE_MAX_WAITING,
      requestTimeoutMs: e.IFAS_REQUEST_TIMEOUT_MS,
      maxNewTokens: e.IFAS_MAX_NEW_TOKENS,
    },
    jwt: jwksGiven
      ? {
          ...(e.IFAS_JWT_JWKS_URL ? { jwksUrl: e.IFAS_JWT_JWKS_URL } : {}),
          ...(e.IFAS_JWT_JWKS_FILE ? { jwksFile: resolve(e.IFAS_JWT_JWKS_FILE) } : {}),
          issuer: e.IFAS_JWT_ISSUER ?? '',
          audience: e.IFAS_JWT_AUDIENCE ?? '',
          algorithms: e.IFAS_JWT_ALGORITHMS.split(',')
            .map((alg) => alg.trim())
            .filter(Boolean),
          clockToleranceSeconds: e.IFAS_JWT_CLOCK_TOLERANCE_S,
          tenantClaim: e.IFAS_JWT_TENANT_CLAIM,
        }
      : null,
    publicDocs: e.IFAS_PUBLIC_DOCS,
    retentionDays: e.IFAS_RETENTION_DAYS ?? null,
    publicUrl: (e.IFAS_PUBLIC_URL ?? `http://${e.IFAS_HOST}:${e.IFAS_PORT}`).replace(/\/$/, ''),
    flags: jsonSection('IFAS_FLAGS', e.IFAS_FLAGS, e.IFAS_FLAGS_FILE, flagConfigSchema),
    hooks: jsonSection('IFAS_HOOKS', e.IFAS_HOOKS, e.IFAS_HOOKS_FILE, hookConfigSchema),
    sessions: jsonSection(
      'IFAS_SESSIONS',
      e.IFAS_SESSIONS,
      e.IFAS_SESSIONS_FILE,
      sessionConfigSchema,
    ),
    setSigningKeyFile: resolve(
      e.IFAS_SET_SIGNING_KEY_FILE ?? join(dataDir, 'set-signing-es256.pem'),
    ),
    outboxPollMs: e.IFAS_OUTBOX_POLL_MS,
    imageRetention: e.IFAS_RETAIN_IMAGES_KEY
      ? { key: Buffer.from(e.IFAS_RETAIN_IMAGES_KEY, 'base64'), days: e.IFAS_RETAIN_IMAGES_DAYS }
      : null,
    identity: identitySettings(e),
  };
}

function identitySettings(e: z.infer<typeof envSchema>): ServiceConfig['identity'] {
  const policy = jsonSection(
    'IFAS_IDENTITY',
    e.IFAS_IDENTITY,
    e.IFAS_IDENTITY_FILE,
    identityConfigSchema,
  );
  const referenceKey = e.IFAS_REFERENCE_KEY ? Buffer.from(e.IFAS_REFERENCE_KEY, 'base64') : null;
  const requiresSome =
    policy.requireReference || Object.values(policy.tenants).some((t) => t.requireReference);
  if (requiresSome && referenceKey === null) {
    throw new ConfigError(
      'IFAS_IDENTITY requires reference faces, so IFAS_REFERENCE_KEY must be set',
    );
  }
  if (referenceKey !== null && !e.IFAS_DETECT_FACES) {
    throw new ConfigError(
      'reference faces (IFAS_REFERENCE_KEY) need face detection (IFAS_DETECT_FACES)',
    );
  }
  return {
    referenceKey,
    embedderDir: e.IFAS_EMBEDDER_DIR ? resolve(e.IFAS_EMBEDDER_DIR) : null,
    policy,
  };
}
