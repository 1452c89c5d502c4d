package dev.breakglass.daemon.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.daemon.Alert;
import dev.breakglass.daemon.AlertJson;
import dev.breakglass.daemon.DaemonException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookSinkIT {
  @TempDir
  Path dir;
  TestReceiver receiver;

  @BeforeEach
  void start() throws Exception {
    receiver = new TestReceiver();
  }

  @AfterEach
  void stop() {
    receiver.close();
  }

  @Test
  void deliver_postsTheAlertJson_signedSoTheReceiverCanVerifyIt() throws Exception {
    Path key = dir.resolve("hmac.key");
    Files.writeString(key, "correct horse battery staple\n");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    AlertSink sink = Sinks.create("ops", Map.of("type", "webhook", "url", receiver.url("/hooks/bg?token=abc"),
        "secret-file", "hmac.key"), dir);
    Alert alert = SampleAlerts.hostile();
    receiver.answer(204, "");

    long before = Instant.now().getEpochSecond();
    sink.deliver(alert);
    TestReceiver.Request r = receiver.take();

    assertEquals("POST", r.method());
    assertEquals("/hooks/bg?token=abc", r.path());
    assertEquals("application/json; charset=utf-8", r.headers().getFirst("Content-Type"));
    assertEquals(AlertJson.toJson(alert), r.body());
    assertEquals(alert, AlertJson.fromJson(r.body()));
    assertEquals(alert.id(), r.headers().getFirst("X-BreakGlass-Alert-Id"));

    // What a receiver does: recompute over "<timestamp>.<raw body>", compare in constant time, check age.
    String timestamp = r.headers().getFirst("X-BreakGlass-Timestamp");
    long ts = Long.parseLong(timestamp);
    assertTrue(ts >= before && ts <= Instant.now().getEpochSecond(), timestamp);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec("correct horse battery staple".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String expected = "sha256=" + HexFormat.of().formatHex(
        mac.doFinal((timestamp + "." + r.body()).getBytes(StandardCharsets.UTF_8)));
    assertTrue(MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        r.headers().getFirst("X-BreakGlass-Signature").getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void readmeShellCheck_acceptsTheSignedRequest_andRejectsATamperedBody() throws Exception {
    Path key = dir.resolve("hmac.key");
    Files.writeString(key, "c2VjcmV0IGtleSBmb3IgdGhlIHRlc3Q=\n");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Sinks.create("ops", Map.of("type", "webhook", "url", receiver.url("/x"), "secret-file", "hmac.key"), dir)
        .deliver(SampleAlerts.hostile());
    TestReceiver.Request r = receiver.take();
    String check = readmeShellCheck();

    Files.writeString(dir.resolve("body.json"), r.body());
    assertEquals("valid", runShell(check, r).strip());
    Files.writeString(dir.resolve("body.json"), r.body().replace("HIGH", "INFO"));
    assertEquals("invalid", runShell(check, r).strip());
  }

  /** The shell block after "The same check in a shell" in this module's README. */
  private static String readmeShellCheck() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int at = readme.indexOf("```sh\n", readme.indexOf("The same check in a shell"));
    assertTrue(at > 0, "README lost its shell check");
    return readme.substring(at + 6, readme.indexOf("```", at + 6));
  }

  private String runShell(String script, TestReceiver.Request r) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", script).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().put("TS", r.headers().getFirst("X-BreakGlass-Timestamp"));
    pb.environment().put("SIG", r.headers().getFirst("X-BreakGlass-Signature"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "shell check hangs");
    return out;
  }

  @Test
  void deliver_withoutSecret_sendsNoSignature() throws Exception {
    AlertSink sink = Sinks.webhook("cli", URI.create(receiver.url("/x")));
    sink.deliver(SampleAlerts.bare());
    TestReceiver.Request r = receiver.take();
    assertEquals(AlertJson.toJson(SampleAlerts.bare()), r.body());
    assertFalse(r.headers().containsKey("X-BreakGlass-Signature"));
    assertFalse(r.headers().containsKey("X-BreakGlass-Timestamp"));
    assertEquals(SampleAlerts.bare().id(), r.headers().getFirst("X-BreakGlass-Alert-Id"));
  }

  @Test
  void deliver_non2xx_isDeliveryErrorWithStatusButNoPathOrQuery() throws Exception {
    AlertSink sink = Sinks.create("ops", Map.of("type", "webhook",
        "url", receiver.url("/hooks/s3cr3t-path?token=s3cr3t-token")), dir);
    receiver.answer(500, "internal error at /hooks/s3cr3t-path?token=s3cr3t-token");
    DaemonException e = assertThrows(DaemonException.class, () -> sink.deliver(SampleAlerts.unexplained()));
    assertEquals(DaemonException.Reason.DELIVERY, e.reason());
    assertEquals("sink 'ops' (webhook http://127.0.0.1:" + receiver.port() + "/…): receiver answered HTTP 500:"
        + " internal error at /…?…", e.getMessage());
    assertFalse(e.getMessage().contains("s3cr3t"));
  }

  @Test
  void deliver_redirectIsNotFollowed() throws Exception {
    AlertSink sink = Sinks.create("ops", Map.of("type", "webhook", "url", receiver.url("/x")), dir);
    receiver.answer(302, "");
    DaemonException e = assertThrows(DaemonException.class, () -> sink.deliver(SampleAlerts.bare()));
    assertEquals("sink 'ops' (webhook http://127.0.0.1:" + receiver.port() + "/…): receiver answered HTTP 302",
        e.getMessage());
  }

  @Test
  void deliver_receiverThatNeverAnswers_timesOutWithinTheTimeout() throws Exception {
    AlertSink sink = Sinks.create("ops", Map.of("type", "webhook", "url", receiver.url("/slow"),
        "timeout-seconds", "1"), dir);
    receiver.hang();
    long start = System.nanoTime();
    DaemonException e = assertThrows(DaemonException.class, () -> sink.deliver(SampleAlerts.bare()));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(DaemonException.Reason.DELIVERY, e.reason());
    assertEquals("sink 'ops' (webhook http://127.0.0.1:" + receiver.port() + "/…): no answer within 1 s",
        e.getMessage());
    assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, took.toString());
  }

  @Test
  void deliver_nobodyListening_isDeliveryError() throws Exception {
    int port = receiver.port();
    receiver.close();
    AlertSink sink = Sinks.create("ops", Map.of("type", "webhook", "url", "http://127.0.0.1:" + port + "/x",
        "timeout-seconds", "2"), dir);
    DaemonException e = assertThrows(DaemonException.class, () -> sink.deliver(SampleAlerts.bare()));
    assertEquals(DaemonException.Reason.DELIVERY, e.reason());
    assertTrue(e.getMessage().startsWith("sink 'ops' (webhook http://127.0.0.1:" + port + "/…): cannot connect"),
        e.getMessage());
  }
}
