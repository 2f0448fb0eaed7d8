// Calls ifas-guard's POST /v1/hooks/verify, signed as Standard Webhooks v1 (HMAC-SHA256 over
// "id.timestamp.body" with the base64 secret after "whsec_"). JDK only (java.net.http, javax.crypto),
// so it drops into a Keycloak provider JAR without extra dependencies. IfasLivenessAuthenticator uses it.
//
// Stand-alone use (what the tests run): java IfasHookClient.java URL SECRET SUBJECT CHECK_ID
package dev.ifasguard.keycloak;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public final class IfasHookClient {
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
  private final URI endpoint;
  private final byte[] key;
  private final Duration timeout;

  public IfasHookClient(String baseUrl, String whsecSecret, Duration timeout) {
    this.endpoint = URI.create(baseUrl.replaceAll("/$", "") + "/v1/hooks/verify");
    this.key = Base64.getDecoder().decode(whsecSecret.substring("whsec_".length()));
    this.timeout = timeout;
  }

  /** Returns ifas-guard's JSON answer ({"action":"allow|deny|step_up", ...}); throws on transport errors. */
  public String verify(String subject, String checkId) throws Exception {
    String body = "{\"type\":\"liveness.verify\",\"data\":{\"subject\":" + json(subject) + ",\"checkId\":" + json(checkId) + "}}";
    String id = "msg_" + UUID.randomUUID();
    String timestamp = Long.toString(System.currentTimeMillis() / 1000);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    byte[] digest = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .timeout(timeout)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp)
        .header("webhook-signature", "v1," + Base64.getEncoder().encodeToString(digest))
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("ifas-guard answered HTTP " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  private static String json(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }

  public static void main(String[] args) throws Exception {
    System.out.println(new IfasHookClient(args[0], args[1], Duration.ofSeconds(3)).verify(args[2], args[3]));
  }
}
