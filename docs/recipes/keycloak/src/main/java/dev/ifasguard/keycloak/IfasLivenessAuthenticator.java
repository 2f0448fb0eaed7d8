// The Keycloak authentication step: after the user's first factor (username + password), show the
// capture page (ifas-liveness.ftl), receive the photo it posts, and let ifas-guard judge it for this
// user (POST /v1/hooks/verify with the image and subject = the Keycloak user id). The check is made
// inside this login's authentication session, so it cannot be replayed into another login; where the
// user has an enrolled reference face, ifas-guard also requires the face to match.
//
// Fail-open (config ifas.failOpen) applies only when ifas-guard is unreachable, times out or answers
// 5xx — never when it refuses the request (401, 409, 422).
package dev.ifasguard.keycloak;

import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Map;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

public final class IfasLivenessAuthenticator implements Authenticator {
  static final String FORM = "ifas-liveness.ftl";
  /** Base64 of the JPEG the capture page took; ifas-guard bounds the decoded size again. */
  static final int MAX_IMAGE_BASE64 = 4 * 1024 * 1024;

  @Override
  public void authenticate(AuthenticationFlowContext context) {
    context.challenge(captureForm(context, null));
  }

  @Override
  public void action(AuthenticationFlowContext context) {
    MultivaluedMap<String, String> form = context.getHttpRequest().getDecodedFormParameters();
    String face = form.getFirst("face");
    if (face != null && face.startsWith("data:")) face = face.substring(face.indexOf(',') + 1);
    if (face == null || face.isBlank() || face.length() > MAX_IMAGE_BASE64) {
      context.failureChallenge(AuthenticationFlowError.INVALID_CREDENTIALS, captureForm(context, "ifasNoFace"));
      return;
    }
    Map<String, String> config = settings(context);
    IfasHookClient client = new IfasHookClient(
        config.get("ifas.url"),
        config.get("ifas.secret"),
        Duration.ofSeconds(Long.parseLong(config.getOrDefault("ifas.timeoutSeconds", "4"))));
    String answer;
    try {
      // One id per login attempt: a resubmitted form is answered with the same recorded check.
      String attempt = context.getAuthenticationSession().getParentSession().getId() + ":"
          + context.getAuthenticationSession().getTabId() + ":" + Integer.toHexString(face.hashCode());
      answer = client.verifyImage(context.getUser().getId(), face, attempt);
    } catch (IfasHookClient.Unavailable unavailable) {
      if (Boolean.parseBoolean(config.getOrDefault("ifas.failOpen", "false"))) {
        context.success();
      } else {
        context.failure(AuthenticationFlowError.INTERNAL_ERROR);
      }
      return;
    } catch (IfasHookClient.Refused refused) {
      context.failure(AuthenticationFlowError.INTERNAL_ERROR);
      return;
    }
    switch (IfasHookClient.action(answer)) {
      case "allow" -> context.success();
      case "step_up" -> context.attempted(); // the flow's next alternative (e.g. OTP) runs
      default -> context.failureChallenge(AuthenticationFlowError.INVALID_CREDENTIALS, captureForm(context, "ifasFailed"));
    }
  }

  private static Map<String, String> settings(AuthenticationFlowContext context) {
    AuthenticatorConfigModel model = context.getAuthenticatorConfig();
    if (model == null || model.getConfig().get("ifas.url") == null || model.getConfig().get("ifas.secret") == null) {
      throw new IllegalStateException("configure ifas.url and ifas.secret on the ifas-liveness execution");
    }
    return model.getConfig();
  }

  /** The capture page; the user is told only to retry, never what the model saw. */
  private static Response captureForm(AuthenticationFlowContext context, String error) {
    LoginFormsProvider form = context.form();
    if (error != null) form.setError(error);
    return form.createForm(FORM);
  }

  @Override public boolean requiresUser() { return true; }
  @Override public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) { return true; }
  @Override public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {}
  @Override public void close() {}
}
