package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.entra.GraphTestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bg daemon once}, {@code bg daemon run} and {@code bg correlate} as an operator runs them:
 * in-process through the real command line against the Graph test server's "contoso" tenant, and
 * {@code bg daemon run} as its own JVM ({@code java -jar cli/target/bg.jar}) for what only a real
 * process shows: a kill in the middle of a poll, SIGTERM, the health endpoint.
 */
class BgDaemonIT {
  private static final String BG1 = "bg1@contoso.onmicrosoft.com";
  private static final String BG1_ID = "5f1c8a52-3b7e-4a61-9d2c-0c4e8e7b1a01";
  /** The contoso fixture's sign-ins of bg1 on 2026-11-20 (auditLogs/signIns.json). */
  private static final String FAILED_0900 = "66ea54eb-6301-4ee5-be62-ff5a759b0107";
  private static final String OK_1000 = "66ea54eb-6301-4ee5-be62-ff5a759b0106";
  private static final String OK_1005 = "66ea54eb-6301-4ee5-be62-ff5a759b0105";
  private static final Instant MORNING = Instant.parse("2026-11-20T08:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private Path home;
  private TestClock clock;
  private GraphTestServer graph;
  private Path token;
  private Hook hook;
  private final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    clock = new TestClock(MORNING);
    graph = GraphTestServer.start(GraphTestServer.CONTOSO);
    token = tmp.resolve("token.jwt");
    Files.writeString(token, GraphTestServer.fakeJwt(Instant.parse("2099-01-01T00:00:00Z")) + "\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    hook = new Hook();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    graph.close();
    hook.close();
  }

  // ---- in-process: bg daemon once, bg correlate ----------------------------------------------

  private CliRun.Run bg(String... args) {
    return new CliRun(home, clock).bg(args);
  }

  private CliRun.Run ok(String... args) {
    return new CliRun(home, clock).ok(args);
  }

  private String[] withGraph(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--graph-url", graph.url().toString(), "--access-token-file", token.toString()));
    return all.toArray(String[]::new);
  }

  /** A home with bg1 and its key, checked out 10:00 to 10:30 on 2026-11-20; returns the check-out's seq. */
  private long inventoryWithCheckOut() {
    inventory(new CliRun(home, clock));
    clock.advance(Duration.ofHours(2)); // 10:00
    ok("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason", "tenant lockout", "--ticket", "INC-7",
        "--seal", "TB-1");
    long seq = headSeq();
    clock.advance(Duration.ofMinutes(30)); // 10:30
    ok("checkin", "bg1-key", "--by", "Bob", "--witness", "Alice", "--new-seal", "TB-2");
    return seq;
  }

  private static void inventory(CliRun cli) {
    cli.ok("init");
    cli.ok("safe", "add", "hq-safe", "--location", "HQ");
    cli.ok("custodian", "add", "Alice", "--contact", "+44 1");
    cli.ok("custodian", "add", "Bob", "--contact", "+44 2");
    cli.ok("identity", "add", "--user", BG1, "--object-id", BG1_ID);
    cli.ok("item", "add", "bg1-key", "--kind", "fido2-key", "--safe", "hq-safe", "--identity", BG1, "--seal", "TB-1");
  }

  private String head() {
    return ok("ledger", "head").out().strip();
  }

  private long headSeq() {
    String h = head();
    return Long.parseLong(h.substring(0, h.indexOf(':')));
  }

  private Path file(String name, String text) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void once_recordsEachNewSignInWithItsVerdict_alertsTheWebhook_andExits5() throws Exception {
    long checkout = inventoryWithCheckOut();
    clock.advance(Duration.ofHours(2)); // 12:30: the first lookback (24 h) covers the whole morning
    CliRun.Run r = bg(withGraph("daemon", "once", "--json", "--webhook", hook.url().toString()));
    assertEquals(5, r.code(), r.err());

    List<String> lines = r.out().lines().toList();
    assertEquals(3, lines.size(), r.out());
    List<JsonNode> alerts = hook.awaitSignIns(3);
    long ev = checkout + 2; // the check-in, then one signin-observed event each
    String custody = "\"verdict\":\"EXPECTED\",\"custodyEvent\":" + checkout
        + ",\"custodyEventType\":\"item-checked-out\",\"custodians\":[\"Alice\",\"Bob\"],";
    assertEquals("{\"signInId\":\"" + FAILED_0900 + "\",\"createdDateTime\":\"2026-11-20T09:00:00.000Z\","
        + "\"identity\":\"" + BG1 + "\",\"result\":\"failure\",\"errorCode\":50126,\"ipAddress\":\"198.51.100.99\","
        + "\"verdict\":\"UNEXPLAINED\",\"ledgerEvent\":" + ev + ",\"alertId\":\"" + alertId(alerts, FAILED_0900)
        + "\"}", lines.get(0));
    assertEquals("{\"signInId\":\"" + OK_1000 + "\",\"createdDateTime\":\"2026-11-20T10:00:00.000Z\","
        + "\"identity\":\"" + BG1 + "\",\"result\":\"success\",\"errorCode\":0,\"ipAddress\":\"203.0.113.10\","
        + custody + "\"ledgerEvent\":" + (ev + 1) + ",\"alertId\":\"" + alertId(alerts, OK_1000) + "\"}", lines.get(1));
    assertEquals("{\"signInId\":\"" + OK_1005 + "\",\"createdDateTime\":\"2026-11-20T10:05:00.000Z\","
        + "\"identity\":\"" + BG1 + "\",\"result\":\"success\",\"errorCode\":0,\"ipAddress\":\"203.0.113.10\","
        + custody + "\"ledgerEvent\":" + (ev + 2) + ",\"alertId\":\"" + alertId(alerts, OK_1005) + "\"}", lines.get(2));
    // stderr: the daemon's log, one timestamped line each (then the periodic checks' alerts)
    assertEquals(List.of(
        "2026-11-20T12:30:00Z bg daemon: error: UNEXPLAINED sign-in " + FAILED_0900 + " of " + BG1
            + " at 2026-11-20T09:00:00.000Z: ledger event " + ev,
        "2026-11-20T12:30:00Z bg daemon: warning: EXPECTED sign-in " + OK_1000 + " of " + BG1
            + " at 2026-11-20T10:00:00.000Z (custody event " + checkout + "): ledger event " + (ev + 1),
        "2026-11-20T12:30:00Z bg daemon: warning: EXPECTED sign-in " + OK_1005 + " of " + BG1
            + " at 2026-11-20T10:05:00.000Z (custody event " + checkout + "): ledger event " + (ev + 2)),
        r.err().lines().limit(3).toList(), r.err());
    assertFalse(r.err().contains("bg: "), "no warning, no error: " + r.err());

    JsonNode unexplained = alerts.stream().filter(a -> a.path("signIn").path("id").asText().equals(FAILED_0900))
        .findFirst().orElseThrow();
    assertEquals("CRITICAL", unexplained.path("severity").asText(), unexplained.toString());
    assertEquals("UNEXPLAINED", unexplained.path("verdict").asText());
    JsonNode expected = alerts.stream().filter(a -> a.path("signIn").path("id").asText().equals(OK_1000))
        .findFirst().orElseThrow();
    assertEquals(checkout, expected.path("custody").path("seq").asLong(), expected.toString());
    assertEquals("[\"Alice\",\"Bob\"]", expected.path("custody").path("custodians").toString());

    clock.advance(Duration.ofMinutes(5));
    CliRun.Run again = bg(withGraph("daemon", "once", "--json", "--webhook", hook.url().toString()));
    assertEquals(0, again.code(), again.err());
    assertEquals("", again.out());
    assertFalse(again.err().contains("sign-in"), again.err());
    assertEquals(3, hook.signIns().size(), "nothing alerted twice");

    assertTrue(ok("ledger", "verify").out().startsWith("ledger OK: " + (ev + 2) + " events, head " + (ev + 2) + ":"),
        "the ledger verifies");
    // bg log: SEQ, TIME, TYPE, ITEM, ACTOR, WITNESS, REASON, TICKET, DETAILS
    List<List<String>> observed = ok("log").out().lines().map(l -> List.of(l.split(" {2,}", 9)))
        .filter(row -> row.get(2).equals("signin-observed")).toList();
    assertEquals(List.of(Long.toString(ev), Long.toString(ev + 1), Long.toString(ev + 2)),
        observed.stream().map(row -> row.get(0)).toList());
    assertEquals(List.of("2026-11-20T12:30:00.000Z", "signin-observed", "-", "vault-daemon", "-", "-", "-"),
        observed.get(0).subList(1, 8));
    assertTrue(observed.get(0).get(8).startsWith("signInId=" + FAILED_0900 + " createdDateTime=2026-11-20T09:00:00.000Z"
        + " identity=" + BG1 + " verdict=UNEXPLAINED succeeded=false "), observed.get(0).get(8));
    assertTrue(observed.get(1).get(8).startsWith("signInId=" + OK_1000 + " createdDateTime=2026-11-20T10:00:00.000Z"
        + " identity=" + BG1 + " verdict=EXPECTED custodyEvent=" + checkout + " succeeded=true "),
        observed.get(1).get(8));
    assertTrue(observed.get(2).get(8).startsWith("signInId=" + OK_1005 + " createdDateTime=2026-11-20T10:05:00.000Z"
        + " identity=" + BG1 + " verdict=EXPECTED custodyEvent=" + checkout + " succeeded=true "),
        observed.get(2).get(8));
  }

  @Test
  void once_withoutASink_warnsAndStillRecords() throws Exception {
    long checkout = inventoryWithCheckOut();
    clock.advance(Duration.ofHours(2));
    CliRun.Run r = bg(withGraph("daemon", "once"));
    assertEquals(5, r.code(), r.err());
    assertEquals("bg: warning: no alert sink configured: sign-ins are recorded but nobody is alerted (add sink.NAME.*"
        + " to " + home.resolve("daemon.conf") + " or --webhook URL)", r.errLine());
    assertEquals(List.of(
        "UNEXPLAINED  2026-11-20T09:00:00.000Z  " + BG1 + "  failure 50126  ledger event " + (checkout + 2),
        "EXPECTED  2026-11-20T10:00:00.000Z  " + BG1 + "  success  custody event " + checkout + " (Alice, Bob)"
            + "  ledger event " + (checkout + 3),
        "EXPECTED  2026-11-20T10:05:00.000Z  " + BG1 + "  success  custody event " + checkout + " (Alice, Bob)"
            + "  ledger event " + (checkout + 4)), r.out().lines().toList());
    assertEquals(3, ok("log").out().lines().filter(l -> l.contains("  signin-observed  ")).count());
    assertTrue(ok("ledger", "verify").out().startsWith("ledger OK: " + (checkout + 4) + " events"));
    assertEquals(List.of(), hook.received(), "nothing was sent anywhere");
  }

  @Test
  void run_withoutASink_refusesToStart() {
    inventory(new CliRun(home, clock));
    CliRun.Run r = bg(withGraph("daemon", "run"));
    assertEquals(1, r.code(), r.err());
    assertEquals("bg: error: no alert sink configured: add sink.NAME.type and its settings to "
        + home.resolve("daemon.conf") + ", or give --webhook URL", r.err().strip());
  }

  private String mailConfig(boolean allowInternal) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: delivery is refused at once
    }
    return "# alerts by mail to the SOC\n"
        + "sink.mail.type = smtp\n"
        + "sink.mail.host = 127.0.0.1\n"
        + "sink.mail.port = " + port + "\n"
        + "sink.mail.tls = none\n"
        + "sink.mail.from = breakglass@alerts.example.net\n"
        + "sink.mail.to = soc@contoso.com\n"
        + "checks.posture = false\n"
        + (allowInternal ? "guard.allow-internal-recipients = true\n" : "");
  }

  @Test
  void guardRail_refusesMailIntoTheMonitoredTenant_unlessOverridden() throws Exception {
    inventoryWithCheckOut();
    clock.advance(Duration.ofHours(2));
    String before = head();
    Path conf = file("mail.conf", mailConfig(false));
    CliRun.Run r = bg(withGraph("daemon", "once", "--config", conf.toString()));
    assertEquals(1, r.code(), r.err());
    assertEquals("bg: error: sink 'mail' mails contoso.com, a verified domain of the monitored tenant (contoso.com):"
        + " whoever takes the tenant over can read and delete those alerts; send them to a mailbox outside the"
        + " tenant, or set guard.allow-internal-recipients = true to accept the risk", r.err().strip());
    assertEquals("", r.out());
    assertEquals(List.of(), graph.requests("GET", GraphTestServer.SIGN_INS), "refused before it watched anything");
    assertEquals(before, head(), "nothing recorded");

    Path overridden = file("mail-anyway.conf", mailConfig(true));
    CliRun.Run anyway = bg(withGraph("daemon", "once", "--config", overridden.toString()));
    assertEquals(5, anyway.code(), anyway.err());
    assertEquals("bg: warning: GUARD RAIL OVERRIDDEN: sink 'mail' mails contoso.com, a verified domain of the"
        + " monitored tenant (contoso.com): whoever takes the tenant over can read and delete those alerts",
        anyway.errLine());
    assertEquals("bg: warning: every alert sink may be inside the monitored tenant: add one outside it (a webhook,"
        + " syslog, SMTP to an outside relay and mailbox)", anyway.err().lines().toList().get(1));
    assertEquals(3, anyway.out().lines().count(), anyway.out());
    // Nothing listens on the relay's port: the alerts stay in the outbox for the next run.
    assertTrue(anyway.err().lines().anyMatch(l -> l.matches("\\S+ bg daemon: warning: alert \\S+ not delivered to"
        + " 'mail' \\(attempt 1\\): sink 'mail' \\(smtp 127\\.0\\.0\\.1:\\d+\\): .*")), anyway.err());
    assertTrue(anyway.err().lines().anyMatch(l -> l.matches("bg: warning: \\d+ alert\\(s\\) not delivered yet: they"
        + " stay in the outbox and the next run tries again")), anyway.err());
    assertTrue(ok("ledger", "verify").out().startsWith("ledger OK: "));
  }

  @Test
  void configErrors_areOneLineNamingFileAndLine() throws Exception {
    inventory(new CliRun(home, clock));
    String before = head();
    Path conf = file("typo.conf", "# polling\npoll.interval-seconds = 30\nx = 1\n");
    for (String verb : List.of("once", "run")) {
      CliRun.Run r = bg(withGraph("daemon", verb, "--webhook", hook.url().toString(), "--config", conf.toString()));
      assertEquals(1, r.code(), r.err());
      assertTrue(r.err().startsWith("bg: error: " + conf + " line 3: unknown key 'x' (known: "), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    }
    Path missing = tmp.resolve("nope.conf");
    CliRun.Run r = bg(withGraph("daemon", "once", "--webhook", hook.url().toString(), "--config", missing.toString()));
    assertEquals(1, r.code(), r.err());
    assertEquals("bg: error: no daemon config at " + missing + ": create it (see the vault-daemon README) or leave"
        + " out --config", r.err().strip());
    assertEquals(before, head());
  }

  @Test
  void correlate_judgesAnExportOffline_andWritesNothing() throws Exception {
    long checkout = inventoryWithCheckOut();
    ObjectNode export = JSON.createObjectNode().put("@odata.context",
        "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns");
    ArrayNode value = export.putArray("value");
    value.add(GraphTestServer.signIn("c-inside", Instant.parse("2026-11-20T10:15:00Z"), BG1_ID, BG1, 0,
        "203.0.113.7"));
    value.add(GraphTestServer.signIn("c-outside", Instant.parse("2026-11-20T11:30:00Z"), BG1_ID, BG1, 50126,
        "198.51.100.99"));
    value.add(GraphTestServer.signIn("c-other", Instant.parse("2026-11-20T10:20:00Z"),
        "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "adelev@contoso.com", 0, "131.107.159.37"));
    Path signIns = file("signins.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsString(export));
    String before = head();
    byte[] ledgerFile = Files.readAllBytes(home.resolve("ledger.db"));

    CliRun.Run r = bg("correlate", "--signins", signIns.toString());
    assertEquals(5, r.code(), r.err());
    assertEquals(List.of(
        "EXPECTED  2026-11-20T10:15:00.000Z  " + BG1 + "  success  203.0.113.7  custody event " + checkout
            + " (Alice, Bob)",
        "UNEXPLAINED  2026-11-20T11:30:00.000Z  " + BG1 + "  failure 50126  198.51.100.99"), r.out().lines().toList());
    assertEquals("bg: 2 break-glass sign-in(s) judged, 1 UNEXPLAINED; 1 sign-in(s) of other accounts ignored;"
        + " 0 unreadable", r.err().strip());

    CliRun.Run json = bg("correlate", "--signins", signIns.toString(), "--json");
    assertEquals(5, json.code(), json.err());
    assertEquals(List.of(
        "{\"signInId\":\"c-inside\",\"createdDateTime\":\"2026-11-20T10:15:00.000Z\",\"identity\":\"" + BG1 + "\","
            + "\"result\":\"success\",\"errorCode\":0,\"ipAddress\":\"203.0.113.7\",\"verdict\":\"EXPECTED\","
            + "\"custodyEvent\":" + checkout + ",\"custodyEventType\":\"item-checked-out\","
            + "\"custodians\":[\"Alice\",\"Bob\"]}",
        "{\"signInId\":\"c-outside\",\"createdDateTime\":\"2026-11-20T11:30:00.000Z\",\"identity\":\"" + BG1 + "\","
            + "\"result\":\"failure\",\"errorCode\":50126,\"ipAddress\":\"198.51.100.99\","
            + "\"verdict\":\"UNEXPLAINED\"}"),
        json.out().lines().toList());

    Path notJson = file("signins.csv", "id,createdDateTime\nc-1,2026-11-20T10:15:00Z\n");
    CliRun.Run bad = bg("correlate", "--signins", notJson.toString());
    assertEquals(1, bad.code(), bad.err());
    assertEquals(1, bad.err().lines().count(), bad.err());
    assertTrue(bad.errLine().startsWith("bg: error: sign-in file " + notJson + " is not valid JSON (Unrecognized token"
        + " 'id'"), bad.err());
    assertTrue(bad.errLine().endsWith(" at line 1 column 1): expected a Graph response {\"value\":[…]}, a JSON"
        + " list of sign-ins (the Entra admin center's Download → JSON) or a JSON list of Graph responses"), bad.err());
    assertEquals("", bad.out());

    assertEquals(before, head(), "correlate records nothing");
    assertTrue(Arrays.equals(ledgerFile, Files.readAllBytes(home.resolve("ledger.db"))), "nor changes the file");
  }

  // ---- bg daemon run as its own process -------------------------------------------------------

  /** {@code bg daemon run} in a JVM of its own, from the jar this build packaged, on the real clock. */
  private final class DaemonProcess {
    final Process process;
    final Path err;

    DaemonProcess(Path config) throws IOException {
      Path jar = Path.of(System.getProperty("user.dir"), "target", "bg.jar"); // failsafe runs in cli/
      assertTrue(Files.isRegularFile(jar), jar + " is missing: run 'mvn package' first");
      List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "daemon", "run", "--home",
          home.toString(), "--graph-url", graph.url().toString(), "--access-token-file", token.toString(), "--webhook",
          hook.url().toString(), "--config", config.toString());
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().put("USER", "tester");
      err = Files.createTempFile(tmp, "daemon-err-", ".txt");
      pb.redirectOutput(tmp.resolve("daemon-out.txt").toFile()).redirectError(err.toFile());
      process = pb.start();
      processes.add(process);
    }

    String err() {
      try {
        return Files.readString(err, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Waits for {@code what}, failing with the process's log when it does not come or the process ends. */
    void await(String what, Duration max, BooleanSupplier done) throws InterruptedException {
      long deadline = System.nanoTime() + max.toNanos();
      while (!done.getAsBoolean()) {
        if (!process.isAlive()) {
          fail("bg daemon run ended (exit " + process.exitValue() + ") before " + what + ":\n" + err());
        }
        if (System.nanoTime() > deadline) {
          fail("no " + what + " within " + max + ":\n" + err());
        }
        Thread.sleep(20);
      }
    }
  }

  /** A home on the real clock, with a sign-in log that holds only what the test adds. */
  private void realTimeHome() {
    inventory(new CliRun(home, Clock.systemUTC()));
    graph.put(GraphTestServer.SIGN_INS, "{\"@odata.context\":\"https://graph.microsoft.com/beta/$metadata"
        + "#auditLogs/signIns\",\"value\":[]}");
  }

  private void signIn(String id, Duration ago, int errorCode) {
    graph.addSignIn(GraphTestServer.signIn(id, Instant.now().minus(ago), BG1_ID, BG1, errorCode, "203.0.113.7"));
  }

  private Path runConfig(String... extra) throws IOException {
    return file("run.conf", "poll.interval-seconds = 1\nchecks.posture = false\n" + String.join("\n", extra) + "\n");
  }

  @Test
  void run_killedInTheMiddleOfAPoll_thenOnce_recordsEverySignInExactlyOnce() throws Exception {
    realTimeHome();
    signIn("k-1", Duration.ofMinutes(3), 0);
    signIn("k-2", Duration.ofMinutes(2), 50126);
    // The first poll is answered; the second is held as long as the test needs.
    graph.fault("GET", GraphTestServer.SIGN_INS, GraphTestServer.Fault.pass(),
        GraphTestServer.Fault.hang(Duration.ofSeconds(60)));
    DaemonProcess d = new DaemonProcess(runConfig("health.listen = off"));
    d.await("alerts for k-1 and k-2", Duration.ofSeconds(20), () -> hook.signIns().size() >= 2);
    signIn("k-3", Duration.ofSeconds(30), 0); // arrives while the daemon waits for its next poll
    d.await("the second poll", Duration.ofSeconds(10),
        () -> graph.requests("GET", GraphTestServer.SIGN_INS).size() >= 2);
    d.process.destroyForcibly(); // SIGKILL: no hook, no clean-up
    assertTrue(d.process.waitFor(10, TimeUnit.SECONDS), "the daemon did not die");
    assertEquals(137, d.process.exitValue());
    graph.clearFaults();
    String log = d.err();
    assertTrue(log.lines().anyMatch(l -> l.matches("\\S+ bg daemon: error: UNEXPLAINED sign-in k-2 of " + BG1
        + " at \\S+: ledger event 8")), log);
    assertFalse(log.contains("k-3"), "the killed poll recorded nothing: " + log);

    CliRun cli = new CliRun(home, Clock.systemUTC());
    CliRun.Run once = cli.bg(withGraph("daemon", "once", "--json", "--webhook", hook.url().toString()));
    assertEquals(5, once.code(), once.err()); // k-3 is UNEXPLAINED
    assertTrue(once.err().matches("(?s)\\S+ bg daemon: error: UNEXPLAINED sign-in k-3 of " + BG1
        + " at \\S+: ledger event 9\n.*"), once.err());
    List<JsonNode> lines = new ArrayList<>();
    for (String l : once.out().lines().toList()) {
      lines.add(JSON.readTree(l));
    }
    assertEquals(List.of("k-3"), lines.stream().map(n -> n.path("signInId").asText()).toList(), once.out());
    assertEquals("UNEXPLAINED", lines.get(0).path("verdict").asText());
    List<String> recorded = new ArrayList<>();
    for (JsonNode e : JSON.readTree(cli.ok("log", "--json").out())) {
      if (e.path("type").asText().equals("signin-observed")) {
        recorded.add(JSON.readTree(e.path("details").asText()).path("signInId").asText()); // the stored JSON text
      }
    }
    assertEquals(List.of("k-1", "k-2", "k-3"), recorded, "each sign-in once, none lost in the killed poll");
    assertTrue(cli.ok("ledger", "verify").out().startsWith("ledger OK: "));
    assertEquals(List.of("k-1", "k-2", "k-3"), hook.signIns().stream().map(a -> a.path("signIn").path("id").asText())
        .sorted().toList(), "each alerted once");
  }

  @Test
  void run_recordsAndDelivers_andStopsOnSigterm() throws Exception {
    realTimeHome();
    DaemonProcess d = new DaemonProcess(runConfig("health.listen = off"));
    d.await("the first poll", Duration.ofSeconds(20), () -> !graph.requests("GET", GraphTestServer.SIGN_INS).isEmpty());
    signIn("t-1", Duration.ofSeconds(30), 0);
    d.await("the alert for t-1", Duration.ofSeconds(10), () -> !hook.signIns().isEmpty());
    assertEquals("t-1", hook.signIns().get(0).path("signIn").path("id").asText());
    assertEquals("UNEXPLAINED", hook.signIns().get(0).path("verdict").asText());

    d.process.destroy(); // SIGTERM
    assertTrue(d.process.waitFor(15, TimeUnit.SECONDS), "bg daemon run did not stop within 15 s of SIGTERM:\n"
        + d.err());
    List<String> log = d.err().lines().toList();
    assertTrue(log.stream().anyMatch(l -> l.matches("\\S+ bg daemon: info: watching " + Pattern.quote(home.toString())
        + ": polling every 1 s, alerts to webhook http://127\\.0\\.0\\.1:" + hook.url().getPort() + "/…")),
        log.toString());
    assertTrue(log.stream().anyMatch(l -> l.matches("\\S+ bg daemon: error: UNEXPLAINED sign-in t-1 of "
        + Pattern.quote(BG1) + " at \\S+: ledger event 7")), log.toString());
    assertTrue(log.get(log.size() - 1).matches("\\S+ bg daemon: info: stopped"), log.toString());
    CliRun cli = new CliRun(home, Clock.systemUTC());
    assertTrue(cli.ok("ledger", "verify").out().startsWith("ledger OK: 7 events, head 7:"),
        "the ledger closed cleanly");
  }

  @Test
  void run_servesHealthAndMetrics() throws Exception {
    realTimeHome();
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    DaemonProcess d = new DaemonProcess(runConfig("health.listen = 127.0.0.1:" + port));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI healthz = URI.create("http://127.0.0.1:" + port + "/healthz");
    AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
    d.await("200 from /healthz", Duration.ofSeconds(20), () -> {
      try {
        last.set(http.send(HttpRequest.newBuilder(healthz).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString()));
        return last.get().statusCode() == 200;
      } catch (IOException e) {
        return false; // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return true;
      }
    });
    assertEquals("ok\n", last.get().body());
    assertTrue(d.err().contains("bg: health on http://127.0.0.1:" + port + "/healthz and /metrics\n"), d.err());
    HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/metrics")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().lines().anyMatch(l -> l.startsWith("bg_daemon_polls_total{result=\"ok\"} ")),
        metrics.body());
    assertFalse(metrics.body().contains("bg_daemon_polls_total{result=\"error\"}"), metrics.body());
  }

  // ---- the webhook receiver ---------------------------------------------------------------------

  private static String alertId(List<JsonNode> alerts, String signInId) {
    return alerts.stream().filter(a -> a.path("signIn").path("id").asText().equals(signInId)).findFirst()
        .orElseThrow(() -> new AssertionError("no alert for " + signInId + " in " + alerts)).path("id").asText();
  }

  /** A webhook endpoint on loopback that accepts every alert and keeps it. */
  private static final class Hook implements AutoCloseable {
    private final HttpServer server;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();

    Hook() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "webhook-receiver");
        t.setDaemon(true);
        return t;
      }));
      server.createContext("/hook", x -> {
        try {
          received.add(JSON.readTree(x.getRequestBody().readAllBytes()));
          x.sendResponseHeaders(200, -1);
        } finally {
          x.close();
        }
      });
      server.start();
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    List<JsonNode> received() {
      return List.copyOf(received);
    }

    List<JsonNode> signIns() {
      return received.stream().filter(a -> a.path("kind").asText().equals("SIGN_IN")).toList();
    }

    List<JsonNode> awaitSignIns(int n) throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (signIns().size() < n && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(n, signIns().size(), received.toString());
      return signIns();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
