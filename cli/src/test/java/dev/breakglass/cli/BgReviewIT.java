package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakglass.custody.fido.SoftAuthenticator;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.TestClock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bg review} run in-process against the real loopback page, as {@link BgKeyIT} runs the key
 * commands: the "browser" is {@link HttpClient} speaking the page's protocol and each security key
 * is a test {@link SoftAuthenticator}. The kit: two sealed fido2-key items with registered keys and
 * a sealed password envelope in a two-person safe, and a password split 2-of-3.
 */
class BgReviewIT {
  static final UUID YUBIKEY_5_NFC = UUID.fromString("2fc0579f-8113-47ea-b116-bb5a8db9202a");
  static final String PROMPT = "Open this address in a browser on this computer, press Start and touch the key:";
  static final String WAITING = "Waiting up to 30 s. The page works once; Ctrl-C cancels.";
  static final String UPN = "bg1@contoso.onmicrosoft.com";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  Path home;
  TestClock clock;
  final HttpClient browser = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  SoftAuthenticator key1;
  SoftAuthenticator key2;
  List<String> shares;

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    clock = new TestClock(Fixture.START);
    ok("init");
    ok("safe", "add", "hq-safe", "--location", "HQ");
    ok("custodian", "add", "Alice", "--contact", "+44 1");
    ok("custodian", "add", "Bob", "--contact", "+44 2");
    ok("identity", "add", "--user", UPN);
    ok("item", "add", "bg1-key", "--kind", "fido2-key", "--safe", "hq-safe", "--seal", "TB-1");
    ok("item", "add", "bg2-key", "--kind", "fido2-key", "--safe", "hq-safe", "--seal", "TB-2");
    ok("item", "add", "bg1-pw", "--kind", "password-envelope", "--safe", "hq-safe", "--seal", "TB-9");
    key1 = registered("bg1-key");
    key2 = registered("bg2-key");
    ok("password", "new", "--identity", UPN, "--shares", "2-of-3", "--out", tmp.resolve("s").toString());
    try (Stream<Path> s = Files.list(tmp.resolve("s"))) {
      shares = s.filter(p -> p.toString().endsWith(".txt")).sorted().map(Path::toString).toList();
    }
    assertEquals(3, shares.size());
    clock.advance(Duration.ofDays(1));
  }

  // --- helpers (as in BgKeyIT) ----------------------------------------------------------------------

  CliRun.Run bg(String... args) {
    return new CliRun(home, clock).bg(args);
  }

  CliRun.Run ok(String... args) {
    return new CliRun(home, clock).ok(args);
  }

  String head() {
    return ok("ledger", "head").out().strip();
  }

  long headSeq() {
    String head = head();
    return Long.parseLong(head.substring(0, head.indexOf(':')));
  }

  List<JsonNode> log() throws IOException {
    return StreamSupport.stream(JSON.readTree(ok("log", "--json").out()).spliterator(), false).toList();
  }

  List<JsonNode> kitReviews() throws IOException {
    return log().stream().filter(e -> e.get("type").asText().equals("kit-reviewed")).toList();
  }

  static JsonNode details(JsonNode event) throws IOException {
    return JSON.readTree(event.get("details").asText());
  }

  /** The page's answer to a POST: HTTP status and the {outcome, message} it shows. */
  record Answer(int status, String outcome, String message) {}

  /**
   * A command running on its own thread while the "browser" works its pages; a review prints one
   * address per key, each alone on a line of standard output.
   */
  final class Running {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final CompletableFuture<Integer> code = new CompletableFuture<>();

    Running(String... args) {
      List<String> a = new ArrayList<>(List.of(args));
      a.addAll(List.of("--no-browser", "--timeout", "30"));
      CommandLine cl = Bg.newCommandLine(Map.of("BG_HOME", home.toString(), "USER", "tester"), clock);
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      Thread t = new Thread(() -> {
        try {
          code.complete(cl.execute(a.toArray(String[]::new)));
        } catch (Throwable e) {
          code.completeExceptionally(e);
        }
      }, "bg " + String.join(" ", args));
      t.setDaemon(true);
      t.start();
    }

    /** The {@code n}th address printed (from 1); fails if the command ends without it. */
    String url(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        List<String> urls = out.toString().lines().filter(l -> l.startsWith("http://localhost:")).toList();
        if (urls.size() >= n) {
          return urls.get(n - 1).strip();
        }
        if (code.isDone()) {
          fail("the command ended without address " + n + ": exit " + code.join() + "\nout: " + out + "\nerr: " + err);
        }
        Thread.sleep(5);
      }
      throw new AssertionError("no address " + n + " within 10 s\nout: " + out + "\nerr: " + err);
    }

    /** The {@code n}th page, answered by {@code key} as navigator.credentials.get() would. */
    Answer authenticate(int n, SoftAuthenticator key) throws Exception {
      String url = url(n);
      URI u = URI.create(url);
      String origin = u.getScheme() + "://" + u.getHost() + ":" + u.getPort();
      HttpResponse<String> page = browser.send(HttpRequest.newBuilder(URI.create(url + "options")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode(), page.body());
      String options = JSON.readTree(page.body()).get("options").toString();
      HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create(url + "response"))
              .header("Origin", origin)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(key.authenticate(options, origin))).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode o = JSON.readTree(r.body());
      return new Answer(r.statusCode(), o.path("outcome").asText(), o.path("message").asText());
    }

    CliRun.Run finish() throws Exception {
      int c = code.get(30, TimeUnit.SECONDS);
      return new CliRun.Run(c, out.toString(), err.toString());
    }
  }

  SoftAuthenticator registered(String item) throws Exception {
    SoftAuthenticator key = SoftAuthenticator.none(YUBIKEY_5_NFC);
    Running c = new Running("key", "register", item, "--by", "Alice", "--witness", "Bob");
    String url = c.url(1);
    URI u = URI.create(url);
    String origin = u.getScheme() + "://" + u.getHost() + ":" + u.getPort();
    HttpResponse<String> page = browser.send(HttpRequest.newBuilder(URI.create(url + "options")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    String options = JSON.readTree(page.body()).get("options").toString();
    HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create(url + "response"))
            .header("Origin", origin)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(key.register(options, origin))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals("ok", JSON.readTree(r.body()).path("outcome").asText(), r.body());
    CliRun.Run done = c.finish();
    assertEquals(0, done.code(), done.err());
    return key;
  }

  /** The three seals, read correctly. */
  static final String[] SEALS = {"--seal", "bg1-key=TB-1", "--seal", "bg2-key=TB-2", "--seal", "bg1-pw=TB-9"};

  static String[] review(String... more) {
    List<String> a = new ArrayList<>(List.of("review", "--by", "Alice", "--witness", "Bob"));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  static String[] with(String[] a, String... b) {
    List<String> all = new ArrayList<>(List.of(a));
    all.addAll(List.of(b));
    return all.toArray(String[]::new);
  }

  // --- a review that passes -------------------------------------------------------------------------

  @Test
  void review_allSealsKeysAndShares_recordsAPassingKitReview() throws Exception {
    long b = headSeq();
    Running r = new Running(with(review(SEALS), "--shares", shares.get(0), shares.get(2), "--note", "H1 review"));
    assertEquals("ok", r.authenticate(1, key1).outcome());
    Answer second = r.authenticate(2, key2);
    assertEquals(new Answer(200, "ok", "Verified the key of item 'bg2-key': signature counter 2 (advanced), event "
        + (b + 6) + ". The review goes on in the terminal."), second);
    CliRun.Run run = r.finish();
    assertEquals(0, run.code(), run.err());
    String head = head();
    assertEquals((b + 7) + ":", head.substring(0, head.indexOf(':') + 1));
    assertEquals(List.of(
        "posture: not checked (--posture)",
        "password of " + UPN + ": the shares rebuild version 1",
        "seal of 'bg1-key': TB-1 matches, event " + (b + 2),
        "seal of 'bg1-pw': TB-9 matches, event " + (b + 3),
        "seal of 'bg2-key': TB-2 matches, event " + (b + 4),
        r.url(1),
        "key of 'bg1-key': counter 2 (was 1, advanced), event " + (b + 5),
        r.url(2),
        "key of 'bg2-key': counter 2 (was 1, advanced), event " + (b + 6),
        "CA and certificates: nothing expiring within 30 days, none of a revoked CA",
        "sign-ins: 0 UNEXPLAINED so far (first review)",
        "key alarms: 0 recorded so far (first review)",
        "review recorded as event " + (b + 7) + " (head " + head + "): pass"), run.out().lines().toList());
    assertEquals(List.of("Key 1 of 2: item 'bg1-key'", PROMPT, WAITING, "Key 2 of 2: item 'bg2-key'", PROMPT,
        WAITING), run.err().lines().toList());

    List<JsonNode> log = log();
    assertEquals(List.of("password-verified", "item-reviewed", "item-reviewed", "item-reviewed", "key-verified",
        "key-verified", "kit-reviewed"), log.stream().skip(b).map(e -> e.get("type").asText()).toList());
    JsonNode kit = log.get(log.size() - 1);
    assertEquals("Alice", kit.get("actor").asText());
    assertEquals("Bob", kit.get("witness").asText());
    assertEquals("H1 review", kit.get("reason").asText());
    assertEquals("{\"outcome\":\"pass\",\"keysVerified\":2,\"sealsChecked\":3,\"passwordChecked\":\"" + UPN
        + " version 1\",\"caFindings\":0,\"posture\":\"not checked\",\"unexplainedSignIns\":0,\"keyAlarms\":0,"
        + "\"findings\":0,\"findingsText\":\"\"}", details(kit).toString());
    assertEquals(0, bg("ledger", "verify").code());
  }

  // --- refusals before anything is written ----------------------------------------------------------

  @Test
  void review_wrongSeal_isRefusedBeforeAnyKeyIsAskedForOrAnythingWritten() throws Exception {
    Files.delete(home.resolve(".ceremony.lock")); // left by the registrations; a ceremony would create it again
    long b = headSeq();
    CliRun.Run r = bg(review("--seal", "bg1-key=TB-1", "--seal", "bg2-key=TB-3", "--seal", "bg1-pw=TB-9",
        "--no-browser", "--timeout", "5"));
    assertEquals(ExitCodes.FAILED, r.code(), r.err());
    assertEquals(List.of("bg: error: seal 'TB-3' does not match the seal on record for item 'bg2-key': re-read the"
        + " bag; if it was opened or replaced, record why with --seal-broken REASON"), r.err().lines().toList());
    assertEquals("", r.out()); // no address: nobody was asked to touch a key
    assertFalse(Files.exists(home.resolve(".ceremony.lock")), "a ceremony server was started");
    assertEquals(b, headSeq());
    assertEquals(List.of(), kitReviews());
  }

  @Test
  void review_sealNotGivenWithoutATerminal_isAUsageErrorNamingItemAndFlag() throws Exception {
    long b = headSeq();
    CliRun.Run r = bg(review("--seal", "bg1-key=TB-1", "--seal", "bg2-key=TB-2", "--no-browser"));
    assertEquals(ExitCodes.USAGE, r.code(), r.err());
    assertEquals(List.of("bg: error: sealed item 'bg1-pw' has no seal reading: read its bag and give --seal bg1-pw=N"
        + " (or --seal-broken ITEM=REASON)", "bg: hint: see 'bg review --help'"), r.err().lines().toList());
    assertEquals("", r.out());
    assertEquals(b, headSeq());

    CliRun.Run none = bg(review("--no-browser"));
    assertEquals(ExitCodes.USAGE, none.code(), none.err());
    assertEquals("bg: error: sealed items 'bg1-key', 'bg1-pw', 'bg2-key' have no seal reading: read each bag and give"
        + " --seal bg1-key=N --seal bg1-pw=N --seal bg2-key=N (or --seal-broken ITEM=REASON)", none.errLine());
    assertEquals(b, headSeq());
  }

  @Test
  void review_sameCustodianAsByAndWitness_isRefused() throws Exception {
    long b = headSeq();
    CliRun.Run r = bg("review", "--by", "Alice", "--witness", "alice", "--seal", "bg1-key=TB-1", "--no-browser");
    assertEquals(ExitCodes.FAILED, r.code(), r.err());
    assertEquals(List.of("bg: error: custodian and witness must be two different people ('Alice' was given for"
        + " both)"), r.err().lines().toList());
    assertEquals("", r.out());

    CliRun.Run alone = bg("review", "--by", "Alice", "--no-browser");
    assertEquals(ExitCodes.FAILED, alone.code(), alone.err());
    assertEquals(List.of("bg: error: a review needs two people: name a second custodian with --witness"),
        alone.err().lines().toList());
    assertEquals(b, headSeq());
    assertEquals(List.of(), kitReviews());
  }

  @Test
  void review_flagNamingAnUnknownItem_isRefused() {
    long b = headSeq();
    CliRun.Run r = bg(with(review(SEALS), "--skip-key", "bg9-key=lost", "--no-browser"));
    assertEquals(ExitCodes.FAILED, r.code(), r.err());
    assertEquals(List.of("bg: error: --skip-key bg9-key=…: unknown item 'bg9-key': see 'bg item list'"),
        r.err().lines().toList());
    CliRun.Run envelope = bg(with(review(SEALS), "--skip-key", "bg1-pw=no key", "--no-browser"));
    assertEquals(ExitCodes.USAGE, envelope.code(), envelope.err());
    assertEquals("bg: error: --skip-key bg1-pw: the item has no registered key to verify (it is a"
        + " password-envelope); drop the flag", envelope.errLine());
    assertEquals(b, headSeq());
  }

  // --- findings -------------------------------------------------------------------------------------

  @Test
  void review_keyUsedInItsSafe_isAnAlarmFindingExit4AndTheReviewIsRecorded() throws Exception {
    Running baseline = new Running("key", "verify", "bg2-key", "--by", "Alice", "--witness", "Bob");
    baseline.authenticate(1, key2);
    assertEquals(0, baseline.finish().code()); // counter 2 on record, in its safe
    key2.counter(key2.counter() + 5); // five signatures while sealed away
    long b = headSeq();

    Running r = new Running(review(SEALS));
    assertEquals("ok", r.authenticate(1, key1).outcome());
    assertEquals(new Answer(200, "ok", "ALARM: Verified the key of item 'bg2-key': signature counter 8"
        + " (used-in-safe), event " + (b + 6) + ". The review goes on in the terminal."), r.authenticate(2, key2));
    CliRun.Run run = r.finish();
    assertEquals(ExitCodes.KEY_ALARM, run.code(), run.err());
    String head = head();
    String finding = "ALARM: key of 'bg2-key': signature counter moved from 2 to 8 while the key was in its safe: it"
        + " signed 5 time(s) there (alarm event " + (b + 5) + ")";
    List<String> out = run.out().lines().toList();
    assertEquals(List.of(
        "key of 'bg1-key': counter 2 (was 1, advanced), event " + (b + 4),
        r.url(2),
        "key of 'bg2-key': ALARM counter 8 (was 2, used-in-safe), event " + (b + 6),
        "CA and certificates: nothing expiring within 30 days, none of a revoked CA",
        "sign-ins: 0 UNEXPLAINED so far (first review)",
        "key alarms: 1 recorded so far (first review), 1 of them by this review",
        "review recorded as event " + (b + 7) + " (head " + head + "): 1 finding",
        "- " + finding), out.subList(out.size() - 8, out.size()));
    assertEquals(List.of("bg: ALARM: a key alarm was raised during the review (see the findings); see the custodian"
        + " guide, 'Key alarms'"), run.err().lines().filter(l -> l.startsWith("bg:")).toList());

    List<JsonNode> kit = kitReviews();
    assertEquals(1, kit.size());
    JsonNode d = details(kit.get(0));
    assertEquals("findings", d.get("outcome").asText());
    assertEquals(2, d.get("keysVerified").asLong());
    assertEquals(1, d.get("keyAlarms").asLong());
    assertEquals(1, d.get("findings").asLong());
    assertEquals(finding, d.get("findingsText").asText());
    assertEquals("not requested", d.get("passwordChecked").asText());
  }

  @Test
  void review_keysSkippedAndSealBroken_recordsFindingsWithoutACeremony_json() throws Exception {
    long b = headSeq();
    CliRun.Run r = bg(review("--seal", "bg1-key=TB-1", "--seal", "bg2-key=TB-2", "--seal-broken",
        "bg1-pw=bag slit along the bottom", "--skip-key", "bg1-key=at the branch office", "--skip-key",
        "bg2-key=at the branch office", "--json", "--no-browser"));
    assertEquals(ExitCodes.FAILED, r.code(), r.err());
    assertEquals("", r.err());
    JsonNode o = JSON.readTree(r.out());
    assertEquals(b + 4, o.get("event").asLong());
    assertEquals("findings", o.get("outcome").asText());
    assertEquals(0, o.get("keysVerified").asLong());
    assertEquals(3, o.get("sealsChecked").asLong());
    assertEquals(3, o.get("findings").asLong());
    List<String> findings = List.of(
        "seal of 'bg1-pw' recorded as broken: bag slit along the bottom (event " + (b + 2) + ")",
        "key of 'bg1-key' not verified: at the branch office",
        "key of 'bg2-key' not verified: at the branch office");
    assertEquals(findings, StreamSupport.stream(o.get("findingLines").spliterator(), false).map(JsonNode::asText)
        .toList());
    JsonNode d = details(kitReviews().get(0));
    assertEquals(String.join("; ", findings), d.get("findingsText").asText());
    assertEquals(0, d.get("keysVerified").asLong());
  }

  @Test
  void help_documentsTheExitCodesOfAReview() {
    String help = ok("review", "--help").out().replaceAll("\\s+", " ");
    assertTrue(help.contains("Exit 0: the review passed. Exit 1: recorded with findings (or refused). Exit 4:"
        + " recorded, and a key alarm was raised"), help);
    assertTrue(help.contains("review.interval-days"), help);
  }
}
