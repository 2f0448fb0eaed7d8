// Calls ifas-guard's POST /v1/hooks/verify, signed as Standard Webhooks v1 (HMAC-SHA256 over
// "id.timestamp.body" with the base64 secret after "whsec_"). JDK only (java.net.http, javax.crypto),
// so it drops into a Keycloak provider JAR without extra dependencies. IfasLivenessAuthenticator uses it.
//
// Two failures are told apart, because only one of them may fail open: Unavailable (a network error,
// a timeout, or ifas-guard's own 5xx) and Refused (any other non-2xx: 401 bad signature or key, 403
// missing scope, 409 the same message still being handled, 422 bad request). IfasSessionClient
// classifies its answers with the same exchange().
//
// Stand-alone use (what the tests run): java IfasHookClient.java URL SECRET SUBJECT CHECK_ID|@IMAGE_FILE
package dev.ifasguard.keycloak;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public final class IfasHookClient {
  /** ifas-guard could not answer: fail-open may apply. */
  public static final class Unavailable extends Exception {
    private static final long serialVersionUID = 1L;
    public Unavailable(String message, Throwable cause) { super(message, cause); }
  }

  /** ifas-guard answered with a refusal: never fail open. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    public final int status;
    public Refused(int status, String body) { super("ifas-guard refused the request: HTTP " + status + " " + body); this.status = status; }
  }

  private static final Pattern ACTION = Pattern.compile("\"action\"\\s*:\\s*\"(allow|deny|step_up)\"");
  private static final Pattern REASON = Pattern.compile("\"reason\"\\s*:\\s*\"([a-z_]+)\"");

  private final HttpClient http = newHttpClient();
  private final URI endpoint;
  private final byte[] key;
  private final Duration timeout;

  public IfasHookClient(String baseUrl, String whsecSecret, Duration timeout) {
    this.endpoint = URI.create(baseUrl.replaceAll("/$", "") + "/v1/hooks/verify");
    this.key = Base64.getDecoder().decode(whsecSecret.substring("whsec_".length()));
    this.timeout = timeout;
  }

  static HttpClient newHttpClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
  }

  /** Redeems a check id made for `subject`; returns ifas-guard's JSON answer. */
  public String verify(String subject, String checkId) throws Unavailable, Refused {
    return send("{\"type\":\"liveness.verify\",\"data\":{\"subject\":" + json(subject) + ",\"checkId\":" + json(checkId) + "}}");
  }

  /** Redeems a liveness session made for `subject` (single use, recent, live, matched where enrolled). */
  public String redeemSession(String subject, String sessionId) throws Unavailable, Refused {
    return send("{\"type\":\"liveness.verify\",\"data\":{\"subject\":" + json(subject) + ",\"sessionId\":" + json(sessionId) + "}}");
  }

  /** Runs a check on a base64 image for `subject` (bound to this login: the server records and judges it). */
  public String verifyImage(String subject, String imageBase64, String clientRequestId) throws Unavailable, Refused {
    return send("{\"type\":\"liveness.verify\",\"data\":{\"subject\":" + json(subject) + ",\"image\":" + json(imageBase64)
        + ",\"clientRequestId\":" + json(clientRequestId) + ",\"explain\":\"never\"}}");
  }

  /** "allow", "deny" or "step_up" from an answer. */
  public static String action(String answer) {
    Matcher m = ACTION.matcher(answer);
    return m.find() ? m.group(1) : "deny";
  }

  public static String reason(String answer) {
    Matcher m = REASON.matcher(answer);
    return m.find() ? m.group(1) : "unknown";
  }

  private String send(String body) throws Unavailable, Refused {
    String id = "msg_" + UUID.randomUUID();
    String timestamp = Long.toString(System.currentTimeMillis() / 1000);
    byte[] digest;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      digest = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .timeout(timeout)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp)
        .header("webhook-signature", "v1," + Base64.getEncoder().encodeToString(digest))
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
    return exchange(http, request).body();
  }

  /** Sends a request; a 2xx answer comes back, everything else is an Unavailable or a Refused. */
  static HttpResponse<String> exchange(HttpClient http, HttpRequest request) throws Unavailable, Refused {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Unavailable("ifas-guard is unreachable or timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted", e);
    }
    if (response.statusCode() >= 500) throw new Unavailable("ifas-guard failed: HTTP " + response.statusCode(), null);
    if (response.statusCode() < 200 || response.statusCode() > 299) throw new Refused(response.statusCode(), response.body());
    return response;
  }

  static String json(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }

  public static void main(String[] args) throws Exception {
    IfasHookClient client = new IfasHookClient(args[0], args[1], Duration.ofSeconds(3));
    try {
      if (args[3].startsWith("@")) {
        byte[] image = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(args[3].substring(1)));
        System.out.println(client.verifyImage(args[2], Base64.getEncoder().encodeToString(image), "cli-" + UUID.randomUUID()));
      } else {
        System.out.println(client.verify(args[2], args[3]));
      }
    } catch (Refused refused) {
      System.out.println("{\"refused\":" + refused.status + "}");
    } catch (Unavailable unavailable) {
      System.out.println("{\"unavailable\":true}");
    }
  }
}
