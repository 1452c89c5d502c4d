package dev.breakglass.daemon.sink;

import dev.breakglass.daemon.Alert;
import dev.breakglass.daemon.AlertJson;
import dev.breakglass.daemon.DaemonException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The generic webhook: POSTs {@link AlertJson#toJson} as the body. With a secret it signs each
 * request so the receiver can tell the daemon from anyone who learned the URL:
 *
 * <pre>
 * X-BreakGlass-Timestamp: 1795601000
 * X-BreakGlass-Signature: sha256=HEX(HMAC-SHA256(secret, "1795601000" + "." + body))
 * </pre>
 *
 * <p>A receiver recomputes the HMAC over the timestamp header, a dot and the raw body bytes,
 * compares in constant time, and rejects a timestamp more than a few minutes from its own clock, so
 * a captured request cannot be replayed later; {@code X-BreakGlass-Alert-Id} (sent always) lets it
 * drop the duplicates that retries produce.
 */
final class WebhookSink implements AlertSink {
  private final String name;
  private final HttpPoster http;
  private final Optional<SecretKeySpec> key;
  private final Clock clock;

  WebhookSink(String name, URI url, Duration timeout, Optional<byte[]> secret, Clock clock) {
    this.name = name;
    this.http = new HttpPoster(name, "webhook", url, timeout);
    this.key = secret.map(s -> new SecretKeySpec(s, "HmacSHA256"));
    this.clock = clock;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return "webhook";
  }

  @Override
  public String describe() {
    return http.describe() + (key.isPresent() ? " (signed)" : "");
  }

  @Override
  public void deliver(Alert alert) throws DaemonException {
    String body = AlertJson.toJson(alert);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-BreakGlass-Alert-Id", headerSafe(alert.id()));
    if (key.isPresent()) {
      String timestamp = Long.toString(clock.instant().getEpochSecond());
      headers.put("X-BreakGlass-Timestamp", timestamp);
      headers.put("X-BreakGlass-Signature", "sha256=" + sign(key.get(), timestamp, body));
    }
    HttpPoster.Response r = http.post(body, headers);
    if (!r.ok()) {
      throw http.failure(http.unexpected(r));
    }
  }

  /** Hex HMAC-SHA256 over {@code timestamp + "." + body}, the body as the UTF-8 bytes sent. */
  static String sign(SecretKeySpec key, String timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) '.');
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      // Every Java 17 runtime has HmacSHA256, and any key length is valid for it.
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** An id from a stored row goes into a header: printable ASCII only. */
  private static String headerSafe(String id) {
    StringBuilder b = new StringBuilder(id.length());
    id.chars().forEach(c -> b.append(c > 0x20 && c < 0x7f ? (char) c : '?'));
    return b.toString();
  }
}
