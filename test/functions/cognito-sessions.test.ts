import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/app/build-service.js';
import { createEvent, verifyEvent } from '../support/cognito-events.js';
import { FACE_32 } from '../support/fixtures.js';
import { cameraFrames } from '../support/frames.js';
import { testServiceEnv } from '../support/service.js';

// Session mode, configured before the handlers read their settings at import.
const env = await testServiceEnv({
  IFAS_PUBLIC_URL: 'https://ifas.example.test',
  IFAS_COGNITO_TENANT: 'pool-a',
  IFAS_COGNITO_SESSIONS: 'true',
});
Object.assign(process.env, env);
const cognito = await import('../../functions/cognito.js');
const { lambdaService } = await import('../../src/app/lambda-parts.js');

const SUB = '6f1b2c3d-0000-4000-8000-00000000beef';
let service: Service;
let face: Buffer;

/** What the client app does with the challenge: open the capture URL, where the browser sends frames. */
async function completeCapture(captureUrl: string, frames: Buffer[]): Promise<string> {
  const url = new URL(captureUrl);
  const sessionId = url.pathname.split('/').pop() ?? '';
  const token = new URLSearchParams(url.hash.slice(1)).get('token');
  const answer = await service.sessions.capture(sessionId, token, frames, {
    requestId: null,
    userAgent: null,
  });
  return answer.status;
}

beforeAll(async () => {
  face = await readFile(FACE_32);
  service = await lambdaService();
  await service.modelLoaded;
});

describe('Cognito triggers in session mode', () => {
  it('Create makes a liveness session for the user; Verify redeems exactly that session, once, when live', async () => {
    const created = await cognito.createHandler(createEvent(SUB, []));
    const params = created.response.publicChallengeParameters;
    expect(params.captureUrl).toMatch(
      /^https:\/\/ifas\.example\.test\/capture\/ses_[A-Za-z0-9_-]+#token=cap_/,
    );
    const secrets = created.response.privateChallengeParameters;
    expect(secrets.sessionId).toBe(params.sessionId);
    const verify = (answer: string, sub = SUB) =>
      cognito
        .verifyHandler(verifyEvent(sub, secrets, answer))
        .then((e) => e.response.answerCorrect);

    expect(await verify(params.sessionId ?? '')).toBe(false); // not judged yet
    expect(await completeCapture(params.captureUrl ?? '', await cameraFrames(face, 3, 201))).toBe(
      'passed',
    );
    expect(await verify(params.sessionId ?? '', 'someone-else')).toBe(false);
    expect(await verify(params.sessionId ?? '')).toBe(true);
    expect(await verify(params.sessionId ?? '')).toBe(false); // single use

    // A session of another challenge (another login) cannot answer this one.
    const other = await cognito.createHandler(createEvent(SUB, []));
    expect(
      await completeCapture(
        other.response.publicChallengeParameters.captureUrl ?? '',
        await cameraFrames(await sharp(face).flop().png().toBuffer(), 3, 203),
      ),
    ).toBe('passed');
    expect(await verify(other.response.publicChallengeParameters.sessionId ?? '')).toBe(false);
  });

  it('Verify refuses a session judged spoof (a still sent as several frames)', async () => {
    const created = await cognito.createHandler(createEvent(SUB, []));
    const [still] = await cameraFrames(face, 1, 205);
    const captureUrl = created.response.publicChallengeParameters.captureUrl ?? '';
    expect(await completeCapture(captureUrl, [still as Buffer, still as Buffer])).toBe('failed');
    const answer = await cognito.verifyHandler(
      verifyEvent(
        SUB,
        created.response.privateChallengeParameters,
        created.response.publicChallengeParameters.sessionId ?? '',
      ),
    );
    expect(answer.response.answerCorrect).toBe(false);
  });
});
