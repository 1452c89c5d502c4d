package dev.breakglass.daemon.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.daemon.Alert;
import dev.breakglass.daemon.AlertJson;
import dev.breakglass.daemon.DaemonException;
import jakarta.mail.Address;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmtpSinkIT {
  @TempDir
  Path dir;
  TestSmtpServer server;

  @BeforeEach
  void start() throws Exception {
    server = new TestSmtpServer();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private AlertSink sink(String... more) throws DaemonException {
    Map<String, String> s = new HashMap<>(Map.of("type", "smtp", "host", "127.0.0.1",
        "port", Integer.toString(server.port()), "tls", "none", "from", "bg-alerts@example.net",
        "to", "soc@example.org, Oncall <oncall@pager.example.com>"));
    for (int i = 0; i < more.length; i += 2) {
      s.put(more[i], more[i + 1]);
    }
    return Sinks.create("mail", s, dir);
  }

  private static MimeMessage parse(byte[] data) throws Exception {
    return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(data));
  }

  @Test
  void deliver_mailsEveryRecipient_withEveryFieldAndTheJson() throws Exception {
    Alert alert = SampleAlerts.unexplained();
    sink().deliver(alert);
    TestSmtpServer.Mail mail = server.take();

    assertEquals("bg-alerts@example.net", mail.from());
    assertEquals(List.of("soc@example.org", "oncall@pager.example.com"), mail.to());
    MimeMessage m = parse(mail.data());
    assertEquals("CRITICAL UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com from 203.0.113.7 (GB)", m.getSubject());
    assertEquals(List.of("soc@example.org", "Oncall <oncall@pager.example.com>"),
        Arrays.stream(m.getRecipients(MimeMessage.RecipientType.TO)).map(Address::toString).toList());
    assertEquals(alert.id(), m.getHeader("X-BreakGlass-Alert-Id", null));

    MimeMultipart parts = (MimeMultipart) m.getContent();
    assertEquals(2, parts.getCount());
    String body = (String) parts.getBodyPart(0).getContent();
    for (String line : List.of("Alert: CRITICAL SIGN_IN", "Alert id: " + alert.id(), "Verdict: UNEXPLAINED",
        "Sign-in id: d1f0c3a2-1111-4222-8333-944455556666", "Time: 2026-11-25T10:00:00Z",
        "Identity: bg1@contoso.onmicrosoft.com", "App display name: Azure Portal", "IP address: 203.0.113.7",
        "City: London", "Country or region: GB", "Result: failure", "Error code: 50126",
        "Failure reason: Invalid username or password", "CA status: notApplied", "Event types: interactiveUser",
        "Ledger head: 1234:" + SampleAlerts.HEAD_HASH,
        "Check the sign-in in the Entra admin center and follow the runbook.")) {
      assertTrue(body.lines().anyMatch(line::equals), line + " not in\n" + body);
    }
    Part json = parts.getBodyPart(1);
    assertEquals("alert.json", json.getFileName());
    assertTrue(json.isMimeType("application/json"), json.getContentType());
    assertEquals(Part.ATTACHMENT, json.getDisposition());
    String attached = new String(json.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(AlertJson.toJson(alert), attached);
    assertEquals(alert, AlertJson.fromJson(attached));
  }

  @Test
  void deliver_hostileTitle_cannotInjectHeaders() throws Exception {
    sink().deliver(SampleAlerts.hostile());
    MimeMessage m = parse(server.take().data());
    assertEquals("HIGH UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com?<!channel> [click](https://evil.example)",
        m.getSubject());
    String body = (String) ((MimeMultipart) m.getContent()).getBodyPart(0).getContent();
    assertTrue(body.lines().anyMatch("City: Lon??don?[31m?"::equals), body);
    assertTrue(body.lines().anyMatch("App display name: Portal?<b>&amp;</b>"::equals), body);
  }

  @Test
  void deliver_logsInWithThePasswordFromItsFile() throws Exception {
    Path pw = dir.resolve("smtp.pw");
    Files.writeString(pw, "pa55 wörd\n");
    Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
    sink("username", "bg-alerts", "password-file", "smtp.pw").deliver(SampleAlerts.bare());
    // AUTH PLAIN (RFC 4616): authorisation id, NUL, user name, NUL, password.
    assertTrue(server.take().authPlain().endsWith("\0bg-alerts\0pa55 wörd"));
  }

  @Test
  void deliver_refusedLogin_isDeliveryErrorWithoutThePassword() throws Exception {
    Path pw = dir.resolve("smtp.pw");
    Files.writeString(pw, "pa55word");
    Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("r--------"));
    server.refuseLogin();
    DaemonException e = assertThrows(DaemonException.class,
        () -> sink("username", "bg-alerts", "password-file", "smtp.pw").deliver(SampleAlerts.bare()));
    assertEquals(DaemonException.Reason.DELIVERY, e.reason());
    assertTrue(e.getMessage().startsWith("sink 'mail' (smtp 127.0.0.1:" + server.port() + "): "), e.getMessage());
    assertTrue(e.getMessage().contains("535 5.7.8 Authentication credentials invalid"), e.getMessage());
    assertFalse(e.getMessage().contains("pa55word"));
  }

  @Test
  void deliver_starttlsIsRequired_noFallbackToPlainText() throws Exception {
    DaemonException e = assertThrows(DaemonException.class, () -> sink("tls", "starttls").deliver(SampleAlerts.bare()));
    assertEquals(DaemonException.Reason.DELIVERY, e.reason());
    assertEquals("sink 'mail' (smtp 127.0.0.1:" + server.port() + "): MessagingException: STARTTLS is required but"
        + " host does not support STARTTLS", e.getMessage());
  }

  @Test
  void deliver_relayThatNeverAnswers_timesOut() throws Exception {
    server.silent();
    long start = System.nanoTime();
    DaemonException e = assertThrows(DaemonException.class,
        () -> sink("timeout-seconds", "1").deliver(SampleAlerts.bare()));
    assertEquals(DaemonException.Reason.DELIVERY, e.reason());
    assertTrue(e.getMessage().startsWith("sink 'mail' (smtp 127.0.0.1:" + server.port() + "): "), e.getMessage());
    assertTrue(e.getMessage().contains("SocketTimeoutException"), e.getMessage());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0);
  }

  @Test
  void deliver_nobodyListening_isDeliveryError() throws Exception {
    int port = server.port();
    server.close();
    DaemonException e = assertThrows(DaemonException.class,
        () -> sink("port", Integer.toString(port)).deliver(SampleAlerts.bare()));
    assertEquals(DaemonException.Reason.DELIVERY, e.reason());
    assertTrue(e.getMessage().startsWith("sink 'mail' (smtp 127.0.0.1:" + port + "): MailConnectException"),
        e.getMessage());
  }
}
