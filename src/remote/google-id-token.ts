/**
 * Google ID tokens for the infer container behind Cloud Run's IAM ingress, obtained from the
 * AWS function's own credentials: a workload identity federation configuration (the JSON that
 * `gcloud iam workload-identity-pools create-cred-config --aws` writes; it holds no secret)
 * exchanges the Lambda role's credentials for a federated Google token, which impersonates the
 * invoker service account to mint an ID token whose audience is the service URL. Tokens are reused
 * until five minutes before they expire.
 */

import { ExternalAccountClient, Impersonated } from 'google-auth-library';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/** Returns a valid ID token for the audience it was made for. */
export type IdTokenSource = () => Promise<string>;

const REFRESH_MARGIN_MS = 5 * 60 * 1000;

const jwtPayload = z.object({ exp: z.number() });

function expiryOf(token: string): number {
  const [, payload = ''] = token.split('.');
  const parsed = jwtPayload.safeParse(
    JSON.parse(Buffer.from(payload, 'base64url').toString('utf8') || '{}'),
  );
  return parsed.success ? parsed.data.exp * 1000 : 0;
}

/** Reuses a token until REFRESH_MARGIN_MS before its `exp`; one fetch at a time. */
export function cachedIdTokens(fetchToken: IdTokenSource, now = () => Date.now()): IdTokenSource {
  let current: { token: string; expires: number } | null = null;
  let pending: Promise<string> | null = null;
  return async () => {
    if (current && now() < current.expires - REFRESH_MARGIN_MS) return current.token;
    pending ??= fetchToken()
      .then((token) => {
        current = { token, expires: expiryOf(token) };
        return token;
      })
      .finally(() => {
        pending = null;
      });
    return pending;
  };
}

export function googleIdTokens(options: {
  /** The workload identity federation configuration (JSON text). */
  credentials: string;
  /** The invoker service account's e-mail. */
  serviceAccount: string;
  /** The Cloud Run service URL. */
  audience: string;
}): IdTokenSource {
  let federated: ReturnType<typeof ExternalAccountClient.fromJSON>;
  try {
    federated = ExternalAccountClient.fromJSON(JSON.parse(options.credentials));
  } catch (error) {
    throw new ConfigError(
      'IFAS_INFER_GOOGLE_CREDENTIALS is not a workload identity configuration',
      {
        cause: error,
      },
    );
  }
  if (!federated) {
    throw new ConfigError('IFAS_INFER_GOOGLE_CREDENTIALS is not an external_account configuration');
  }
  const invoker = new Impersonated({
    sourceClient: federated,
    targetPrincipal: options.serviceAccount,
    targetScopes: ['https://www.googleapis.com/auth/cloud-platform'],
  });
  return cachedIdTokens(() => invoker.fetchIdToken(options.audience, { includeEmail: true }));
}
