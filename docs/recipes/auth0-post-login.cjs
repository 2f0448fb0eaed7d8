/**
 * Auth0 post-login Action: a Redirect Action round trip to your liveness page, then ifas-guard decides
 * whether the check the page made belongs to this user, is fresh, unused, live and — where a reference
 * face is enrolled — the user's own face.
 *
 *   onExecutePostLogin   signs a session_token { sub } and sends the user to LIVENESS_PAGE_URL; Auth0
 *                        appends the transaction's `state`.
 *   your liveness page   checks session_token, takes the photo, POSTs it to /v1/checks with
 *                        subject = sub, then redirects to https://{auth0 domain}/continue?state=… with a
 *                        liveness_token signed (HS256, REDIRECT_SECRET) whose payload is
 *                        { sub, state, check_id } — `state` must be the transaction's, or Auth0's
 *                        api.redirect.validateToken refuses the token.
 *   onContinuePostLogin  validates liveness_token (signature, expiry, state), requires sub to be this
 *                        user, and asks ifas-guard (POST /v1/hooks/verify, Standard Webhooks signed).
 *
 * Fail-open (IFAS_FAIL_OPEN=true) lets a login through only when ifas-guard cannot answer: a network
 * error, a timeout, or a 5xx. A refusal — 401 (bad signature), 409 (the same message still being
 * handled), 422 — always denies, whatever the setting. A resent message gets the answer it got before.
 *
 * @see https://auth0.com/docs/customize/actions/flows-and-triggers/login-flow/redirect-with-actions
 *
 * Action settings → Dependencies: standardwebhooks@1.1.1
 * Action settings → Secrets:
 *   IFAS_URL              https://ifas.example.com
 *   IFAS_WEBHOOK_SECRET   whsec_…   (the tenant's secret in IFAS_HOOKS)
 *   LIVENESS_PAGE_URL     https://app.example.com/liveness
 *   REDIRECT_SECRET       the secret the Action and the liveness page sign their tokens with
 *   IFAS_FAIL_OPEN        "true" to let logins through when ifas-guard is unreachable or failing
 */

const { Webhook } = require('standardwebhooks');

/** Auth0 gives a whole flow 20 s; leave most of it to the user. */
const IFAS_TIMEOUT_MS = 5000;

/** Only an absent answer may fail open: network errors, timeouts and ifas-guard's own 5xx. */
function unavailable(event, reason) {
  return { action: event.secrets.IFAS_FAIL_OPEN === 'true' ? 'allow' : 'deny', reason };
}

async function verifyWithIfas(event, checkId) {
  const body = JSON.stringify({ type: 'liveness.verify', data: { subject: event.user.user_id, checkId } });
  const id = `msg_${event.transaction.id}_${checkId}`;
  const timestamp = new Date();
  const signature = new Webhook(event.secrets.IFAS_WEBHOOK_SECRET).sign(id, timestamp, body);
  let response;
  try {
    response = await fetch(`${event.secrets.IFAS_URL}/v1/hooks/verify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
      signal: AbortSignal.timeout(IFAS_TIMEOUT_MS),
    });
  } catch (error) {
    return unavailable(event, error && error.name === 'TimeoutError' ? 'timeout' : 'unreachable');
  }
  if (response.ok) return response.json();
  if (response.status >= 500) return unavailable(event, `http_${response.status}`);
  return { action: 'deny', reason: `http_${response.status}` };
}

exports.onExecutePostLogin = async (event, api) => {
  const token = api.redirect.encodeToken({
    secret: event.secrets.REDIRECT_SECRET,
    expiresInSeconds: 300,
    payload: { sub: event.user.user_id },
  });
  api.redirect.sendUserTo(event.secrets.LIVENESS_PAGE_URL, { query: { session_token: token } });
};

exports.onContinuePostLogin = async (event, api) => {
  // Throws (and Auth0 fails the login) on a bad signature, an expired token or another transaction's state.
  const payload = api.redirect.validateToken({
    secret: event.secrets.REDIRECT_SECRET,
    tokenParameterName: 'liveness_token',
  });
  if (payload.sub !== event.user.user_id || typeof payload.check_id !== 'string') {
    api.access.deny('Liveness check failed (not made for this user).');
    return;
  }
  const answer = await verifyWithIfas(event, payload.check_id);
  if (answer.action === 'deny') {
    api.access.deny(`Liveness check failed (${answer.reason}).`);
  } else if (answer.action === 'step_up') {
    api.authentication.challengeWith({ type: 'otp' });
  }
};
