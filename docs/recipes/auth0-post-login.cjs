/**
 * Auth0 post-login Action: sends the user to your liveness page, then asks ifas-guard whether the
 * check id the page returned belongs to this user, is fresh and unused, and was live.
 *
 * Action settings → Dependencies: standardwebhooks@1.1.1
 * Action settings → Secrets:
 *   IFAS_URL              https://ifas.example.com
 *   IFAS_WEBHOOK_SECRET   whsec_…   (the tenant's secret in IFAS_HOOKS)
 *   LIVENESS_PAGE_URL     https://app.example.com/liveness  (posts the photo to /v1/checks with
 *                         subject = the Auth0 user id, then redirects to /continue with a signed
 *                         `liveness_token` whose payload holds { check_id })
 *   REDIRECT_SECRET       the secret that page signs liveness_token with
 *   IFAS_FAIL_OPEN        "true" to let logins through when ifas-guard cannot be reached
 */

const { Webhook } = require('standardwebhooks');

/** Auth0 gives a whole flow 20 s; leave most of it to the user. */
const IFAS_TIMEOUT_MS = 5000;

async function verifyWithIfas(event, checkId) {
  const body = JSON.stringify({ type: 'liveness.verify', data: { subject: event.user.user_id, checkId } });
  const id = `msg_${event.transaction.id}_${checkId}`;
  const timestamp = new Date();
  const signature = new Webhook(event.secrets.IFAS_WEBHOOK_SECRET).sign(id, timestamp, body);
  try {
    const response = await fetch(`${event.secrets.IFAS_URL}/v1/hooks/verify`, {
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
    if (response.ok) return await response.json();
    return { action: event.secrets.IFAS_FAIL_OPEN === 'true' ? 'allow' : 'deny', reason: `http_${response.status}` };
  } catch (error) {
    return { action: event.secrets.IFAS_FAIL_OPEN === 'true' ? 'allow' : 'deny', reason: 'unreachable' };
  }
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
  const payload = api.redirect.validateToken({
    secret: event.secrets.REDIRECT_SECRET,
    tokenParameterName: 'liveness_token',
  });
  const answer = await verifyWithIfas(event, payload.check_id);
  if (answer.action === 'deny') {
    api.access.deny(`Liveness check failed (${answer.reason}).`);
  } else if (answer.action === 'step_up') {
    api.authentication.challengeWith({ type: 'otp' });
  }
};
