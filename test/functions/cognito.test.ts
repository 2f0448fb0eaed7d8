import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/build-service.js';
import { createEvent, defineEvent, verifyEvent } from '../support/cognito-events.js';
import { FACE_32 } from '../support/fixtures.js';
import { testServiceEnv } from '../support/service.js';

// The handlers read their settings at import: configure the environment first (one store, SQLite).
const env = await testServiceEnv({
  IFAS_PUBLIC_URL: 'https://ifas.example.test',
  IFAS_COGNITO_TENANT: 'pool-a',
});
Object.assign(process.env, env);
const cognito = await import('../../functions/cognito.js');
const { lambdaService } = await import('../../src/app/lambda-parts.js');

const SUB = '6f1b2c3d-0000-4000-8000-00000000abcd';
let service: Service;
let image: Buffer;

async function checkOf(
  subject: string,
  tenant = 'pool-a',
): Promise<{ id: string; decision: string }> {
  const outcome = await service.checks.submit({
    tenant,
    image,
    subject,
    clientRequestId: null,
    explain: 'never',
    caller: { kind: 'cli', id: 'test' },
    requestId: null,
    userAgent: null,
  });
  return { id: outcome.stored.record.checkId, decision: outcome.stored.record.decision };
}

beforeAll(async () => {
  image = await readFile(FACE_32);
  service = await lambdaService();
  await service.modelLoaded;
});

describe('Cognito custom-authentication triggers', () => {
  it('Define: asks for the liveness challenge, issues tokens after a correct answer, fails after three wrong ones', async () => {
    const first = await cognito.defineHandler(defineEvent(SUB, []));
    expect(first.response).toMatchObject({
      challengeName: 'CUSTOM_CHALLENGE',
      issueTokens: false,
      failAuthentication: false,
    });
    const passed = await cognito.defineHandler(
      defineEvent(SUB, [
        {
          challengeName: 'CUSTOM_CHALLENGE',
          challengeResult: true,
          challengeMetadata: 'IFAS_LIVENESS',
        },
      ]),
    );
    expect(passed.response).toMatchObject({ issueTokens: true, failAuthentication: false });
    const wrong = {
      challengeName: 'CUSTOM_CHALLENGE' as const,
      challengeResult: false,
      challengeMetadata: 'IFAS_LIVENESS',
    };
    const failed = await cognito.defineHandler(defineEvent(SUB, [wrong, wrong, wrong]));
    expect(failed.response).toMatchObject({ issueTokens: false, failAuthentication: true });
    const password = await cognito.defineHandler(
      defineEvent(SUB, [{ challengeName: 'PASSWORD_VERIFIER', challengeResult: true }]),
    );
    expect(password.response.failAuthentication).toBe(true);
    expect(
      (await cognito.defineHandler(defineEvent(SUB, [], true))).response.failAuthentication,
    ).toBe(true);
  });

  it('Create: tells the client where to post the photo and remembers when it asked (no inference)', async () => {
    const event = await cognito.createHandler(createEvent(SUB, []));
    expect(event.response.publicChallengeParameters).toMatchObject({
      challenge: 'IFAS_LIVENESS',
      checksUrl: 'https://ifas.example.test/v1/checks',
      subject: SUB,
      clientRequestId: expect.any(String),
    });
    expect(
      Date.parse(event.response.privateChallengeParameters.issuedAt ?? ''),
    ).toBeLessThanOrEqual(Date.now());
    expect(event.response.challengeMetadata).toBe('IFAS_LIVENESS');
  });

  it('Verify: accepts a fresh live check of the same subject once, and nothing else', async () => {
    const created = await cognito.createHandler(createEvent(SUB, []));
    const secrets = created.response.privateChallengeParameters;
    const check = await checkOf(SUB);
    expect(check.decision).toBe('live');
    const verify = (answer: string, sub = SUB, params = secrets) =>
      cognito.verifyHandler(verifyEvent(sub, params, answer));

    expect((await verify(check.id)).response.answerCorrect).toBe(true);
    expect((await verify(check.id)).response.answerCorrect).toBe(false); // single use
    expect((await verify((await checkOf('someone-else')).id)).response.answerCorrect).toBe(false); // other subject
    expect((await verify('chk_doesNotExist')).response.answerCorrect).toBe(false);
    expect((await verify('{"decision":"live"}')).response.answerCorrect).toBe(false); // a client-made "result"
    expect((await verify((await checkOf(SUB, 'pool-b')).id)).response.answerCorrect).toBe(false); // another tenant
    // A check made before the challenge was issued cannot answer it.
    const early = await checkOf(SUB);
    const later = { ...secrets, issuedAt: new Date(Date.now() + 5000).toISOString() };
    expect((await verify(early.id, SUB, later)).response.answerCorrect).toBe(false);
  });

  it('Verify: refuses a spoof decision', async () => {
    const created = await cognito.createHandler(createEvent(SUB, []));
    // The same face judged at a threshold above its liveness: a recorded spoof decision.
    const { CheckService } = await import('../../src/service/check-service.js');
    const strict = new CheckService({
      model: service.model,
      store: service.store,
      queue: service.queue,
      metrics: new (await import('../../src/service/service-metrics.js')).ServiceMetrics(
        service.queue,
      ),
      subjectPolicy: service.subjectPolicy,
      requestTimeoutMs: 10_000,
      maxNewTokens: 4,
      threshold: 0.999,
    });
    const spoof = await strict.submit({
      tenant: 'pool-a',
      image,
      subject: SUB,
      clientRequestId: null,
      explain: 'never',
      caller: { kind: 'cli', id: 'test' },
      requestId: null,
      userAgent: null,
    });
    expect(spoof.stored.record.decision).toBe('spoof');
    const answer = await cognito.verifyHandler(
      verifyEvent(SUB, created.response.privateChallengeParameters, spoof.stored.record.checkId),
    );
    expect(answer.response.answerCorrect).toBe(false);
  });
});
