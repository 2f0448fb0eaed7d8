// The Keycloak authentication step: after the user's first factor (username + password), create an
// ifas-guard liveness session for this user (subject = the Keycloak user id) whose capture page sends
// the browser back to this step's action URL, show a page that opens the capture page, and on the way
// back redeem that session through the signed hook. The session id lives only in this login's
// authentication session (auth note), so the browser cannot name another one, and a session is
// redeemed once: a live face that is not the enrolled reference, a reused or expired session, or one
// made for another user is denied with Keycloak's error page.
//
// Fail-open (config ifas.failOpen) applies only when ifas-guard is unreachable, times out or answers
// 5xx — never when it refuses the request (401, 403, 409, 422), which always ends the login.
package dev.ifasguard.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.util.JsonSerialization;

public final class IfasLivenessAuthenticator implements Authenticator {
  static final String FORM = "ifas-liveness.ftl";
  /** The liveness session this login created; only the server side of Keycloak ever sees it. */
  static final String SESSION_NOTE = "ifas.sessionId";
  private static final Logger LOG = Logger.getLogger(IfasLivenessAuthenticator.class);

  @Override
  public void authenticate(AuthenticationFlowContext context) {
    Map<String, String> config = settings(context);
    // The capture page returns here (GET with ?sessionId=, which is ignored: the note decides).
    String returnUrl = context.getActionUrl(context.generateAccessCode()).toString();
    IfasSessionClient.CreatedSession created = ask(context, config, () ->
        new IfasSessionClient(config.get("ifas.url"), config.get("ifas.apiKey"), timeout(config))
            .create(context.getUser().getId(), returnUrl,
                Integer.parseInt(config.getOrDefault("ifas.sessionTtlSeconds", "300")),
                Integer.parseInt(config.getOrDefault("ifas.maxAttempts", "3"))));
    if (created == null) return;
    context.getAuthenticationSession().setAuthNote(SESSION_NOTE, created.id());
    context.challenge(context.form().setAttribute("ifasCaptureUrl", created.captureUrl()).createForm(FORM));
  }

  @Override
  public void action(AuthenticationFlowContext context) {
    String sessionId = context.getAuthenticationSession().getAuthNote(SESSION_NOTE);
    if (sessionId == null) {
      authenticate(context); // nothing started yet in this login: start now
      return;
    }
    context.getAuthenticationSession().removeAuthNote(SESSION_NOTE); // one redemption per session
    Map<String, String> config = settings(context);
    String answer = ask(context, config, () ->
        new IfasHookClient(config.get("ifas.url"), config.get("ifas.secret"), timeout(config))
            .redeemSession(context.getUser().getId(), sessionId));
    if (answer == null) return;
    String action;
    String reason;
    try {
      JsonNode verdict = JsonSerialization.mapper.readTree(answer);
      action = verdict.path("action").asText("deny");
      reason = verdict.path("reason").asText("unknown");
    } catch (IOException e) {
      action = "deny";
      reason = "unreadable_answer";
    }
    LOG.infof("ifas-liveness: user %s session %s: %s (%s)", context.getUser().getId(), sessionId, action, reason);
    switch (action) {
      case "allow" -> context.success();
      // As an ALTERNATIVE beside e.g. OTP, the next alternative runs; as REQUIRED, Keycloak fails the login.
      case "step_up" -> context.attempted();
      default -> context.failure(AuthenticationFlowError.INVALID_CREDENTIALS, errorPage(context, "ifasFailed", Response.Status.FORBIDDEN));
    }
  }

  /** A call to ifas-guard. */
  @FunctionalInterface
  private interface IfasCall<T> {
    T call() throws IfasHookClient.Unavailable, IfasHookClient.Refused;
  }

  /** The call's answer, or null once an outage or a refusal has settled this step. */
  private static <T> T ask(AuthenticationFlowContext context, Map<String, String> config, IfasCall<T> call) {
    try {
      return call.call();
    } catch (IfasHookClient.Unavailable unavailable) {
      unavailable(context, config, unavailable);
    } catch (IfasHookClient.Refused refused) {
      refused(context, refused);
    }
    return null;
  }

  /** Unreachable, timed out or 5xx: the one case where the realm may choose to let the login go on. */
  private static void unavailable(AuthenticationFlowContext context, Map<String, String> config, Exception why) {
    if (Boolean.parseBoolean(config.getOrDefault("ifas.failOpen", "false"))) {
      LOG.warnf("ifas-liveness: failing open for user %s: %s", context.getUser().getId(), why.getMessage());
      context.success();
    } else {
      LOG.warnf("ifas-liveness: ifas-guard unavailable: %s", why.getMessage());
      context.failure(AuthenticationFlowError.INTERNAL_ERROR, errorPage(context, "ifasUnavailable", Response.Status.SERVICE_UNAVAILABLE));
    }
  }

  /** A refusal (bad key or signature, missing scope, replay, bad request) is a misconfiguration or an attack: never success. */
  private static void refused(AuthenticationFlowContext context, IfasHookClient.Refused refused) {
    LOG.warnf("ifas-liveness: ifas-guard refused the request with HTTP %d", refused.status);
    context.failure(AuthenticationFlowError.INTERNAL_ERROR, errorPage(context, "ifasUnavailable", Response.Status.FORBIDDEN));
  }

  private static Duration timeout(Map<String, String> config) {
    return Duration.ofSeconds(Long.parseLong(config.getOrDefault("ifas.timeoutSeconds", "4")));
  }

  private static Map<String, String> settings(AuthenticationFlowContext context) {
    AuthenticatorConfigModel model = context.getAuthenticatorConfig();
    Map<String, String> config = model == null ? Map.of() : model.getConfig();
    for (String required : new String[] {"ifas.url", "ifas.apiKey", "ifas.secret"}) {
      if (config.get(required) == null || config.get(required).isBlank()) {
        throw new IllegalStateException("configure ifas.url, ifas.apiKey and ifas.secret on the ifas-liveness execution");
      }
    }
    return config;
  }

  /** Keycloak's error page; the user is told only to try again, never what the model saw. */
  private static Response errorPage(AuthenticationFlowContext context, String message, Response.Status status) {
    return context.form().setError(message).createErrorPage(status);
  }

  @Override public boolean requiresUser() { return true; }
  @Override public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) { return true; }
  @Override public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {}
  @Override public void close() {}
}
