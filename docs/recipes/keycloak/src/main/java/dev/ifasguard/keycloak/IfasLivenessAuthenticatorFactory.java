// Registers the ifas-guard liveness step with Keycloak (META-INF/services names this class). Add it to
// a browser flow after "Username Password Form" as REQUIRED, and configure ifas.url, ifas.apiKey (an
// API key of the tenant with sessions:write) and ifas.secret (the tenant's whsec_ secret in
// ifas-guard's IFAS_HOOKS).
package dev.ifasguard.keycloak;

import java.util.List;
import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;

public final class IfasLivenessAuthenticatorFactory implements AuthenticatorFactory {
  public static final String ID = "ifas-liveness";
  private static final IfasLivenessAuthenticator SINGLETON = new IfasLivenessAuthenticator();

  private static final AuthenticationExecutionModel.Requirement[] REQUIREMENTS = {
    AuthenticationExecutionModel.Requirement.REQUIRED,
    AuthenticationExecutionModel.Requirement.ALTERNATIVE,
    AuthenticationExecutionModel.Requirement.DISABLED,
  };

  @Override public String getId() { return ID; }
  @Override public String getDisplayType() { return "ifas-guard face liveness"; }
  @Override public String getReferenceCategory() { return "liveness"; }
  @Override public boolean isConfigurable() { return true; }
  @Override public AuthenticationExecutionModel.Requirement[] getRequirementChoices() { return REQUIREMENTS; }
  @Override public boolean isUserSetupAllowed() { return false; }

  @Override
  public String getHelpText() {
    return "Sends the user through ifas-guard's capture page in a liveness session made for this user, then redeems it: live, and the user's own face where a reference is enrolled.";
  }

  @Override
  public List<ProviderConfigProperty> getConfigProperties() {
    return List.of(
        property("ifas.url", "ifas-guard URL", "Base URL of ifas-guard, e.g. https://ifas.example.com", ProviderConfigProperty.STRING_TYPE, null),
        property("ifas.apiKey", "API key", "An ifas-guard API key of the tenant with the sessions:write scope (creates the liveness sessions)", ProviderConfigProperty.PASSWORD, null),
        property("ifas.secret", "Hook secret", "The tenant's Standard Webhooks secret (whsec_...), which signs the redemption", ProviderConfigProperty.PASSWORD, null),
        property("ifas.timeoutSeconds", "Timeout (s)", "How long to wait for an answer", ProviderConfigProperty.STRING_TYPE, "4"),
        property("ifas.sessionTtlSeconds", "Session lifetime (s)", "How long the user has to complete the capture page", ProviderConfigProperty.STRING_TYPE, "300"),
        property("ifas.maxAttempts", "Attempts", "Captures the capture page may send before the session fails (1-10)", ProviderConfigProperty.STRING_TYPE, "3"),
        property("ifas.failOpen", "Fail open", "Let the login continue when ifas-guard is unreachable, times out or fails (5xx); never on a refusal", ProviderConfigProperty.BOOLEAN_TYPE, "false"));
  }

  private static ProviderConfigProperty property(String name, String label, String help, String type, Object value) {
    ProviderConfigProperty property = new ProviderConfigProperty(name, label, help, type, value);
    if (ProviderConfigProperty.PASSWORD.equals(type)) property.setSecret(true);
    return property;
  }

  @Override public Authenticator create(KeycloakSession session) { return SINGLETON; }
  @Override public void init(Config.Scope config) {}
  @Override public void postInit(KeycloakSessionFactory factory) {}
  @Override public void close() {}
}
