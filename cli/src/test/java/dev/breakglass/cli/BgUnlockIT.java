package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakglass.custody.fido.SoftAuthenticator;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.PasswordRecord;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.custody.secret.Verifier;
import dev.breakglass.entra.GraphTestServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bg unlock}, {@code bg lock} and {@code bg drill} as responders run them: the real command
 * line in-process, the real loopback ceremony page answered by the test's software keys over HTTP
 * (as {@link BgKeyIT} does), the real Graph SDK against the Graph test server for the daemon's
 * sign-ins and the password set in Entra.
 */
class BgUnlockIT {
  private static final String BG1 = "bg1@contoso.onmicrosoft.com";
  private static final String BG1_ID = "5f1c8a52-3b7e-4a61-9d2c-0c4e8e7b1a01";
  private static final UUID YUBIKEY_5_NFC = UUID.fromString("2fc0579f-8113-47ea-b116-bb5a8db9202a");
  private static final Instant MONDAY = Instant.parse("2026-11-23T08:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private Path home;
  private TestClock clock;
  private GraphTestServer graph;
  private Path token;
  private final HttpClient browser = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final SoftAuthenticator aliceKey = SoftAuthenticator.none(YUBIKEY_5_NFC);
  private final SoftAuthenticator bobKey = SoftAuthenticator.none(YUBIKEY_5_NFC);
  private final SoftAuthenticator bg1Key = SoftAuthenticator.none(YUBIKEY_5_NFC);
  private List<Path> shares;

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    clock = new TestClock(MONDAY);
    graph = GraphTestServer.start(GraphTestServer.CONTOSO);
    token = tmp.resolve("token.jwt");
    Files.writeString(token, GraphTestServer.fakeJwt(Instant.parse("2099-01-01T00:00:00Z")) + "\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    ok("init");
    ok("safe", "add", "hq-safe", "--location", "HQ", "--two-person");
    ok("custodian", "add", "Alice", "--contact", "+44 1");
    ok("custodian", "add", "Bob", "--contact", "+44 2");
    ok("custodian", "add", "Carol", "--contact", "+44 3");
    ok("identity", "add", "--user", BG1, "--object-id", BG1_ID);
    ok("item", "add", "bg1-key", "--kind", "fido2-key", "--safe", "hq-safe", "--identity", BG1, "--seal", "TB-1");
    ok("item", "add", "bg1-share-1", "--kind", "password-share", "--safe", "hq-safe", "--identity", BG1,
        "--seal", "TB-S1");
    register(aliceKey, "custodian", "enrol", "Alice", "--witness", "Bob");
    register(bobKey, "custodian", "enrol", "Bob", "--witness", "Alice");
    register(bg1Key, "key", "register", "bg1-key", "--by", "Alice", "--witness", "Bob");
    Running baseline = run("key", "verify", "bg1-key", "--by", "Alice", "--witness", "Bob");
    baseline.authenticate(0, bg1Key);
    assertEquals(0, baseline.finish().code());
    ok("password", "new", "--identity", BG1, "--shares", "2-of-3", "--out", tmp.resolve("v1").toString());
    shares = shareFiles(tmp.resolve("v1"));
  }

  @AfterEach
  void tearDown() {
    graph.close();
  }

  // --- the whole lifecycle ----------------------------------------------------------------------

  @Test
  void unlock_signIn_lock_theDaemonSeesExpectedThenUnexplained() throws Exception {
    clock.advance(Duration.ofMinutes(30)); // 08:30
    Path pw = tmp.resolve("pw.txt");
    Running u = run("unlock", "--identity", BG1, "--reason", "MFA outage, no admin can sign in", "--ticket", "INC-9",
        "--by", "Alice", "--witness", "Bob", "--duration", "2h", "--seal", "bg1-key=TB-1", "--seal",
        "bg1-share-1=TB-S1", "--share", shares.get(0).toString(), "--share", shares.get(2).toString(),
        "--password-to", pw.toString());
    u.authenticate(0, aliceKey);
    assertEquals("Quorum: custodian Alice, prove your presence with your own security key (and its PIN).",
        u.errLine(0));
    u.authenticate(1, bobKey);
    u.authenticate(2, bg1Key);
    CliRun.Run r = u.finish();
    assertEquals(0, r.code(), r.err());
    long session = sessionId(r.out());
    List<String> out = withoutUrls(r.out());
    assertEquals("opened unlock session " + session + " for " + BG1 + ": by Alice, witness Bob, expected end"
        + " 2026-11-23T10:30:00.000Z (event " + session + ")", out.get(0));
    assertTrue(out.get(1).matches("presence proved: Alice \\(key counter \\d+, advanced\\), event "
        + (session + 1)), out.get(1));
    assertTrue(out.get(2).matches("presence proved: Bob \\(key counter \\d+, advanced\\), event "
        + (session + 2)), out.get(2));
    assertTrue(out.get(3).matches("checked out bg1-key \\(seal TB-1 confirmed\\), key verified: counter \\d+"
        + " \\(advanced\\), event " + (session + 3)), out.get(3));
    assertEquals("checked out bg1-share-1 (seal TB-S1 confirmed), event " + (session + 4), out.get(4));
    assertEquals("password of " + BG1 + " (version 1) written to " + pw + " (mode 600): delete it once used",
        out.get(5));
    assertTrue(out.contains("RUNBOOK — unlock session " + session + " for " + BG1), r.out());
    assertTrue(r.out().contains("2. The vault-daemon reports this identity's sign-ins as EXPECTED, tied to session "
        + session + ", until 2026-11-23T10:30:00.000Z (2 h 0 min from now)."), r.out());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pw)));
    assertTrue(Verifier.matches(Files.readString(pw).strip().toCharArray(), password(1).verifier()),
        "the password shown is the one in force");
    assertFalse(r.out().contains(Files.readString(pw).strip()), "the password is not printed");
    assertTrue(ok("status").out().contains("UNLOCK SESSIONS OPEN (1; end each with bg lock --session ID)"));

    // A sign-in while the session is open is EXPECTED, and tied to the session.
    clock.advance(Duration.ofMinutes(10)); // 08:40
    graph.addSignIn(GraphTestServer.signIn("aaaaaaaa-0000-4000-8000-000000000001", clock.instant(), BG1_ID, BG1, 0,
        "203.0.113.5"));
    clock.advance(Duration.ofMinutes(5));
    CliRun.Run seen = bg(withGraph("daemon", "once", "--json"));
    assertEquals(0, seen.code(), seen.err());
    JsonNode judged = JSON.readTree(seen.out().lines().findFirst().orElseThrow());
    assertEquals("EXPECTED", judged.get("verdict").asText());
    assertEquals(session, judged.get("custodyEvent").asLong());

    // Lock: items back with new seals and the key verified, password rotated and set in Entra, closed.
    clock.advance(Duration.ofMinutes(30)); // 09:15
    Running lock = run(withGraph("lock", "--session", Long.toString(session), "--new-seal", "bg1-key=TB-2",
        "--new-seal", "bg1-share-1=TB-S2", "--out", tmp.resolve("v2").toString(), "--summary",
        "re-enabled the admins' MFA policy"));
    lock.authenticate(0, bg1Key);
    CliRun.Run l = lock.finish();
    assertEquals(0, l.code(), l.err());
    List<String> lockOut = withoutUrls(l.out()).stream().filter(x -> !x.startsWith("  /")).toList();
    assertTrue(lockOut.get(0).matches("rotated the password of " + BG1 + ": version 2 \\(shares 2-of-3\\), set in"
        + " Entra ID, event \\d+"), lockOut.get(0));
    assertTrue(lockOut.get(1).matches("checked in bg1-key, sealed in TB-2, key verified: counter \\d+ \\(advanced\\),"
        + " event \\d+"), lockOut.get(1));
    assertTrue(lockOut.get(2).matches("checked in bg1-share-1, sealed in TB-S2, event \\d+"), lockOut.get(2));
    assertTrue(l.err().contains("Before sealing the bags: put the new version's printed shares (or password) in the"
        + " bags of the password items; version 1's are void now."), l.err());
    GraphTestServer.Recorded patch = graph.requests().stream().filter(q -> q.method().equals("PATCH")).findFirst()
        .orElseThrow();
    assertEquals("users/" + BG1, patch.resource().replace(BG1_ID, BG1));
    assertTrue(Verifier.matches(JSON.readTree(patch.body()).at("/passwordProfile/password").asText().toCharArray(),
        password(2).verifier()), "Entra got version 2");
    assertTrue(l.out().contains("closed unlock session " + session + ", event "), l.out());
    assertTrue(l.out().contains("  done     re-enabled the admins' MFA policy\n"), l.out());
    assertTrue(l.out().contains("  items    2 taken out (bg1-key, bg1-share-1), 2 back\n"), l.out());
    assertTrue(l.out().contains("  password version 1 revealed; rotated to version 2 (set in Entra)\n"), l.out());
    assertTrue(l.out().contains("  sign-ins 1 tied to this session by the vault-daemon so far: "
        + "2026-11-23T08:40:00.000Z EXPECTED\n"), l.out());
    String head = ok("ledger", "head").out().strip();
    assertTrue(l.out().contains("  ledger   head " + head + " — copy it into the incident record"), l.out());
    assertFalse(ok("status").out().contains("UNLOCK SESSIONS OPEN"));

    // After the lock, a sign-in is UNEXPLAINED (exit 5) and bg status names it.
    clock.advance(Duration.ofHours(1)); // 10:15
    graph.addSignIn(GraphTestServer.signIn("aaaaaaaa-0000-4000-8000-000000000002", clock.instant(), BG1_ID, BG1, 0,
        "198.51.100.7"));
    clock.advance(Duration.ofMinutes(5));
    CliRun.Run later = bg(withGraph("daemon", "once", "--json"));
    assertEquals(5, later.code(), later.err());
    assertEquals("UNEXPLAINED", JSON.readTree(later.out().lines().findFirst().orElseThrow()).get("verdict").asText());
    String status = ok("status").out();
    assertTrue(status.contains("UNEXPLAINED SIGN-INS SINCE THE LAST KIT REVIEW (1;"), status);
    assertTrue(status.contains("aaaaaaaa-0000-4000-8000-000000000002"), status);
    assertTrue(ok("ledger", "verify").out().startsWith("ledger OK:"));
  }

  // --- resuming, and refusals ---------------------------------------------------------------------

  @Test
  void interruptedUnlock_resumesTheOpenSessionWithoutAskingAgain() throws Exception {
    String[] args = {"unlock", "--identity", BG1, "--reason", "tenant lockout", "--by", "Alice", "--witness", "Bob",
        "--seal", "bg1-key=TB-1", "--seal", "bg1-share-1=TB-S1", "--skip-password"};
    Running first = run(args);
    first.authenticate(0, aliceKey);
    first.post(1, "error", "{\"name\":\"NotAllowedError\",\"message\":\"The operation either timed out or was not"
        + " allowed.\"}");
    CliRun.Run r1 = first.finish();
    assertEquals(1, r1.code(), r1.err());
    long session = sessionId(r1.out());
    assertTrue(ok("status").out().contains("UNLOCK SESSIONS OPEN (1;"));

    Running again = run(args);
    again.authenticate(0, bobKey); // only Bob is asked: Alice proved presence before the interruption
    again.authenticate(1, bg1Key);
    CliRun.Run r2 = again.finish();
    assertEquals(0, r2.code(), r2.err());
    List<String> out = withoutUrls(r2.out());
    assertTrue(out.get(0).startsWith("resuming unlock session " + session + " for " + BG1 + ": opened by Alice,"
        + " witness Bob at "), out.get(0));
    assertTrue(out.get(1).startsWith("presence proved: Bob "), out.get(1));
    assertTrue(out.get(2).startsWith("checked out bg1-key "), out.get(2));
    assertEquals(1, events("session-opened").size(), "one session, resumed");
    assertEquals(List.of("Alice", "Bob"), events("key-verified").stream().map(BgUnlockIT::details)
        .filter(d -> d.path("session").asLong() == session).map(d -> d.get("owner").asText()).toList());

    // Run once more: nothing left to do but the runbook; nothing is written.
    String head = ok("ledger", "head").out();
    CliRun.Run third = bg(args);
    assertEquals(0, third.code(), third.err());
    assertTrue(third.out().contains("quorum met already: Alice, Bob"), third.out());
    assertEquals(head, ok("ledger", "head").out());
  }

  @Test
  void quorumOfTheSameCustodianTwice_isRefusedBeforeAnythingIsWritten() {
    String head = ok("ledger", "head").out();
    CliRun.Run r = bg("unlock", "--identity", BG1, "--reason", "x", "--by", "Alice", "--witness", "alice",
        "--seal", "bg1-key=TB-1", "--seal", "bg1-share-1=TB-S1", "--skip-password", "--no-browser");
    assertEquals(1, r.code(), r.err());
    assertEquals("bg: error: custodian and witness must be two different people ('Alice' was given for both)",
        r.err().strip());
    assertEquals(head, ok("ledger", "head").out());
    assertFalse(r.out().contains("http://localhost:"), "no ceremony was started");
  }

  @Test
  void unlockWithoutATerminal_namesTheMissingOptionAndWritesNothing() {
    String head = ok("ledger", "head").out();
    CliRun.Run r = bg("unlock", "--identity", BG1, "--reason", "x", "--by", "Alice", "--witness", "Bob",
        "--seal", "bg1-key=TB-1", "--skip-password");
    assertEquals(2, r.code(), r.err());
    assertEquals("bg: error: no terminal to ask for the seal number on the bag of item 'bg1-share-1': give it with"
        + " --seal bg1-share-1=N", r.errLine());
    CliRun.Run typo = bg("unlock", "--identity", BG1, "--reason", "x", "--by", "Alice", "--witness", "Bob",
        "--seal", "bg1-key=TB-1", "--seal", "bg2-key=TB-7", "--skip-password");
    assertEquals(2, typo.code(), typo.err());
    assertEquals("bg: error: --seal names item 'bg2-key', which this step does not handle (it handles: bg1-key,"
        + " bg1-share-1)", typo.errLine());
    assertEquals(head, ok("ledger", "head").out());
  }

  @Test
  void drill_isReportedAsDrillAndLocksWithoutRotationWhenTheReasonIsGiven() throws Exception {
    Running d = run("drill", "--identity", BG1, "--by", "Alice", "--witness", "Bob", "--item", "bg1-key",
        "--seal", "bg1-key=TB-1", "--skip-password");
    d.authenticate(0, aliceKey);
    d.authenticate(1, bobKey);
    d.authenticate(2, bg1Key);
    CliRun.Run r = d.finish();
    assertEquals(0, r.code(), r.err());
    long session = sessionId(r.out());
    assertTrue(r.out().contains("opened unlock session " + session + " (DRILL) for " + BG1), r.out());
    assertTrue(r.out().contains("password not rebuilt (--skip-password)"), r.out());
    assertTrue(r.out().contains("sign-ins as DRILL, tied to session " + session), r.out());
    assertEquals("scheduled drill", events("session-opened").get(0).get("reason").asText());

    clock.advance(Duration.ofMinutes(5));
    graph.addSignIn(GraphTestServer.signIn("bbbbbbbb-0000-4000-8000-000000000001", clock.instant(), BG1_ID, BG1, 0,
        "203.0.113.5"));
    clock.advance(Duration.ofMinutes(5));
    CliRun.Run seen = bg(withGraph("daemon", "once", "--json"));
    assertEquals(0, seen.code(), seen.err());
    assertEquals("DRILL", JSON.readTree(seen.out().lines().findFirst().orElseThrow()).get("verdict").asText());

    Running lock = run("lock", "--session", Long.toString(session), "--new-seal", "bg1-key=TB-3", "--summary",
        "drill: signed in, read the audit log", "--no-rotate", "drill, the password was not revealed");
    lock.authenticate(0, bg1Key);
    CliRun.Run l = lock.finish();
    assertEquals(0, l.code(), l.err());
    assertTrue(l.out().contains("SUMMARY — unlock session " + session + " (DRILL) for " + BG1), l.out());
    assertTrue(l.out().contains("  done     drill: signed in, read the audit log [password NOT rotated: drill, the"
        + " password was not revealed]"), l.out());
    assertTrue(graph.requests().stream().noneMatch(q -> q.method().equals("PATCH")), "nothing set in Entra");
  }

  @Test
  void lock_refusesAReusedSealBeforeAnythingChanges_andResumesAfterAnInterruption() throws Exception {
    Running u = run("unlock", "--identity", BG1, "--reason", "x", "--by", "Alice", "--witness", "Bob",
        "--seal", "bg1-key=TB-1", "--seal", "bg1-share-1=TB-S1", "--skip-password");
    u.authenticate(0, aliceKey);
    u.authenticate(1, bobKey);
    u.authenticate(2, bg1Key);
    long session = sessionId(u.finish().out());
    String head = ok("ledger", "head").out();
    // The new seal of bg1-share-1 is its old one: refused before the key is touched or anything written.
    CliRun.Run reused = bg("lock", "--session", Long.toString(session), "--new-seal", "bg1-key=TB-2", "--new-seal",
        "bg1-share-1=TB-S1", "--summary", "x", "--no-rotate", "test", "--no-browser");
    assertEquals(1, reused.code(), reused.err());
    assertEquals("bg: error: new seal 'TB-S1' is the seal the item came out of: put it in a new tamper-evident bag"
        + " and give that bag's number", reused.err().strip());
    assertEquals(head, ok("ledger", "head").out());

    // Interrupted (the key ceremony fails): nothing went back, the session stays open, the next run finishes.
    Running lock = run("lock", "--session", Long.toString(session), "--new-seal", "bg1-key=TB-2", "--new-seal",
        "bg1-share-1=TB-S2", "--summary", "x", "--no-rotate", "test");
    lock.post(0, "error", "{\"name\":\"NotAllowedError\",\"message\":\"cancelled\"}");
    CliRun.Run l = lock.finish();
    assertEquals(1, l.code(), l.err());
    assertTrue(ok("status").out().contains("UNLOCK SESSIONS OPEN (1;"), "still open");
    Running again = run("lock", "--session", Long.toString(session), "--new-seal", "bg1-key=TB-2", "--new-seal",
        "bg1-share-1=TB-S2", "--summary", "x", "--no-rotate", "test");
    again.authenticate(0, bg1Key);
    CliRun.Run done = again.finish();
    assertEquals(0, done.code(), done.err());
    assertTrue(withoutUrls(done.out()).get(0).startsWith("checked in bg1-key, sealed in TB-2, key verified"),
        done.out());
    assertTrue(done.out().contains("  items    2 taken out (bg1-key, bg1-share-1), 2 back\n"), done.out());
  }

  @Test
  void lock_noRotateAfterTheSessionRevealedThePassword_isRefusedBeforeAnythingIsWritten() throws Exception {
    long session = unlockBoth("--share", shares.get(0).toString(), "--share", shares.get(1).toString(),
        "--password-to", tmp.resolve("pw.txt").toString());
    String head = ok("ledger", "head").out();

    CliRun.Run l = bg("lock", "--session", Long.toString(session), "--new-seal", "bg1-key=TB-2", "--new-seal",
        "bg1-share-1=TB-S2", "--summary", "done", "--no-rotate", "no time", "--no-browser", "--timeout", "30");

    assertEquals(1, l.code(), l.err());
    assertEquals("bg: error: the password of " + BG1 + " (version 1) was revealed in unlock session " + session
        + ": it must be rotated (--rotate-without-entra REASON if Entra cannot be reached), not left in force with"
        + " --no-rotate", l.errLine());
    assertEquals(head, ok("ledger", "head").out());
    assertFalse(l.out().contains("http://localhost:"), "no ceremony was started");
  }

  @Test
  void lock_rotateWithoutEntra_recordsTheReasonInTheSessionsRecord() throws Exception {
    long session = unlockBoth("--item", "bg1-share-1", "--skip-password");
    CliRun.Run l = bg("lock", "--session", Long.toString(session), "--new-seal", "bg1-share-1=TB-S2", "--summary",
        "done", "--out", tmp.resolve("v2").toString(), "--rotate-without-entra", "Graph outage, INC-10");

    assertEquals(0, l.code(), l.err());
    String closed = events("session-closed").get(0).get("reason").asText();
    assertTrue(closed.contains("Graph outage, INC-10"), "the reason is recorded: " + closed);
  }

  @Test
  void lock_byAnUnknownCustodian_isRefusedBeforeThePasswordIsRotated() throws Exception {
    long session = unlockBoth("--item", "bg1-share-1", "--skip-password");
    ok("checkin", "bg1-share-1", "--by", "Alice", "--witness", "Bob", "--new-seal", "TB-S2");
    String head = ok("ledger", "head").out();

    CliRun.Run l = bg("lock", "--session", Long.toString(session), "--by", "Mallory", "--summary", "done", "--out",
        tmp.resolve("v2").toString(), "--rotate-without-entra", "no Graph");

    assertEquals(1, l.code(), l.err());
    assertEquals("bg: error: unknown custodian 'Mallory': see 'bg custodian list'", l.errLine());
    assertEquals(head, ok("ledger", "head").out(), "no password-created by Mallory");
  }

  // --- helpers ----------------------------------------------------------------------------------

  private long unlockBoth(String... more) throws Exception {
    boolean shareOnly = List.of(more).contains("--item");
    List<String> a = new ArrayList<>(List.of("unlock", "--identity", BG1, "--reason", "x", "--by", "Alice",
        "--witness", "Bob", "--seal", "bg1-share-1=TB-S1"));
    if (!shareOnly) {
      a.addAll(List.of("--seal", "bg1-key=TB-1"));
    }
    a.addAll(List.of(more));
    Running u = run(a.toArray(String[]::new));
    u.authenticate(0, aliceKey);
    u.authenticate(1, bobKey);
    if (!shareOnly) {
      u.authenticate(2, bg1Key);
    }
    CliRun.Run r = u.finish();
    assertEquals(0, r.code(), r.err());
    return sessionId(r.out());
  }

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

  private PasswordRecord password(int version) throws Exception {
    try (Ledger l = Ledger.openReadOnly(home, clock)) {
      return l.passwords(BG1).stream().filter(p -> p.version() == version).findFirst().orElseThrow();
    }
  }

  private static List<Path> shareFiles(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
    }
  }

  private List<JsonNode> events(String type) throws IOException {
    JsonNode all = JSON.readTree(ok("log", "--json").out());
    return StreamSupport.stream(all.spliterator(), false).filter(e -> e.get("type").asText().equals(type)).toList();
  }

  /** An event's details, which {@code bg log --json} gives as the stored JSON text. */
  private static JsonNode details(JsonNode event) {
    try {
      return JSON.readTree(event.get("details").asText());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static long sessionId(String out) {
    for (String line : out.lines().toList()) {
      if (line.matches("(opened|resuming) unlock session \\d+.*")) {
        return Long.parseLong(line.replaceAll("^\\D+(\\d+).*$", "$1"));
      }
    }
    throw new AssertionError("no session in: " + out);
  }

  private static List<String> withoutUrls(String out) {
    return out.lines().filter(l -> !l.startsWith("http://localhost:")).toList();
  }

  private void register(SoftAuthenticator key, String... args) throws Exception {
    Running r = run(args);
    String url = r.url(0);
    String options = r.options(url);
    Answer a = r.post(url, "response", key.register(options, origin(url)));
    assertEquals("ok", a.outcome(), a.message());
    assertEquals(0, r.finish().code());
  }

  private static String origin(String url) {
    URI u = URI.create(url);
    return u.getScheme() + "://" + u.getHost() + ":" + u.getPort();
  }

  record Answer(int status, String outcome, String message) {}

  private Running run(String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.addAll(List.of("--no-browser", "--timeout", "30"));
    return new Running(a.toArray(String[]::new));
  }

  /**
   * A command on its own thread that may run several ceremonies one after another: each prints its
   * page's address alone on a line of standard output, and the test answers them in turn.
   */
  private final class Running {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final CompletableFuture<Integer> code = new CompletableFuture<>();

    Running(String... args) {
      CommandLine cl = Bg.newCommandLine(Map.of("BG_HOME", home.toString(), "USER", "tester"), clock);
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      Thread t = new Thread(() -> {
        try {
          code.complete(cl.execute(args));
        } catch (Throwable e) {
          code.completeExceptionally(e);
        }
      }, "bg " + String.join(" ", args));
      t.setDaemon(true);
      t.start();
    }

    /** The address of the {@code n}th ceremony (from 0); fails if the command ends first. */
    String url(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (System.nanoTime() < deadline) {
        List<String> urls = out.toString().lines().filter(l -> l.startsWith("http://localhost:")).toList();
        if (urls.size() > n) {
          return urls.get(n).strip();
        }
        if (code.isDone()) {
          fail("the command ended before ceremony " + n + ": exit " + code.join() + "\nout: " + out + "\nerr: " + err);
        }
        Thread.sleep(5);
      }
      throw new AssertionError("no ceremony " + n + " within 15 s\nout: " + out + "\nerr: " + err);
    }

    /** The stderr line printed just before ceremony {@code n}'s instructions. */
    String errLine(int n) {
      return err.toString().lines().filter(l -> l.startsWith("Quorum:") || l.startsWith("Item ")).toList().get(n);
    }

    String options(String url) throws Exception {
      HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create(url + "options")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      return JSON.readTree(r.body()).get("options").toString();
    }

    Answer post(String url, String what, String json) throws Exception {
      HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create(url + what))
              .header("Origin", origin(url)).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode o = JSON.readTree(r.body());
      return new Answer(r.statusCode(), o.path("outcome").asText(), o.path("message").asText());
    }

    Answer post(int n, String what, String json) throws Exception {
      try {
        return post(url(n), what, json);
      } catch (IOException e) {
        return new Answer(0, "cut", e.toString()); // the command may stop its server first
      }
    }

    /** The key answers ceremony {@code n}'s navigator.credentials.get(). */
    Answer authenticate(int n, SoftAuthenticator key) throws Exception {
      String url = url(n);
      Answer a = post(url, "response", key.authenticate(options(url), origin(url)));
      assertEquals("ok", a.outcome(), a.message() + "\nout: " + out + "\nerr: " + err);
      return a;
    }

    CliRun.Run finish() throws Exception {
      int c = code.get(60, TimeUnit.SECONDS);
      return new CliRun.Run(c, out.toString(), err.toString());
    }
  }
}
