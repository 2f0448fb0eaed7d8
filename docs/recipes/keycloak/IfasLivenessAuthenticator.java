// A Keycloak authenticator step: after the user's first factor, read the check id the liveness page
// stored in the authentication session note "ifas_check_id", ask ifas-guard, and continue, fail, or
// require the next (step-up) execution. Package with IfasHookClient and an AuthenticatorFactory
// (id "ifas-liveness", config: ifas.url, ifas.secret, ifas.failOpen) as a provider JAR.
package dev.ifasguard.keycloak;

import java.time.Duration;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

public final class IfasLivenessAuthenticator implements Authenticator {
  @Override
  public void authenticate(AuthenticationFlowContext context) {
    var config = context.getAuthenticatorConfig().getConfig();
    String checkId = context.getAuthenticationSession().getAuthNote("ifas_check_id");
    boolean failOpen = Boolean.parseBoolean(config.getOrDefault("ifas.failOpen", "false"));
    if (checkId == null) {
      context.failure(AuthenticationFlowError.ACCESS_DENIED);
      return;
    }
    String answer;
    try {
      // Keycloak's user id is the subject the liveness page sent with the check.
      answer = new IfasHookClient(config.get("ifas.url"), config.get("ifas.secret"), Duration.ofSeconds(3))
          .verify(context.getUser().getId(), checkId);
    } catch (Exception unreachable) {
      if (failOpen) context.success(); else context.failure(AuthenticationFlowError.INTERNAL_ERROR);
      return;
    }
    if (answer.contains("\"action\":\"allow\"")) {
      context.success();
    } else if (answer.contains("\"action\":\"step_up\"")) {
      context.attempted(); // the flow's next alternative (e.g. OTP) runs
    } else {
      context.failure(AuthenticationFlowError.ACCESS_DENIED);
    }
  }

  @Override public void action(AuthenticationFlowContext context) { authenticate(context); }
  @Override public boolean requiresUser() { return true; }
  @Override public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) { return true; }
  @Override public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {}
  @Override public void close() {}
}
