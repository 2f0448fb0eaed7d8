/**
 * Assembles the service from its configuration: audit store, local secrets, the model (loading in
 * the background into a ModelSlot), queue, metrics, JWT verifier and the Hono app. Used by the
 * server command and by tests that want the real thing on a temporary folder.
 */

import { readFile } from 'node:fs/promises';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AnchorSink, AnchorSource } from '../audit/anchor-sink.js';
import type { SubjectPolicy } from '../audit/audit-record.js';
import type { AuditStore } from '../audit/audit-store.js';
import { HeadCheckpointer } from '../audit/head-checkpointer.js';
import { ImageVault } from '../audit/image-vault.js';
import { openAuditStore } from '../audit/open-audit-store.js';
import { jwtVerifier } from '../auth/jwt-verifier.js';
import { requiresReference } from '../config/identity-config.js';
import { type CheckpointKeys, checkpointKeysFor } from '../config/local-secrets.js';
import type { ServiceConfig } from '../config/service-config.js';
import { FlagDelivery } from '../flags/deliver.js';
import { FlagRouter } from '../flags/flag-router.js';
import { OutboxDispatcher } from '../flags/outbox-dispatcher.js';
import { RiskLevelStore } from '../flags/risk-levels.js';
import { type SetSigningKey, setSigningKeyFor } from '../flags/signing-key.js';
import { HookDecider } from '../hooks/hook-decider.js';
import { createApp } from '../http/app.js';
import type { AppEnv } from '../http/app-env.js';
import { openFaceReferences } from '../identity/open-face-references.js';
import { InferenceQueue } from '../inference/inference-queue.js';
import type { Judge } from '../inference/judge.js';
import { VerifiedFilesCache } from '../model/verified-files-cache.js';
import { googleIdTokens, type IdTokenSource } from '../remote/google-id-token.js';
import { httpTransport } from '../remote/http-transport.js';
import { lambdaTransport } from '../remote/lambda-transport.js';
import { RemoteJudge } from '../remote/remote-judge.js';
import { CheckService } from '../service/check-service.js';
import { ModelSlot } from '../service/model-slot.js';
import { ServiceMetrics } from '../service/service-metrics.js';
import { SessionService } from '../sessions/session-service.js';
import { SessionStore } from '../sessions/session-store.js';
import { openSqlDialect } from '../store/sql-dialect.js';
import { anchorSinksFor } from './anchor-sinks.js';
import { type LocalJudgeOptions, loadLocalJudge, localJudgeSize } from './local-judge.js';
import { subjectPolicyFor } from './subject-policy.js';

export interface Service {
  app: OpenAPIHono<AppEnv>;
  store: AuditStore;
  model: ModelSlot;
  /** Settles when the model finished loading (or failed to). */
  modelLoaded: Promise<void>;
  queue: InferenceQueue;
  checks: CheckService;
  sessions: SessionService;
  subjectPolicy: SubjectPolicy;
  checkpointKeys: CheckpointKeys;
  setSigningKey: SetSigningKey;
  dispatcher: OutboxDispatcher;
  /** Signs the chains' heads every N records / T seconds (started by the server) and at close. */
  checkpointer: HeadCheckpointer;
  /** Where verification reads the newest anchored checkpoints: the S3 bucket, or the local file. */
  anchors: AnchorSink & AnchorSource;
  close(): Promise<void>;
}

export { subjectPolicyFor };

/** The container's token, or Google ID tokens minted from the AWS role (IAM ingress, docs/deploy.md §4.3). */
function inferCredential(
  inference: Extract<ServiceConfig['inference'], { kind: 'http' }>,
): string | IdTokenSource {
  const { auth, url } = inference;
  if (auth.kind === 'token') return auth.token;
  return googleIdTokens({
    credentials: auth.credentials,
    serviceAccount: auth.serviceAccount,
    audience: url,
  });
}

export interface ServiceParts {
  /** For IFAS_INFERENCE=lambda; the default client uses the function's own credentials and region. */
  lambdaClient?: LambdaClient;
  /** For the S3 anchor bucket (IFAS_ANCHOR_S3_BUCKET); the default uses the process's credentials. */
  s3Client?: S3Client;
}

function loadJudge(
  config: ServiceConfig,
  parts: ServiceParts,
  hashCache?: VerifiedFilesCache,
): Promise<Judge> {
  if (config.inference.kind === 'lambda') {
    const client = parts.lambdaClient ?? new LambdaClient({});
    return RemoteJudge.connect(lambdaTransport(client, config.inference.functionName));
  }
  if (config.inference.kind === 'http') {
    return RemoteJudge.connect(
      httpTransport({
        url: config.inference.url,
        token: inferCredential(config.inference),
        timeoutMs: config.inference.timeoutMs,
      }),
    );
  }
  return loadLocalJudge(localJudgeOptions(config, hashCache));
}

function localJudgeOptions(
  config: ServiceConfig,
  hashCache?: VerifiedFilesCache,
): LocalJudgeOptions {
  return {
    modelDir: config.modelDir,
    executionProvider: config.executionProvider,
    detectFaces: config.detectFaces,
    maxPixels: config.limits.maxPixels,
    verifyMode: config.modelVerify,
    ...(hashCache ? { hashCache } : {}),
    workers: config.modelWorkers,
    // The service's queue bounds the waiting checks; the batchers only need room to fill batches.
    maxWaiting: config.modelWorkers.batchMax * 2,
    log: (line) => console.error(line),
  };
}

/**
 * Checks the service admits to the model at once: enough to fill every worker's batch (a remote
 * container batches with its own settings; the API's IFAS_BATCH_MAX stands in for them).
 */
function queueConcurrencyFor(config: ServiceConfig): number {
  if (config.limits.queueConcurrency !== null) return config.limits.queueConcurrency;
  const engines =
    config.inference.kind === 'in-process'
      ? Math.max(1, localJudgeSize(localJudgeOptions(config)).workers)
      : 1;
  return engines * config.modelWorkers.batchMax;
}

export async function buildService(
  config: ServiceConfig,
  parts: ServiceParts = {},
): Promise<Service> {
  const store = await openAuditStore(config.store);
  const checkpointKeys = await checkpointKeysFor(config);
  const subjectPolicy = await subjectPolicyFor(config);
  // One verified-files record for every package this process verifies (model, detector, embedder):
  // separate instances would each save their own view and overwrite the others' entries.
  const hashCache =
    config.modelVerify === 'cached' ? await VerifiedFilesCache.open(undefined) : undefined;
  const model = new ModelSlot();
  const modelLoaded = model.track(loadJudge(config, parts, hashCache));
  const queue = new InferenceQueue({
    concurrency: queueConcurrencyFor(config),
    maxWaiting: config.limits.queueMaxWaiting,
  });
  const metrics = new ServiceMetrics(queue, model);
  const setSigningKey = await setSigningKeyFor(config);
  const dispatcher = new OutboxDispatcher(
    store,
    new FlagDelivery(config.flags, setSigningKey),
    config.flags.backoff,
  );
  const flags = new FlagRouter(config.flags, config.publicUrl);
  const vault = config.imageRetention
    ? new ImageVault(config.imageRetention.key, config.imageRetention.days)
    : undefined;
  // Stores written over the SQL dialect share the audit store's database (for SQLite, its one
  // connection to the file, so their transactions queue behind the audit store's).
  const db = await openSqlDialect(config.store);
  const riskLevels = flags.enabled ? await RiskLevelStore.open(db) : undefined;
  const references = await openFaceReferences(
    config,
    subjectPolicy,
    db,
    hashCache ? { hashCache } : {},
  );
  const { sinks, source: anchors } = anchorSinksFor(config.anchoring, parts.s3Client);
  const checkpointer = new HeadCheckpointer(
    store,
    checkpointKeys.privateKey,
    sinks,
    { everyRecords: config.anchoring.everyRecords, everyMs: config.anchoring.everyMs },
    (line) => console.error(line),
    (tenant) => anchors.newest(tenant),
  );
  const checks = new CheckService({
    onRecorded: () => checkpointer.recorded(),
    ...(vault ? { vault } : {}),
    ...(references ? { references: references.service } : {}),
    ...(riskLevels ? { riskLevels } : {}),
    ...(flags.enabled
      ? {
          flags,
          onFlagsQueued: () =>
            dispatcher.kick((error) => console.error('flag delivery failed', error)),
        }
      : {}),
    model,
    store,
    queue,
    metrics,
    subjectPolicy,
    requestTimeoutMs: config.limits.requestTimeoutMs,
    maxNewTokens: config.limits.maxNewTokens,
    ...(config.threshold === null ? {} : { threshold: config.threshold }),
  });
  const jwt = config.jwt;
  const verifyJwt = jwt
    ? jwtVerifier({
        ...(jwt.jwksUrl ? { jwksUrl: jwt.jwksUrl } : {}),
        ...(jwt.jwksFile ? { jwks: JSON.parse(await readFile(jwt.jwksFile, 'utf8')) } : {}),
        issuer: jwt.issuer,
        audience: jwt.audience,
        algorithms: jwt.algorithms,
        clockToleranceSeconds: jwt.clockToleranceSeconds,
        tenantClaim: jwt.tenantClaim,
      })
    : undefined;
  const sessions = new SessionService({
    store: await SessionStore.open(db),
    checks,
    audit: store,
    subjectPolicy,
    config: config.sessions,
    publicUrl: config.publicUrl,
    maxPixels: config.limits.maxPixels,
    requireReference: (tenant) => requiresReference(config.identity.policy, tenant),
  });
  const hooks = new HookDecider(config.hooks, checks, store, subjectPolicy, sessions);
  const app = createApp({
    hooks: { config: config.hooks, decider: hooks },
    sessions,
    store,
    checks,
    model,
    metrics,
    checkpointPublicKey: checkpointKeys.publicKey,
    anchors,
    setSigningKey,
    publicUrl: config.publicUrl,
    ...(verifyJwt ? { verifyJwt } : {}),
    limits: {
      maxBodyBytes: config.limits.maxBodyBytes,
      maxImageBytes: config.limits.maxImageBytes,
    },
    publicDocs: config.publicDocs,
    ...(references ? { references: references.service } : {}),
    onFlagRequeued: () => dispatcher.kick((error) => console.error('flag delivery failed', error)),
  });
  return {
    app,
    store,
    model,
    modelLoaded,
    queue,
    checks,
    sessions,
    subjectPolicy,
    checkpointKeys,
    setSigningKey,
    dispatcher,
    checkpointer,
    anchors,
    async close() {
      await dispatcher.stop();
      // The shutdown checkpoint: everything recorded so far is signed and anchored.
      await checkpointer.stop();
      await modelLoaded;
      const status = model.status;
      if (status.state === 'ready') await status.engine.dispose();
      await references?.close();
      await db.close();
      await store.close();
    },
  };
}
