// Creates ifas-guard liveness sessions: POST /v1/sessions with an API key holding sessions:write.
// The session is made for one subject (the Keycloak user id) and sends the browser back to
// `returnUrl` when the capture page is done; the login later redeems it through the signed hook
// (IfasHookClient.redeemSession), so a session made for one user never signs in another.
package dev.ifasguard.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.keycloak.util.JsonSerialization;

public final class IfasSessionClient {
  /** What the browser needs: the capture page (its token in the fragment) and the id to redeem later. */
  public record CreatedSession(String id, String captureUrl) {}

  private final HttpClient http = IfasHookClient.newHttpClient();
  private final URI endpoint;
  private final String apiKey;
  private final Duration timeout;

  public IfasSessionClient(String baseUrl, String apiKey, Duration timeout) {
    this.endpoint = URI.create(baseUrl.replaceAll("/$", "") + "/v1/sessions");
    this.apiKey = apiKey;
    this.timeout = timeout;
  }

  public CreatedSession create(String subject, String returnUrl, int ttlSeconds, int maxAttempts)
      throws IfasHookClient.Unavailable, IfasHookClient.Refused {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("subject", subject);
    body.put("purpose", "login");
    body.put("returnUrl", returnUrl);
    body.put("ttlSeconds", ttlSeconds);
    body.put("maxAttempts", maxAttempts);
    String answer;
    try {
      HttpRequest request = HttpRequest.newBuilder(endpoint)
          .timeout(timeout)
          .header("content-type", "application/json")
          .header("authorization", "Bearer " + apiKey)
          .POST(HttpRequest.BodyPublishers.ofString(JsonSerialization.writeValueAsString(body), StandardCharsets.UTF_8))
          .build();
      answer = IfasHookClient.exchange(http, request).body();
      JsonNode created = JsonSerialization.mapper.readTree(answer);
      String id = created.path("id").asText("");
      String captureUrl = created.path("captureUrl").asText("");
      if (!id.startsWith("ses_") || !captureUrl.startsWith("http")) {
        throw new IfasHookClient.Unavailable("ifas-guard answered without a session id or capture URL", null);
      }
      return new CreatedSession(id, captureUrl);
    } catch (IOException e) {
      throw new IfasHookClient.Unavailable("ifas-guard's answer is not JSON", e);
    }
  }
}
