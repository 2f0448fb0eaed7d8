/**
 * A harness that replays Auth0's post-login Redirect Action round trip for a recipe: the `event` and
 * `api` objects as Auth0 documents them (api.redirect.encodeToken / sendUserTo / validateToken,
 * api.access.deny, api.authentication.challengeWith), the `state` Auth0 appends to the redirect, and
 * the /continue request that resumes the Action. validateToken behaves as documented: HS256 signature
 * with the given secret, expiry, and a `state` claim equal to the transaction's state.
 *
 * @see https://auth0.com/docs/customize/actions/flows-and-triggers/login-flow/redirect-with-actions
 */

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface PostLoginAction {
  onExecutePostLogin: (event: unknown, api: unknown) => Promise<void>;
  onContinuePostLogin: (event: unknown, api: unknown) => Promise<void>;
}

/** What the external page does with the redirect: returns the query it sends back to /continue. */
export type ExternalPage = (redirect: {
  url: string;
  query: Record<string, string>;
  state: string;
}) => Promise<Record<string, string>>;

export type LoginOutcome =
  | { result: 'allowed' }
  | { result: 'denied'; reason: string }
  | { result: 'challenged' }
  | { result: 'failed'; error: string };

const b64 = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/** Synchronous HS256 JWT, as Auth0's encodeToken returns one. */
export function hs256(payload: Record<string, unknown>, secret: string): string {
  const head = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(payload))}`;
  return `${head}.${b64(createHmac('sha256', secret).update(head).digest())}`;
}

function verifyHs256(token: string, secret: string): Record<string, unknown> {
  const [header, body, signature] = token.split('.');
  if (!header || !body || !signature) throw new Error('malformed token');
  const expected = createHmac('sha256', secret).update(`${header}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Error('invalid token signature');
  }
  return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function runPostLogin(
  action: PostLoginAction,
  options: {
    user: { user_id: string };
    secrets: Record<string, string>;
    page: ExternalPage;
    transactionId?: string;
    domain?: string;
  },
): Promise<LoginOutcome> {
  const domain = options.domain ?? 'acme.eu.auth0.com';
  const transaction = { id: options.transactionId ?? `tx_${randomBytes(6).toString('hex')}` };
  const state = randomBytes(16).toString('base64url');
  let redirect: { url: string; query: Record<string, string> } | null = null;
  let outcome: LoginOutcome = { result: 'allowed' };
  const now = () => Math.floor(Date.now() / 1000);
  const api = (query: Record<string, string>) => ({
    redirect: {
      encodeToken: (o: { secret: string; expiresInSeconds?: number; payload: object }) =>
        hs256(
          { ...o.payload, iss: domain, iat: now(), exp: now() + (o.expiresInSeconds ?? 900) },
          o.secret,
        ),
      sendUserTo: (url: string, o: { query?: Record<string, string> } = {}) => {
        redirect = { url, query: o.query ?? {} };
      },
      validateToken: (o: { secret: string; tokenParameterName?: string }) => {
        const token = query[o.tokenParameterName ?? 'session_token'];
        if (!token) throw new Error('no token in the /continue request');
        const payload = verifyHs256(token, o.secret);
        if (typeof payload.exp !== 'number' || payload.exp < now())
          throw new Error('token expired');
        if (payload.state !== query.state)
          throw new Error('token state does not match the transaction');
        return payload;
      },
    },
    access: {
      deny: (reason: string) => {
        outcome = { result: 'denied', reason };
      },
    },
    authentication: {
      challengeWith: () => {
        outcome = { result: 'challenged' };
      },
    },
  });
  const event = (query: Record<string, string>) => ({
    user: options.user,
    transaction,
    secrets: options.secrets,
    request: { query },
  });
  await action.onExecutePostLogin(event({}), api({}));
  const sent = redirect as { url: string; query: Record<string, string> } | null;
  if (!sent) return outcome;
  const back = { ...(await options.page({ ...sent, state })), state };
  try {
    await action.onContinuePostLogin(event(back), api(back));
  } catch (error) {
    return { result: 'failed', error: error instanceof Error ? error.message : String(error) };
  }
  return outcome;
}
