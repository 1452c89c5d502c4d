package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.entra.GraphTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Graph commands (posture, app certificates, passwords set in Entra) through the real
 * microsoft-graph SDK against the local Graph test server's "contoso" tenant.
 */
class BgEntraIT {
  private static final String APP = "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private Path home;
  private TestClock clock;
  private GraphTestServer graph;
  private Path token;

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    clock = new TestClock(Fixture.START);
    graph = GraphTestServer.start(GraphTestServer.CONTOSO);
    token = secret("token.jwt", GraphTestServer.fakeJwt(Instant.parse("2099-01-01T00:00:00Z")));
    ok("init");
    ok("identity", "add", "--user", "bg1@contoso.onmicrosoft.com", "--object-id",
        "5f1c8a52-3b7e-4a61-9d2c-0c4e8e7b1a01");
    ok("identity", "add", "--user", "bg2@contoso.onmicrosoft.com", "--object-id",
        "5f1c8a52-3b7e-4a61-9d2c-0c4e8e7b1a02");
    ok("identity", "add", "--app", APP);
  }

  @AfterEach
  void tearDown() {
    graph.close();
  }

  private Path secret(String name, String value) throws Exception {
    Path p = tmp.resolve(name);
    Files.writeString(p, value + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    return p;
  }

  private CliRun.Run ok(String... args) {
    return new CliRun(home, clock).ok(args);
  }

  private CliRun.Run bg(String... args) {
    return new CliRun(home, clock).bg(args);
  }

  private String[] withGraph(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--graph-url", graph.url().toString(), "--access-token-file", token.toString()));
    return all.toArray(String[]::new);
  }

  @Test
  void posture_reportsEachCheckAndFailsOnTheContosoTenant() throws Exception {
    CliRun.Run r = bg(withGraph("posture", "--json"));
    assertEquals(1, r.code(), r.err());
    JsonNode report = JSON.readTree(r.out());
    assertTrue(report.get("failed").asBoolean());
    List<String> rows = new ArrayList<>();
    for (JsonNode c : report.get("checks")) {
      rows.add(c.get("status").asText() + " " + c.get("check").asText() + " " + c.get("subject").asText());
    }
    // The fixture: bg1 is a permanent, direct Global Administrator; bg2's is activated (time-bound),
    // and bg2 has phone, Authenticator and TAP methods.
    assertTrue(rows.contains("PASS user.global-admin bg1@contoso.onmicrosoft.com"), rows.toString());
    assertTrue(rows.contains("FAIL user.global-admin bg2@contoso.onmicrosoft.com"), rows.toString());
    // bg2's permanent, direct assignment is scheduled to start later: it grants nothing yet.
    assertTrue(evidence(report, "user.global-admin", "bg2@contoso.onmicrosoft.com").contains("(schedule"
        + " c4a1e2b3-6d7f-4e8a-9b0c-1d2e3f4a5b6c) but not started: it starts 2027-06-01T00:00:00Z"), r.out());
    assertTrue(rows.contains("FAIL user.methods bg2@contoso.onmicrosoft.com"), rows.toString());
    assertTrue(rows.contains("FAIL app.client-secrets " + APP), rows.toString());
    assertTrue(graph.requests().stream().allMatch(q -> q.bearer().isPresent()), "every request carries the token");

    CliRun.Run table = bg(withGraph("posture"));
    assertEquals(1, table.code());
    assertTrue(table.out().startsWith("STATUS  CHECK"), table.out());
    assertTrue(table.out().contains("\nTO FIX\n"), table.out());
    assertTrue(table.out().matches("(?s).*\\d+ PASS, \\d+ WARN, \\d+ FAIL at .*"), table.out());
  }

  @Test
  void posture_appCertificate_isOursOnlyByTheCertificateGraphReturns() throws Exception {
    Path caPass = secret("ca-pass", "correct horse battery staple");
    ok("ca", "init", "--name", "Test CA", "--key", "rsa-3072", "--validity", "2y", "--passphrase-file",
        caPass.toString());
    CliRun.Run issued = ok("ca", "issue", "--identity", APP, "--cn", "Break-glass app", "--key", "rsa-2048",
        "--passphrase-file", caPass.toString(), "--pfx-password-file", secret("pfx-pass", "pfx-password-1").toString(),
        "--out", tmp.resolve("cert").toString());
    Matcher m = Pattern.compile("issued certificate ([0-9A-F]+) ").matcher(issued.out());
    assertTrue(m.find(), issued.out());
    ok(withGraph("app", "attach-cert", "--identity", APP, "--serial", m.group(1)));
    // Leave the app only ours: Graph then holds our certificate as key and its SHA-1 as customKeyIdentifier.
    ObjectNode apps = (ObjectNode) graph.document("applications");
    ObjectNode app = (ObjectNode) apps.get("value").get(0);
    ArrayNode keys = (ArrayNode) app.get("keyCredentials");
    for (int i = keys.size() - 1; i >= 0; i--) {
      if (keys.get(i).get("keyId").asText().startsWith("e6b1c0d2-")) {
        keys.remove(i);
      }
    }
    assertEquals(1, keys.size(), keys.toString());
    String keyId = keys.get(0).get("keyId").asText();
    graph.put("applications", apps.toString());

    JsonNode report = JSON.readTree(bg(withGraph("posture", "--json")).out());
    assertEquals("PASS", status(report, "app.certificates", APP), report.toString());

    // The same credential without its certificate: customKeyIdentifier still names ours, but proves nothing.
    ((ObjectNode) keys.get(0)).putNull("key");
    graph.put("applications", apps.toString());
    report = JSON.readTree(bg(withGraph("posture", "--json")).out());
    assertEquals("FAIL", status(report, "app.certificates", APP), report.toString());
    assertTrue(evidence(report, "app.certificates", APP).startsWith("cannot verify credential " + keyId + " ("),
        report.toString());
    assertTrue(evidence(report, "app.certificates", APP).contains("): Graph did not return its certificate"),
        report.toString());
  }

  private static JsonNode row(JsonNode report, String check, String subject) {
    for (JsonNode c : report.get("checks")) {
      if (c.get("check").asText().equals(check) && c.get("subject").asText().equals(subject)) {
        return c;
      }
    }
    throw new AssertionError("no row " + check + " for " + subject + " in " + report);
  }

  private static String status(JsonNode report, String check, String subject) {
    return row(report, check, subject).get("status").asText();
  }

  private static String evidence(JsonNode report, String check, String subject) {
    return row(report, check, subject).get("evidence").asText();
  }

  @Test
  void posture_errorsAreOneLineAndNameWhatToDo() throws Exception {
    CliRun.Run none = bg("posture");
    assertEquals(1, none.code());
    assertEquals("bg: error: no Microsoft Graph sign-in is configured: set entra.auth (and its files) in bg.conf,"
        + " or give --access-token-file FILE", none.err().strip());

    CliRun.Run missing = bg("posture", "--graph-url", graph.url().toString(), "--access-token-file",
        tmp.resolve("nope.json").toString());
    assertEquals(1, missing.code());
    assertTrue(missing.errLine().startsWith("bg: error: ") && missing.errLine().contains(tmp.resolve("nope.json")
        .toString()), missing.err());
    assertEquals(1, missing.err().lines().count(), missing.err());

    graph.faultAlways("GET", "identity/conditionalAccess", GraphTestServer.Fault.forbidden());
    CliRun.Run forbidden = bg(withGraph("posture", "--json"));
    assertEquals(1, forbidden.code(), forbidden.err());
    assertTrue(forbidden.out().contains("Policy.Read.All"), forbidden.out());
    assertFalse(forbidden.err().contains("Exception"), forbidden.err());
  }

  @Test
  void attachAndDetachCertificate_keepTheAppsOtherCredentials() throws Exception {
    Path caPass = secret("ca-pass", "correct horse battery staple");
    Path pfxPass = secret("pfx-pass", "pfx-password-1");
    ok("ca", "init", "--name", "Test CA", "--key", "rsa-3072", "--validity", "2y", "--passphrase-file",
        caPass.toString());
    CliRun.Run issued = ok("ca", "issue", "--identity", APP, "--cn", "Break-glass app", "--key", "rsa-2048",
        "--passphrase-file", caPass.toString(), "--pfx-password-file", pfxPass.toString(), "--out",
        tmp.resolve("cert").toString());
    Matcher m = Pattern.compile("issued certificate ([0-9A-F]+) ").matcher(issued.out());
    assertTrue(m.find(), issued.out());
    String serial = m.group(1);

    CliRun.Run attached = ok(withGraph("app", "attach-cert", "--identity", APP, "--serial", serial));
    assertTrue(attached.out().startsWith("attached certificate " + serial + " to app " + APP), attached.out());
    GraphTestServer.Recorded patch = graph.requests().stream().filter(q -> q.method().equals("PATCH")).findFirst()
        .orElseThrow();
    JsonNode keys = patch.json().get("keyCredentials");
    assertEquals(3, keys.size(), "the fixture app's two certificates are kept and ours is added: " + keys);
    assertTrue(ok("app", "list").out().contains(serial), "bg app list shows it");

    CliRun.Run detached = ok(withGraph("app", "detach-cert", "--identity", APP, "--serial", serial, "--reason",
        "rolled over"));
    assertTrue(detached.out().startsWith("detached certificate " + serial), detached.out());
    CliRun.Run verify = ok("ledger", "verify");
    assertTrue(verify.out().contains("OK"), verify.out());
  }

  @Test
  void passwordRotate_setInEntra_patchesTheUserAndRecordsIt() throws Exception {
    ok("password", "new", "--identity", "bg1@contoso.onmicrosoft.com", "--out", tmp.resolve("v1.txt").toString());
    CliRun.Run r = ok(withGraph("password", "rotate", "--identity", "bg1@contoso.onmicrosoft.com", "--out",
        tmp.resolve("v2.txt").toString(), "--set-in-entra"));
    assertTrue(r.out().contains("set version 2 on the account in Entra ID"), r.out());
    GraphTestServer.Recorded patch = graph.requests().stream().filter(q -> q.method().equals("PATCH")).findFirst()
        .orElseThrow();
    assertTrue(patch.path().startsWith("/v1.0/users/"), patch.path());
    String password = Files.readString(tmp.resolve("v2.txt")).strip();
    assertEquals(password, patch.json().get("passwordProfile").get("password").asText());
    assertFalse(patch.json().get("passwordProfile").get("forceChangePasswordNextSignIn").asBoolean());
    assertFalse(r.out().contains(password) || r.err().contains(password), "the password is never printed");
    assertTrue(ok("log", "--json").out().contains("\"password-set\""));
  }
}
