import { readFile } from 'node:fs/promises';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { LambdaEvent } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { FACE_32 } from '../support/fixtures.js';
import { testServiceEnv } from '../support/service.js';

// The api function reaches the model through the infer function; the Lambda client is mocked to
// invoke the real infer handler with the very payload the api function sent.
const env = await testServiceEnv({
  IFAS_INFERENCE: 'lambda',
  IFAS_INFER_FUNCTION: 'ifas-guard-dev-infer',
});
Object.assign(process.env, env);
const lambda = mockClient(LambdaClient);
const infer = await import('../../functions/infer.js');
const payloads: unknown[] = [];
let crashNext = false;
lambda.on(InvokeCommand).callsFake(async (input: { FunctionName: string; Payload: Uint8Array }) => {
  expect(input.FunctionName).toBe('ifas-guard-dev-infer');
  if (crashNext) {
    crashNext = false;
    // What Lambda answers when the function times out or crashes.
    return {
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: Buffer.from('{"errorMessage":"Task timed out after 30.00 seconds"}'),
    };
  }
  const payload = JSON.parse(Buffer.from(input.Payload).toString('utf8'));
  payloads.push(payload);
  return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(await infer.handler(payload))) };
});
const api = await import('../../functions/api.js');
const { lambdaService } = await import('../../src/app/lambda-parts.js');

let key: string;
let image: Buffer;

function httpApiEvent(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): LambdaEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authentication: null,
      authorizer: {},
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '28/Nov/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    isBase64Encoded: body !== undefined,
    body: body ? body.toString('base64') : '',
  };
}

type HttpResult = Exclude<APIGatewayProxyResultV2, string>;

/** POST /v1/checks through API Gateway: a multipart body, base64 as the HTTP API sends it. */
async function postCheck(photo: Buffer, fields: Record<string, string> = {}): Promise<HttpResult> {
  const form = new FormData();
  form.append('image', new Blob([photo]));
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const request = new Request('http://x/', { method: 'POST', body: form });
  const event = httpApiEvent(
    'POST',
    '/v1/checks',
    { authorization: `Bearer ${key}`, 'content-type': request.headers.get('content-type') ?? '' },
    Buffer.from(await request.arrayBuffer()),
  );
  return (await api.handler(event, {} as Context)) as HttpResult;
}

beforeAll(async () => {
  image = await readFile(FACE_32);
  const service = await lambdaService();
  await service.modelLoaded;
  key = (
    await issueApiKey(service.store, {
      tenant: 'acme',
      name: 't',
      scopes: ['checks:write', 'checks:read'],
    })
  ).key;
});

afterAll(() => {
  lambda.restore();
});

describe('api function (hono/aws-lambda) with inference in the infer function', () => {
  it('checks a photo sent through API Gateway, the model answering from the infer handler', async () => {
    const result = await postCheck(image, { explain: 'always' });
    expect(result.statusCode).toBe(201);
    const check = JSON.parse(result.body ?? '{}');
    expect(check).toMatchObject({
      decision: 'live',
      model: { name: 'ifas-tiny' },
      rationale: expect.any(String),
    });
    const last = payloads[payloads.length - 1] as {
      action: string;
      image: string;
      options: { explain: unknown };
    };
    expect(last).toMatchObject({ action: 'check', options: { explain: 'always' } });
    expect(Buffer.from(last.image, 'base64').equals(image)).toBe(true);

    const read = (await api.handler(
      httpApiEvent('GET', `/v1/checks/${check.id}`, { authorization: `Bearer ${key}` }),
      {} as Context,
    )) as HttpResult;
    expect(JSON.parse(read.body ?? '{}')).toMatchObject({
      id: check.id,
      rationale: check.rationale,
    });
    expect(payloads[0]).toEqual({ action: 'describe' });
  });

  it('maps an infer-side error to the same problem+json as a local one', async () => {
    const result = await postCheck(Buffer.from('not an image at all'));
    expect(result.statusCode).toBe(422);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ code: 'INPUT_NOT_AN_IMAGE' });
  });

  it('the infer handler answers the same payload directly, and refuses a malformed one', async () => {
    const direct = await infer.handler({
      action: 'check',
      image: image.toString('base64'),
      options: { explain: 'never' },
    });
    expect(direct).toMatchObject({ ok: true, result: { decision: 'live', rationale: null } });
    expect(await infer.handler({ action: 'check' })).toMatchObject({
      ok: false,
      error: { code: 'INPUT_INVALID', status: 422 },
    });
  });

  it('a crashed infer function becomes INFER_FAILED', async () => {
    crashNext = true;
    const result = await postCheck(image);
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ code: 'INFER_FAILED' });
  });
});
