package dev.breakglass.daemon.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.breakglass.daemon.DaemonException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SinksTest {
  @TempDir
  Path dir;

  private static Map<String, String> settings(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private String configError(String name, String... kv) {
    DaemonException e = assertThrows(DaemonException.class, () -> Sinks.create(name, settings(kv), dir));
    assertEquals(DaemonException.Reason.CONFIG, e.reason());
    return e.getMessage();
  }

  private Path secret(String fileName, String mode, String content) throws Exception {
    Path f = dir.resolve(fileName);
    Files.writeString(f, content);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    return f;
  }

  @Test
  void create_refusesBadNames() {
    for (String bad : List.of("", "Ops", "-ops", "ops_1", "a23456789012345678901234567890123", "ops.x")) {
      assertEquals("sink name '" + bad + "' is invalid: use 1 to 32 of a-z, 0-9 and '-', starting with a letter"
          + " or digit", configError(bad, "type", "webhook", "url", "https://h.example/x"));
    }
  }

  @Test
  void create_namesMissingAndUnknownType() {
    assertEquals("sink 'ops': missing sink.ops.type (one of webhook, teams, slack, smtp, syslog, command)",
        configError("ops", "url", "https://h.example/x"));
    assertEquals("sink 'ops': unknown type 'pager' in sink.ops.type (known: webhook, teams, slack, smtp, syslog,"
        + " command)", configError("ops", "type", "pager"));
  }

  @Test
  void create_refusesUnknownSettingListingTheKnownOnes() {
    assertEquals("sink 'ops': unknown setting 'secret' for type webhook (known: type, url, secret-file,"
        + " timeout-seconds)", configError("ops", "type", "webhook", "url", "https://h.example/x", "secret", "s3"));
    assertEquals("sink 'chat': unknown setting 'secret-file' for type slack (known: type, url, timeout-seconds)",
        configError("chat", "type", "slack", "url", "https://hooks.slack.com/x", "secret-file", "k"));
  }

  @Test
  void create_namesMissingRequiredKeyWithAnExample() {
    assertEquals("sink 'ops': missing sink.ops.url (e.g. sink.ops.url = https://alerts.example.net/breakglass)",
        configError("ops", "type", "webhook"));
    assertEquals("sink 'mail': missing sink.mail.host (e.g. sink.mail.host = smtp.example.net)",
        configError("mail", "type", "smtp"));
    assertEquals("sink 'siem': missing sink.siem.host (e.g. sink.siem.host = siem.example.net)",
        configError("siem", "type", "syslog"));
    assertEquals("sink 'page': missing sink.page.command (e.g. sink.page.command = /usr/local/bin/page-oncall)",
        configError("page", "type", "command"));
    assertEquals("sink 'ops': sink.ops.url is empty: give a value or remove the line",
        configError("ops", "type", "webhook", "url", "  "));
  }

  @Test
  void url_mustBeHttpsExceptOnLoopback_andErrorsNeverShowThePath() {
    assertEquals("sink 'ops': sink.ops.url must be https (http only for 127.0.0.1, ::1 or localhost):"
        + " http://alerts.example.net/…", configError("ops", "type", "webhook",
            "url", "http://alerts.example.net/hook?token=s3cr3t"));
    assertEquals("sink 'ops': sink.ops.url must be an https URL, not ftp:",
        configError("ops", "type", "webhook", "url", "ftp://alerts.example.net/x"));
    assertEquals("sink 'ops': sink.ops.url must be an absolute URL like https://alerts.example.net/breakglass",
        configError("ops", "type", "webhook", "url", "/relative"));
    assertEquals("sink 'ops': sink.ops.url must not carry a user name or password before the host",
        configError("ops", "type", "webhook", "url", "https://user:pw@alerts.example.net/x"));
  }

  @Test
  void describe_showsSchemeHostAndPortOnly() throws Exception {
    assertEquals("teams https://prod-00.westeurope.logic.azure.com:443/…", Sinks.create("t", settings("type", "teams",
        "url", "https://prod-00.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=SECRET"),
        dir).describe());
    assertEquals("slack https://hooks.slack.com/…", Sinks.create("s", settings("type", "slack",
        "url", "https://hooks.slack.com/services/T000/B000/XXXXSECRET"), dir).describe());
    assertEquals("webhook http://127.0.0.1:8080/…", Sinks.create("w", settings("type", "webhook",
        "url", "http://127.0.0.1:8080/hook"), dir).describe());
    assertEquals("webhook http://[::1]:8080/…", Sinks.create("w", settings("type", "webhook",
        "url", "http://[::1]:8080/hook"), dir).describe());
    assertEquals("webhook http://localhost/…", Sinks.webhook("cli", URI.create("http://localhost/x?k=v")).describe());
  }

  @Test
  void webhookForTheCli_checksNameAndUrl() throws Exception {
    AlertSink s = Sinks.webhook("cli", URI.create("https://alerts.example.net/hook"));
    assertEquals("webhook", s.type());
    assertEquals("cli", s.name());
    DaemonException e = assertThrows(DaemonException.class,
        () -> Sinks.webhook("cli", URI.create("http://alerts.example.net/hook?token=x")));
    assertEquals("sink 'cli': sink.cli.url must be https (http only for 127.0.0.1, ::1 or localhost):"
        + " http://alerts.example.net/…", e.getMessage());
  }

  @Test
  void timeoutSeconds_isCheckedForEveryType() {
    assertEquals("sink 'ops': sink.ops.timeout-seconds must be a whole number from 1 to 600, not 'soon'",
        configError("ops", "type", "teams", "url", "https://h.example/x", "timeout-seconds", "soon"));
    assertEquals("sink 'ops': sink.ops.timeout-seconds must be a whole number from 1 to 600, not '0'",
        configError("ops", "type", "syslog", "host", "h.example", "timeout-seconds", "0"));
  }

  @Test
  void secretFile_readableByOthers_isRefusedWithChmodHint() throws Exception {
    Path f = secret("hmac.key", "rw-r--r--", "s3cr3t\n");
    assertEquals("sink 'ops': sink.ops.secret-file: " + f + " has mode 0644 but must be readable by its owner only:"
        + " chmod 600 " + f, configError("ops", "type", "webhook", "url", "https://h.example/x",
            "secret-file", "hmac.key"));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw----r--"));
    assertEquals("sink 'ops': sink.ops.secret-file: " + f + " has mode 0604 but must be readable by its owner only:"
        + " chmod 600 " + f, configError("ops", "type", "webhook", "url", "https://h.example/x",
            "secret-file", f.toString()));
  }

  @Test
  void secretFile_ownerOnly_isAccepted_relativeToTheConfigDirectory() throws Exception {
    secret("hmac.key", "rw-------", "s3cr3t\n");
    secret("ro.key", "r--------", "s3cr3t");
    assertEquals("webhook https://h.example/… (signed)", Sinks.create("ops", settings("type", "webhook",
        "url", "https://h.example/x", "secret-file", "hmac.key"), dir).describe());
    assertEquals("webhook https://h.example/… (signed)", Sinks.create("ops", settings("type", "webhook",
        "url", "https://h.example/x", "secret-file", "ro.key"), dir).describe());
  }

  @Test
  void secretFile_missingOrEmpty_isRefused() throws Exception {
    assertEquals("sink 'ops': sink.ops.secret-file: " + dir.resolve("nope.key") + " is not a readable file",
        configError("ops", "type", "webhook", "url", "https://h.example/x", "secret-file", "nope.key"));
    Path f = secret("empty.key", "rw-------", "\n");
    assertEquals("sink 'ops': sink.ops.secret-file: " + f + " is empty",
        configError("ops", "type", "webhook", "url", "https://h.example/x", "secret-file", "empty.key"));
  }

  @Test
  void smtp_requiresTlsOffThisMachine() {
    assertEquals("sink 'mail': sink.mail.tls = none is allowed only for a relay on this machine (127.0.0.1, ::1 or"
        + " localhost), not smtp.example.net: use starttls or implicit", configError("mail", "type", "smtp",
            "host", "smtp.example.net", "tls", "none", "from", "a@example.net", "to", "b@example.org"));
    assertEquals("sink 'mail': sink.mail.tls must be one of starttls, implicit or none, not 'ssl'",
        configError("mail", "type", "smtp", "host", "smtp.example.net", "tls", "ssl"));
  }

  @Test
  void smtp_checksAddresses() {
    assertEquals("sink 'mail': missing sink.mail.from (e.g. sink.mail.from = breakglass-alerts@example.net)",
        configError("mail", "type", "smtp", "host", "smtp.example.net"));
    assertEquals("sink 'mail': sink.mail.to: 'not an address' is not an e-mail address", configError("mail",
        "type", "smtp", "host", "smtp.example.net", "from", "a@example.net", "to", "soc@example.org, not an address"));
    assertEquals("sink 'mail': sink.mail.to: 'soc' is not an e-mail address", configError("mail",
        "type", "smtp", "host", "smtp.example.net", "from", "a@example.net", "to", "soc"));
    assertEquals("sink 'mail': sink.mail.to names no address", configError("mail",
        "type", "smtp", "host", "smtp.example.net", "from", "a@example.net", "to", " , "));
  }

  @Test
  void smtp_usernameAndPasswordFileGoTogether_andThePasswordFileMustBePrivate() throws Exception {
    assertEquals("sink 'mail': sink.mail.username is set but sink.mail.password-file is not", configError("mail",
        "type", "smtp", "host", "smtp.example.net", "from", "a@example.net", "to", "b@example.org", "username", "u"));
    Path f = secret("smtp.pw", "rw-rw----", "pw");
    assertEquals("sink 'mail': sink.mail.password-file: " + f + " has mode 0660 but must be readable by its owner"
        + " only: chmod 600 " + f, configError("mail", "type", "smtp", "host", "smtp.example.net",
            "from", "a@example.net", "to", "b@example.org", "username", "u", "password-file", "smtp.pw"));
  }

  @Test
  void smtp_mailDomainsAreTheRecipientsLowerCased() throws Exception {
    AlertSink s = Sinks.create("mail", settings("type", "smtp", "host", "smtp.example.net",
        "from", "bg@example.net", "to", "SOC@Example.ORG, Oncall <oncall@pager.example.COM>, x@example.org"), dir);
    assertEquals(List.of("example.org", "pager.example.com"), s.mailDomains());
    assertEquals("smtp smtp.example.net:587 (starttls) to SOC@Example.ORG, oncall@pager.example.COM, x@example.org",
        s.describe());
    assertEquals("smtp smtp.example.net:465 (implicit) to b@example.org", Sinks.create("mail", settings("type", "smtp",
        "host", "smtp.example.net", "tls", "implicit", "from", "a@example.net", "to", "b@example.org"), dir).describe());
  }

  @Test
  void syslog_defaultsAndChoices() throws Exception {
    assertEquals("syslog tcp siem.example.net:514", Sinks.create("siem", settings("type", "syslog",
        "host", "siem.example.net"), dir).describe());
    assertEquals("syslog tls siem.example.net:6514", Sinks.create("siem", settings("type", "syslog",
        "host", "siem.example.net", "protocol", "TLS"), dir).describe());
    assertEquals("syslog udp siem.example.net:5514", Sinks.create("siem", settings("type", "syslog",
        "host", "siem.example.net", "protocol", "udp", "port", "5514", "facility", "local3"), dir).describe());
    assertEquals("sink 'siem': sink.siem.facility must be one of kern, user, mail, daemon, auth, syslog, lpr, news,"
        + " uucp, cron, authpriv, ftp, ntp, audit, alert, clock, local0, local1, local2, local3, local4, local5,"
        + " local6, local7, not 'security'", configError("siem", "type", "syslog", "host", "h", "facility", "security"));
    assertEquals("sink 'siem': sink.siem.protocol must be one of udp, tcp or tls, not 'relp'",
        configError("siem", "type", "syslog", "host", "h", "protocol", "relp"));
    assertEquals("sink 'siem': sink.siem.port must be a whole number from 1 to 65535, not '70000'",
        configError("siem", "type", "syslog", "host", "h", "port", "70000"));
  }

  @Test
  void command_mustBeAnAbsoluteExecutable() throws Exception {
    assertEquals("sink 'page': sink.page.command must be an absolute path (no shell, no PATH lookup), not"
        + " 'page-oncall'", configError("page", "type", "command", "command", "page-oncall"));
    Path notExec = secret("script.sh", "rw-------", "#!/bin/sh\n");
    assertEquals("sink 'page': sink.page.command: " + notExec + " is not an executable file",
        configError("page", "type", "command", "command", notExec.toString()));
    assertEquals("sink 'page': sink.page.command: " + dir + " is not an executable file",
        configError("page", "type", "command", "command", dir.toString()));
    Files.setPosixFilePermissions(notExec, PosixFilePermissions.fromString("rwx------"));
    assertEquals("command " + notExec, Sinks.create("page", settings("type", "command", "command",
        notExec.toString(), "args", "--severity  high"), dir).describe());
  }

  @Test
  void types_areTheSixKinds() {
    assertEquals(List.of("webhook", "teams", "slack", "smtp", "syslog", "command"), Sinks.types());
  }
}
