/**
 * The bad-input corpus: malformed, hostile and out-of-range requests against every route of the
 * real app (in process, the shipped reference model, a temporary SQLite store). Each must be refused
 * with a 4xx problem — never a 5xx, never a hang. Returns the counts by route and status.
 */

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildService } from '../../src/app/build-service.js';
import { standardWebhookHeaders } from '../../src/audit/standard-webhook-headers.js';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { serviceConfigFromEnv } from '../../src/config/service-config.js';
import { defaultModelDir } from '../../src/project-root.js';

const HOOK_SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const OKTA_AUTH = 'okta-reliability-secret-0123456789';

export interface BadInput {
  route: string;
  name: string;
  request: () => Request;
}

export interface CorpusResult {
  cases: number;
  byStatus: Record<string, number>;
  serverErrors: Array<{ route: string; name: string; status: number }>;
  routes: number;
}

const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

function corpus(base: string, key: string, readOnlyKey: string): BadInput[] {
  const cases: BadInput[] = [];
  const add = (route: string, name: string, request: () => Request) =>
    cases.push({ route, name, request });
  const auth = { authorization: `Bearer ${key}` };

  // Credentials: every protected route refuses them all.
  const badCredentials: Array<[string, Record<string, string>]> = [
    ['no credential', {}],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['basic scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['key-shaped unknown key', { authorization: `Bearer ifas_0123456789abcdef_${'A'.repeat(43)}` }],
    ['malformed key', { authorization: 'Bearer ifas_zz_short' }],
    ['garbage JWT', { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }],
    ['8 KiB header', { authorization: `Bearer ${'x'.repeat(8192)}` }],
    ['key in X-API-Key with wrong secret', { 'x-api-key': `${key.slice(0, -4)}AAAA` }],
    ['scope missing (read-only key)', { authorization: `Bearer ${readOnlyKey}` }],
  ];
  const protectedRoutes: Array<[string, string]> = [
    ['POST', '/v1/checks'],
    ['GET', '/v1/checks/chk_x'],
    ['GET', '/v1/audit'],
    ['GET', '/v1/audit/verify'],
    ['GET', '/metrics'],
    ['GET', '/v1/flags'],
    ['POST', '/v1/flags/flg_x/retry'],
    ['GET', '/v1/keys'],
  ];
  // Routes the read-only key (audit:read) lacks the scope for.
  const scoped = new Set(['/v1/checks', '/metrics', '/v1/flags/flg_x/retry', '/v1/keys']);
  for (const [method, path] of protectedRoutes) {
    for (const [name, headers] of badCredentials) {
      if (name.startsWith('scope') && !scoped.has(path)) continue;
      add(`${method} ${path}`, name, () => new Request(`${base}${path}`, { method, headers }));
    }
  }

  // POST /v1/checks, JSON.
  const json = (name: string, body: string, contentType = 'application/json') =>
    add(
      'POST /v1/checks (JSON)',
      name,
      () =>
        new Request(`${base}/v1/checks`, {
          method: 'POST',
          body,
          headers: { ...auth, 'content-type': contentType },
        }),
    );
  const image = PNG_1X1.toString('base64');
  for (const [name, body] of [
    ['broken JSON', '{"image":'],
    ['empty body', ''],
    ['JSON array', '[]'],
    ['JSON null', 'null'],
    ['JSON number', '42'],
    ['no image', '{}'],
    ['empty image', '{"image":""}'],
    ['image not base64', '{"image":"%%%%"}'],
    ['image of text', `{"image":"${Buffer.from('hello world').toString('base64')}"}`],
    ['truncated PNG', `{"image":"${PNG_1X1.subarray(0, 30).toString('base64')}"}`],
    ['image is a number', '{"image":12345}'],
    ['image is an object', '{"image":{"a":1}}'],
    ['empty subject', `{"image":"${image}","subject":""}`],
    ['subject 300 chars', `{"image":"${image}","subject":"${'s'.repeat(300)}"}`],
    ['subject is a number', `{"image":"${image}","subject":7}`],
    ['explain invalid', `{"image":"${image}","explain":"sometimes"}`],
    ['clientRequestId 500 chars', `{"image":"${image}","clientRequestId":"${'c'.repeat(500)}"}`],
    ['clientRequestId empty', `{"image":"${image}","clientRequestId":""}`],
    ['deeply nested', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['NUL bytes', '{"image":"\u0000\u0000"}'],
    ['lone surrogate', '{"image":"\\ud800"}'],
    ['duplicate keys', `{"image":"${image}","image":""}`],
  ] as const) {
    json(name, body);
  }
  json('text/plain body', 'image=1', 'text/plain');
  json('XML body', '<image/>', 'application/xml');
  json('no content type', '{}', '');

  // POST /v1/checks, multipart.
  const multipart = (name: string, form: () => FormData) =>
    add(
      'POST /v1/checks (multipart)',
      name,
      () => new Request(`${base}/v1/checks`, { method: 'POST', body: form(), headers: auth }),
    );
  const withImage =
    (bytes: Uint8Array, extra: Record<string, string> = {}) =>
    () => {
      const form = new FormData();
      form.append('image', new Blob([bytes]));
      for (const [k, v] of Object.entries(extra)) form.append(k, v);
      return form;
    };
  multipart('no image field', () => {
    const form = new FormData();
    form.append('subject', 'x');
    return form;
  });
  multipart('empty file', withImage(new Uint8Array()));
  multipart('text file', withImage(Buffer.from('not an image at all')));
  multipart('image as a string field', () => {
    const form = new FormData();
    form.append('image', 'abc');
    return form;
  });
  multipart('truncated JPEG header', withImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])));
  multipart('GIF bytes', withImage(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')));
  multipart('explain invalid', withImage(PNG_1X1, { explain: 'loud' }));
  multipart('subject too long', withImage(PNG_1X1, { subject: 's'.repeat(300) }));
  multipart('clientRequestId too long', withImage(PNG_1X1, { clientRequestId: 'c'.repeat(500) }));
  add(
    'POST /v1/checks (multipart)',
    'multipart without boundary',
    () =>
      new Request(`${base}/v1/checks`, {
        method: 'POST',
        body: 'xx',
        headers: { ...auth, 'content-type': 'multipart/form-data' },
      }),
  );
  add(
    'POST /v1/checks (multipart)',
    'multipart with a broken body',
    () =>
      new Request(`${base}/v1/checks`, {
        method: 'POST',
        body: '--b\r\nContent-Disposition: form-data; name="image"\r\n\r\nunterminated',
        headers: { ...auth, 'content-type': 'multipart/form-data; boundary=b' },
      }),
  );
  add(
    'POST /v1/checks',
    'body over the limit',
    () =>
      new Request(`${base}/v1/checks`, {
        method: 'POST',
        body: Buffer.alloc(2 * 1024 * 1024, 0x41),
        headers: { ...auth, 'content-type': 'application/json' },
      }),
  );

  // GET /v1/checks/{id} and its image.
  for (const id of [
    'chk_unknown',
    'x'.repeat(1000),
    '..%2F..%2Fetc%2Fpasswd',
    '%00',
    '%F0%9F%98%80',
    "chk_1' OR '1'='1",
  ]) {
    add(
      'GET /v1/checks/{id}',
      `id ${id.slice(0, 24)}`,
      () => new Request(`${base}/v1/checks/${id}`, { headers: auth }),
    );
    add(
      'GET /v1/checks/{id}/image',
      `id ${id.slice(0, 24)}`,
      () => new Request(`${base}/v1/checks/${id}/image`, { headers: auth }),
    );
  }

  // GET /v1/audit filters.
  for (const query of [
    'from=yesterday',
    'to=2026-13-45',
    'limit=0',
    'limit=-1',
    'limit=100000000',
    'limit=abc',
    'cursor=abc',
    'cursor=-5',
    'decision=maybe',
    'format=xml',
    'subject=',
    `subject=${'s'.repeat(5000)}`,
    'attackMedium=',
    'modelVersion=',
    'checkId=',
    'order=sideways',
    `checkId=${'c'.repeat(500)}`,
    'from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&decision=spoof&format=csv&subject=%00',
    "subject=' OR 1=1 --",
  ]) {
    add(
      'GET /v1/audit',
      query.slice(0, 40),
      () => new Request(`${base}/v1/audit?${query}`, { headers: auth }),
    );
  }

  // POST /v1/flags/{id}/retry: only a dead letter of the caller's tenant (404), ids bounded (422).
  for (const [name, id] of [
    ['unknown id', 'flg_unknown'],
    ['id over 128 chars', 'f'.repeat(300)],
    ['path traversal id', '..%2F..%2Fkeys'],
  ] as const) {
    add(
      'POST /v1/flags/{id}/retry',
      name,
      () => new Request(`${base}/v1/flags/${id}/retry`, { method: 'POST', headers: auth }),
    );
  }

  // The console page is public; anything else under it is not a route.
  add(
    'GET /console/assets/*',
    'unknown asset',
    () => new Request(`${base}/console/assets/..%2F..%2Fpackage.json`, { headers: auth }),
  );

  // Signed hooks.
  const signed = (name: string, body: string, options: { secret?: string; at?: Date } = {}) =>
    add('POST /v1/hooks/verify', name, () => {
      const id = `msg_rel_${cases.length}_${Math.random().toString(36).slice(2)}`;
      const at = options.at ?? new Date();
      return new Request(`${base}/v1/hooks/verify`, {
        method: 'POST',
        body,
        headers: standardWebhookHeaders(options.secret ?? HOOK_SECRET, id, body, at),
      });
    });
  add(
    'POST /v1/hooks/verify',
    'unsigned',
    () => new Request(`${base}/v1/hooks/verify`, { method: 'POST', body: '{}' }),
  );
  add(
    'POST /v1/hooks/verify',
    'signature header garbage',
    () =>
      new Request(`${base}/v1/hooks/verify`, {
        method: 'POST',
        body: '{}',
        headers: { 'webhook-id': 'm', 'webhook-timestamp': 'now', 'webhook-signature': 'v1,xx' },
      }),
  );
  signed('wrong secret', '{}', { secret: `whsec_${Buffer.alloc(32, 4).toString('base64')}` });
  signed('timestamp an hour old', '{}', { at: new Date(Date.now() - 3_600_000) });
  signed('timestamp an hour ahead', '{}', { at: new Date(Date.now() + 3_600_000) });
  for (const [name, body] of [
    ['not JSON', 'not json'],
    ['empty object', '{}'],
    ['wrong type', '{"type":"liveness.other","data":{"subject":"a","checkId":"c"}}'],
    ['no data', '{"type":"liveness.verify"}'],
    ['neither checkId nor image', '{"type":"liveness.verify","data":{"subject":"a"}}'],
    [
      'both checkId and image',
      '{"type":"liveness.verify","data":{"subject":"a","checkId":"c","image":"AAAA"}}',
    ],
    ['empty image', '{"type":"liveness.verify","data":{"subject":"a","image":""}}'],
    ['image not base64', '{"type":"liveness.verify","data":{"subject":"a","image":"%%"}}'],
    [
      'image of text',
      `{"type":"liveness.verify","data":{"subject":"a","image":"${Buffer.from('text').toString('base64')}"}}`,
    ],
    ['empty subject', '{"type":"liveness.verify","data":{"subject":"","checkId":"c"}}'],
    [
      'subject too long',
      `{"type":"liveness.verify","data":{"subject":"${'s'.repeat(300)}","checkId":"c"}}`,
    ],
    [
      'checkId too long',
      `{"type":"liveness.verify","data":{"subject":"a","checkId":"${'c'.repeat(100)}"}}`,
    ],
    [
      'explain invalid',
      '{"type":"liveness.verify","data":{"subject":"a","checkId":"c","explain":"x"}}',
    ],
    ['data is an array', '{"type":"liveness.verify","data":[]}'],
  ] as const) {
    signed(name, body);
  }

  // Okta registration inline hook.
  const okta = (name: string, body: string, authorization = OKTA_AUTH) =>
    add(
      'POST /v1/hooks/okta/registration',
      name,
      () =>
        new Request(`${base}/v1/hooks/okta/registration`, {
          method: 'POST',
          body,
          headers: { authorization, 'content-type': 'application/json' },
        }),
    );
  okta('no authorization', '{}', '');
  okta('wrong authorization', '{}', 'nope');
  okta('not JSON', 'x{');
  okta('no data', '{"eventType":"com.okta.user.pre-registration"}');
  okta('profile is a string', '{"eventType":"e","data":{"userProfile":"x"}}');
  okta('eventId empty', '{"eventId":"","eventType":"e","data":{"userProfile":{}}}');

  // Unknown routes and wrong methods.
  for (const [method, path] of [
    ['GET', '/v2/checks'],
    ['DELETE', '/v1/checks/chk_1'],
    ['PUT', '/v1/audit'],
    ['POST', '/healthz'],
    ['GET', '/v1/hooks/verify'],
    ['PATCH', '/v1/flags'],
    ['GET', '/%2e%2e/%2e%2e/etc/passwd'],
    ['GET', `/${'a'.repeat(4000)}`],
  ] as const) {
    add(
      `${method} (unknown)`,
      `${method} ${path.slice(0, 30)}`,
      () => new Request(`${base}${path}`, { method, headers: auth }),
    );
  }
  return cases;
}

export async function runBadInputCorpus(): Promise<CorpusResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ifas-reliability-corpus-'));
  const service = await buildService(
    serviceConfigFromEnv({
      IFAS_DATA_DIR: dataDir,
      IFAS_MODEL_DIR: defaultModelDir(),
      IFAS_DETECT_FACES: 'false',
      IFAS_MAX_NEW_TOKENS: '4',
      IFAS_MAX_BODY_BYTES: String(1024 * 1024),
      IFAS_HOOKS: JSON.stringify({
        tenants: { acme: { secrets: [HOOK_SECRET], okta: { authorization: OKTA_AUTH } } },
      }),
    }),
  );
  await service.modelLoaded;
  try {
    const key = (
      await issueApiKey(service.store, {
        tenant: 'acme',
        name: 'reliability',
        scopes: [
          'checks:write',
          'checks:read',
          'audit:read',
          'metrics:read',
          'images:read',
          'flags:write',
          'keys:read',
        ],
      })
    ).key;
    const readOnly = (
      await issueApiKey(service.store, { tenant: 'acme', name: 'ro', scopes: ['audit:read'] })
    ).key;
    const cases = corpus('http://ifas.invalid', key, readOnly);
    const byStatus: Record<string, number> = {};
    const serverErrors: CorpusResult['serverErrors'] = [];
    for (const c of cases) {
      const response = await service.app.fetch(c.request());
      await response.arrayBuffer();
      byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;
      if (response.status >= 500) {
        serverErrors.push({ route: c.route, name: c.name, status: response.status });
      }
    }
    return {
      cases: cases.length,
      byStatus,
      serverErrors,
      routes: new Set(cases.map((c) => c.route)).size,
    };
  } finally {
    await service.close();
  }
}
