package dev.breakglass.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.directory.Domain;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonConfigTest {
  @TempDir Path dir;

  Path conf(String... lines) throws Exception {
    Path f = dir.resolve("daemon.conf");
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  DaemonException refused(Path f) {
    return assertThrows(DaemonException.class, () -> DaemonConfig.load(f, true, List.of()));
  }

  @Test
  void defaults_areSafe() {
    DaemonConfig c = DaemonConfig.defaults();
    assertEquals(Duration.ofSeconds(60), c.pollInterval());
    assertEquals(Duration.ofMinutes(60), c.overlap());
    assertEquals(Duration.ofHours(24), c.firstLookback());
    assertEquals(Duration.ofMinutes(10), c.grace());
    assertEquals("127.0.0.1", c.healthListen().orElseThrow().getHostString());
    assertEquals(9464, c.healthListen().orElseThrow().getPort());
    assertEquals(false, c.allowInternalRecipients());
    assertTrue(c.sinks().isEmpty());
  }

  @Test
  void aFileWithSinksAndWebhooks_isRead() throws Exception {
    DaemonConfig c = DaemonConfig.load(conf("# ours", "poll.interval-seconds = 15", "health.listen = off",
        "sink.ops.type = webhook", "sink.ops.url = https://alerts.example.net/bg", "heartbeat.url ="
            + " https://hc-ping.com/abc"), true, List.of(URI.create("http://127.0.0.1:9/hook")));
    assertEquals(Duration.ofSeconds(15), c.pollInterval());
    assertEquals(Optional.empty(), c.healthListen());
    assertEquals(List.of("ops", "webhook-1"), c.sinkNames());
    assertEquals(Optional.of(URI.create("https://hc-ping.com/abc")), c.heartbeatUrl());
  }

  @Test
  void mistakes_areOneLineErrorsNamingFileLineAndKey() throws Exception {
    Path f = conf("poll.interval-seconds = 15", "pol.overlap-minutes = 5");
    assertTrue(refused(f).getMessage().startsWith(f + " line 2: unknown key 'pol.overlap-minutes' (known: "),
        refused(f).getMessage());
    f = conf("poll.interval-seconds = 15", "poll.interval-seconds = 20");
    assertEquals(f + " line 2: 'poll.interval-seconds' is already set on line 1", refused(f).getMessage());
    f = conf("poll.interval-seconds = soon");
    assertEquals(f + " line 1: poll.interval-seconds must be a whole number, not 'soon'", refused(f).getMessage());
    f = conf("poll.interval-seconds = 0");
    assertEquals(f + " line 1: poll.interval-seconds must be from 1 to 3600, not 0", refused(f).getMessage());
    f = conf("heartbeat.url = http://hc.example.net/x");
    assertEquals(f + " line 1: heartbeat.url: use https (plain http only to a loopback address)",
        refused(f).getMessage());
    f = conf("sink.ops = webhook");
    assertEquals(f + " line 1: 'sink.ops' is not of the form sink.NAME.SETTING (e.g. sink.ops.type = webhook)",
        refused(f).getMessage());
    f = conf("checks.posture = maybe");
    assertEquals(f + " line 1: checks.posture must be true or false, not 'maybe'", refused(f).getMessage());
    assertEquals("no daemon config at " + dir.resolve("missing.conf") + ": create it (see the vault-daemon README)"
        + " or leave out --config", refused(dir.resolve("missing.conf")).getMessage());
  }

  @Test
  void anAbsentDefaultFile_givesTheDefaults() throws Exception {
    assertEquals(DaemonConfig.defaults().pollInterval(),
        DaemonConfig.load(dir.resolve("daemon.conf"), false, List.of()).pollInterval());
  }

  static DirectoryReader domains(String... verified) {
    return (DirectoryReader) Proxy.newProxyInstance(DirectoryReader.class.getClassLoader(),
        new Class<?>[] {DirectoryReader.class}, (p, m, a) -> {
          if (m.getName().equals("domains")) {
            return java.util.Arrays.stream(verified).map(d -> new Domain(d, "Managed", true, false)).toList();
          }
          throw new UnsupportedOperationException(m.getName());
        });
  }

  @Test
  void guardRail_refusesMailToTheTenantsOwnDomains_unlessOverridden() throws Exception {
    String[] mail = {"sink.mail.type = smtp", "sink.mail.host = 127.0.0.1", "sink.mail.tls = none",
        "sink.mail.from = bg@alerts.example.net", "sink.mail.to = soc@example.net, ops@eu.contoso.com"};
    DaemonConfig c = DaemonConfig.load(conf(mail), true, List.of());
    DaemonException e = assertThrows(DaemonException.class,
        () -> GuardRail.check(c, domains("contoso.com", "contoso.onmicrosoft.com")));
    assertEquals(DaemonException.Reason.REFUSED, e.reason());
    assertEquals("sink 'mail' mails eu.contoso.com, a verified domain of the monitored tenant (contoso.com): whoever"
        + " takes the tenant over can read and delete those alerts; send them to a mailbox outside the tenant, or set"
        + " guard.allow-internal-recipients = true to accept the risk", e.getMessage());
    assertEquals(List.of(), GuardRail.check(c, domains("fabrikam.com")));
    String[] overridden = java.util.Arrays.copyOf(mail, mail.length + 1);
    overridden[mail.length] = "guard.allow-internal-recipients = true";
    List<String> warnings = GuardRail.check(DaemonConfig.load(conf(overridden), true, List.of()),
        domains("contoso.com"));
    assertTrue(warnings.get(0).startsWith("GUARD RAIL OVERRIDDEN: sink 'mail' mails eu.contoso.com"), warnings.toString());
  }

  @Test
  void guardRail_warnsThatTeamsMayBeInsideTheTenant() throws Exception {
    DaemonConfig c = DaemonConfig.load(conf("sink.chat.type = teams",
        "sink.chat.url = https://contoso.webhook.office.com/webhookb2/x"), true, List.of());
    List<String> w = GuardRail.check(c, domains("contoso.com"));
    assertTrue(w.get(0).startsWith("sink 'chat' posts to Microsoft Teams"), w.toString());
    assertTrue(w.get(1).startsWith("every alert sink may be inside the monitored tenant"), w.toString());
  }

  @Test
  void theReadmeExample_loads() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int at = readme.indexOf("```", readme.indexOf("Example, tested by `DaemonConfigTest`"));
    String block = readme.substring(at + 3, readme.indexOf("```", at + 3));
    Path key = dir.resolve("webhook.key");
    Files.writeString(key, "an HMAC key of at least thirty-two characters, surely\n");
    Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path f = dir.resolve("example.conf");
    Files.writeString(f, block.replace("/etc/breakglass/webhook.key", key.toString()));
    DaemonConfig c = DaemonConfig.load(f, true, List.of());
    assertEquals(List.of("soc", "ops"), c.sinkNames());
    assertEquals(Optional.of(URI.create("https://hc-ping.com/6f1e0c8a-0000-4000-8000-000000000000")),
        c.heartbeatUrl());
  }
}
