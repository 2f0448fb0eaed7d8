import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningInferContainer, startInferContainer } from '../../src/app/infer-container.js';
import { FACE_32, TINY_PACKAGE } from '../support/fixtures.js';
import { CALLER, type GoogleTokens, startGoogleTokens } from '../support/google-tokens.js';

const AUDIENCE = 'https://ifas-infer-abc123-ew.a.run.app';
let google: GoogleTokens;
let container: RunningInferContainer;
let image: string;

beforeAll(async () => {
  google = await startGoogleTokens();
  image = (await readFile(FACE_32)).toString('base64');
  container = await startInferContainer(
    {
      PORT: '0',
      IFAS_INFER_HOST: '127.0.0.1',
      IFAS_MODEL_DIR: TINY_PACKAGE,
      IFAS_DETECT_FACES: 'false',
      IFAS_WORKERS: '1',
      IFAS_INFER_AUTH: 'iam',
      IFAS_INFER_AUDIENCE: AUDIENCE,
      IFAS_INFER_ALLOWED_EMAILS: `${CALLER}, other-caller@project.iam.gserviceaccount.com`,
      IFAS_INFER_JWKS_URL: google.jwksUrl,
    },
    { handleSignals: false, log: () => undefined },
  );
}, 60_000);

afterAll(async () => {
  await container?.stop();
  await google?.close();
});

const invokeWith = (token: string | null) =>
  fetch(`${container.url}/invoke`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ action: 'check', image }),
  });

describe('Function: startInferContainer with IFAS_INFER_AUTH=iam (model in a worker thread)', () => {
  it('judges for a Google ID token signed for its URL by an allowed service account', async () => {
    const res = await invokeWith(await google.sign({ aud: AUDIENCE }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, result: { model: { name: 'ifas-tiny' } } });
  });

  it('refuses a wrong audience, an expired token, a wrong e-mail, an unsigned token and none', async () => {
    const tokens = [
      await google.sign({ aud: 'https://another-service.a.run.app' }),
      await google.sign({ aud: AUDIENCE }, { expiresIn: Math.floor(Date.now() / 1000) - 120 }),
      await google.sign({ aud: AUDIENCE, email: 'intruder@elsewhere.iam.gserviceaccount.com' }),
      google.unsigned({ aud: AUDIENCE }),
      null,
    ];
    for (const token of tokens) {
      const res = await invokeWith(token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'AUTH_INVALID' } });
    }
  });

  it('will not start in iam mode without the audience to check', async () => {
    await expect(
      startInferContainer(
        { IFAS_INFER_AUTH: 'iam', IFAS_MODEL_DIR: TINY_PACKAGE },
        { handleSignals: false },
      ),
    ).rejects.toThrow(/IFAS_INFER_AUDIENCE/);
  });
});
