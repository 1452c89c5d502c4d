package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The key ceremonies of {@code bg key}, {@code bg custodian enrol} and {@code --verify-key}, run
 * in-process against the real loopback page. The "browser" is {@link HttpClient} speaking the page's
 * protocol (GET options, POST response or error, as ceremony.js does), and the security key is the
 * test {@link SoftAuthenticator}, whose signature counter the tests set to stage clones and use in
 * the safe. {@link KeyCeremonyBrowserIT} runs the same page in real Chromium.
 */
class BgKeyIT {
  /** YubiKey 5 NFC / 5C NFC (firmware 5.2, 5.4), as the soft key claims to be. */
  static final UUID YUBIKEY_5_NFC = UUID.fromString("2fc0579f-8113-47ea-b116-bb5a8db9202a");
  static final String YUBIKEY_5_NFC_NAME = "YubiKey 5 NFC / 5C NFC (firmware 5.2, 5.4)";
  static final String PROMPT = "Open this address in a browser on this computer, press Start and touch the key:";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  Path home;
  TestClock clock;
  final HttpClient browser = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void setUp() {
    home = tmp.resolve("home");
    clock = new TestClock(Fixture.START);
    ok("init");
    ok("safe", "add", "hq-safe", "--location", "HQ");
    ok("custodian", "add", "Alice", "--contact", "+44 1");
    ok("custodian", "add", "Bob", "--contact", "+44 2");
    ok("item", "add", "bg1-key", "--kind", "fido2-key", "--safe", "hq-safe", "--seal", "TB-1");
  }

  // --- helpers ------------------------------------------------------------------------------------

  CliRun.Run bg(String... args) {
    return new CliRun(home, clock).bg(args);
  }

  CliRun.Run ok(String... args) {
    return new CliRun(home, clock).ok(args);
  }

  long headSeq() {
    String head = ok("ledger", "head").out().strip();
    return Long.parseLong(head.substring(0, head.indexOf(':')));
  }

  /** What a command wrote to stderr after the ceremony's own prompt: its {@code bg: …} lines. */
  static List<String> bgLines(CliRun.Run r) {
    return r.err().lines().filter(l -> l.startsWith("bg:")).toList();
  }

  /** A table row's cells (columns are two or more spaces apart). */
  static List<String> cells(String row) {
    return List.of(row.strip().split(" {2,}"));
  }

  /** The page's answer to a POST: HTTP status and the {outcome, message} it shows. */
  record Answer(int status, String outcome, String message) {}

  /**
   * A ceremony command running on its own thread, as a custodian's terminal would run it while the
   * browser works: its standard output is read while it runs, for the page's address.
   */
  final class Ceremony {
    final StringWriter out = new StringWriter(); // StringBuffer inside: safe to read while written
    final StringWriter err = new StringWriter();
    final CompletableFuture<Integer> code = new CompletableFuture<>();

    Ceremony(String... args) {
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

    /** The address the command printed alone on a line; fails if it ends without one. */
    String url() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        for (String line : out.toString().split("\n")) {
          if (line.startsWith("http://localhost:")) {
            return line.strip();
          }
        }
        if (code.isDone()) {
          fail("the command ended without an address: exit " + code.join() + "\nout: " + out + "\nerr: " + err);
        }
        Thread.sleep(5);
      }
      throw new AssertionError("no address within 10 s\nout: " + out + "\nerr: " + err);
    }

    /** {@code http://localhost:PORT}, the origin the page posts from. */
    String origin() throws InterruptedException {
      URI u = URI.create(url());
      return u.getScheme() + "://" + u.getHost() + ":" + u.getPort();
    }

    /** GET {url}options, as the page's load() does. */
    JsonNode page() throws Exception {
      HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create(url() + "options")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      return JSON.readTree(r.body());
    }

    /** The WebAuthn options the page would hand navigator.credentials ({"publicKey": …}). */
    String options() throws Exception {
      return page().get("options").toString();
    }

    /** POST {url}response or {url}error with the page's headers. */
    Answer post(String what, String json) throws Exception {
      HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create(url() + what))
              .header("Origin", origin())
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode o = JSON.readTree(r.body());
      return new Answer(r.statusCode(), o.path("outcome").asText(), o.path("message").asText());
    }

    /** As {@link #post}, but empty when the command stopped its server before the page had its answer. */
    Optional<Answer> postMayBeCut(String what, String json) throws Exception {
      try {
        return Optional.of(post(what, json));
      } catch (IOException e) {
        return Optional.empty();
      }
    }

    /** The key answers navigator.credentials.create(). */
    Answer register(SoftAuthenticator key) throws Exception {
      return post("response", key.register(options(), origin()));
    }

    /** The key answers navigator.credentials.get(). */
    Answer authenticate(SoftAuthenticator key) throws Exception {
      return post("response", key.authenticate(options(), origin()));
    }

    CliRun.Run finish() throws Exception {
      int c = code.get(30, TimeUnit.SECONDS);
      return new CliRun.Run(c, out.toString(), err.toString());
    }
  }

  /** Starts a ceremony command; never opens a real browser, and never waits long. */
  Ceremony ceremony(String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.addAll(List.of("--no-browser", "--timeout", "30"));
    return new Ceremony(a.toArray(String[]::new));
  }

  SoftAuthenticator registered() throws Exception {
    SoftAuthenticator key = SoftAuthenticator.none(YUBIKEY_5_NFC);
    Ceremony c = ceremony("key", "register", "bg1-key", "--by", "Alice", "--witness", "Bob");
    Answer a = c.register(key);
    assertEquals("ok", a.outcome(), a.message());
    CliRun.Run r = c.finish();
    assertEquals(0, r.code(), r.err());
    return key;
  }

  CliRun.Run verified(SoftAuthenticator key) throws Exception {
    Ceremony c = ceremony("key", "verify", "bg1-key", "--by", "Alice", "--witness", "Bob");
    c.authenticate(key);
    return c.finish();
  }

  List<JsonNode> log() throws IOException {
    JsonNode events = JSON.readTree(ok("log", "--json").out());
    return StreamSupport.stream(events.spliterator(), false).toList();
  }

  // --- 1. register, list, show, verify -------------------------------------------------------------

  @Test
  void register_thenListShowAndVerify() throws Exception {
    SoftAuthenticator key = SoftAuthenticator.none(YUBIKEY_5_NFC);
    assertTrue(ok("status").out().contains("\nFIDO2 KEYS NOT REGISTERED (cannot be verified: bg key register ITEM)\n"
        + "ITEM     SAFE\nbg1-key  hq-safe\n"), ok("status").out());
    long before = headSeq();
    Ceremony c = ceremony("key", "register", "bg1-key", "--by", "Alice", "--witness", "Bob");
    String url = c.url();
    assertTrue(url.matches("http://localhost:\\d+/c/[A-Za-z0-9_-]{22}/"), url);
    JsonNode page = c.page();
    assertEquals("create", page.get("kind").asText());
    assertEquals("Register a security key for item 'bg1-key'", page.get("title").asText());
    assertEquals("Insert the break-glass key of item 'bg1-key', press Start and touch it.",
        page.get("instructions").asText());
    assertEquals("localhost", page.at("/options/publicKey/rp/id").asText());

    Answer a = c.register(key);
    assertEquals(new Answer(200, "ok", "Registered " + YUBIKEY_5_NFC_NAME + " for item 'bg1-key' (event "
        + (before + 1) + "). You can close this page."), a);
    CliRun.Run r = c.finish();
    assertEquals(0, r.code(), r.err());
    String credential = key.lastCredentialId().getBase64Url();
    List<String> out = r.out().lines().toList();
    assertEquals(url, out.get(0));
    assertTrue(out.get(1).startsWith("registered key " + credential + " (" + YUBIKEY_5_NFC_NAME + ", AAGUID "
        + YUBIKEY_5_NFC + ", attestation untrusted (none), counter 1) for item 'bg1-key', event " + (before + 1)
        + " (head " + (before + 1) + ":"), out.get(1));
    assertEquals("next: seal the key and record its baseline with 'bg key verify bg1-key'", out.get(2));
    assertEquals(List.of(PROMPT, "Waiting up to 30 s. The page works once; Ctrl-C cancels.",
        "bg: warning: the key sent no attestation: the model "
            + YUBIKEY_5_NFC_NAME + " (AAGUID " + YUBIKEY_5_NFC + ") is the key's own claim; it is recorded as"
            + " untrusted"), r.err().lines().toList());

    List<String> table = ok("key", "list").out().lines().toList();
    assertEquals(2, table.size(), String.join("\n", table));
    assertTrue(table.get(0).matches("OWNER +MODEL +AAGUID +ATTESTATION +COUNTER +LAST VERIFIED +ALARMS"),
        table.get(0));
    assertEquals(List.of("item 'bg1-key'", YUBIKEY_5_NFC_NAME, YUBIKEY_5_NFC.toString(), "untrusted (none)", "1", "-",
        "0"), cells(table.get(1)));

    JsonNode keys = JSON.readTree(ok("key", "list", "--json").out());
    assertEquals(1, keys.size());
    JsonNode k = keys.get(0);
    assertEquals(credential, k.get("credentialId").asText());
    assertEquals("item", k.get("ownerKind").asText());
    assertEquals("bg1-key", k.get("owner").asText());
    assertEquals(YUBIKEY_5_NFC.toString(), k.get("aaguid").asText());
    assertEquals(YUBIKEY_5_NFC_NAME, k.get("model").asText());
    assertEquals("none", k.get("attestationFormat").asText());
    assertFalse(k.get("attestationTrusted").asBoolean());
    assertEquals("[\"usb\"]", k.get("transports").toString());
    assertEquals(1, k.get("signCount").asLong());
    assertTrue(k.get("lastVerified").isNull());
    assertEquals(before + 1, k.get("registeredEvent").asLong());

    assertFalse(ok("status").out().contains("FIDO2 KEYS NOT REGISTERED"), ok("status").out());
    assertTrue(ok("key", "show", "bg1-key").out().contains(
        "\nin safe since  - (not verified in its safe since it was registered or last out)\n"));

    clock.advance(Duration.ofMinutes(1));
    CliRun.Run v = verified(key);
    assertEquals(0, v.code(), v.err());
    assertTrue(v.out().contains("\nverified key of item 'bg1-key': counter 2 (was 1, advanced), event " + (before + 2)
        + " (head " + (before + 2) + ":"), v.out());
    assertEquals(List.of(), bgLines(v));

    List<String> show = ok("key", "show", "bg1-key").out().lines().toList();
    assertTrue(show.contains("counter        2"), String.join("\n", show));
    assertTrue(show.contains("in safe since  verification at event " + (before + 2)), String.join("\n", show));
    int history = show.indexOf(show.stream().filter(l -> l.startsWith("EVENT")).findFirst().orElseThrow());
    assertTrue(show.get(history).matches("EVENT +TIME +COUNTER +VERDICT"), show.get(history));
    assertEquals(List.of(List.of(Long.toString(before + 1), "2026-11-25T09:00:00.000Z", "1", "registered"),
            List.of(Long.toString(before + 2), "2026-11-25T09:01:00.000Z", "2", "advanced")),
        show.subList(history + 1, show.size()).stream().map(BgKeyIT::cells).toList());

    JsonNode shown = JSON.readTree(ok("key", "show", "bg1-key", "--json").out());
    assertEquals(2, shown.get(0).get("counters").size());
    assertEquals("advanced", shown.get(0).at("/counters/1/verdict").asText());
    assertEquals(before + 2, shown.get(0).at("/key/inSafeSinceEvent").asLong());
    assertEquals(0, bg("ledger", "verify").code());
  }

  // --- 2. a counter that went backwards -------------------------------------------------------------

  @Test
  void verify_counterWentBack_refusesWithAlarmAndExit4() throws Exception {
    SoftAuthenticator key = registered();
    key.counter(41);
    assertEquals(0, verified(key).code()); // counter 42 on record
    long before = headSeq();

    key.counter(5); // a clone, or a key restored to an earlier counter
    Ceremony c = ceremony("key", "verify", "bg1-key", "--by", "Alice", "--witness", "Bob");
    Answer a = c.authenticate(key);
    String alarm = "ALARM: the key of item 'bg1-key' reported signature counter 6, not above 42 on record: the"
        + " credential may have been cloned. Refused; alarm recorded as event " + (before + 1) + ". Keep the key apart and follow"
        + " the custodian guide (key alarms)";
    assertEquals(new Answer(200, "failed", alarm), a);
    CliRun.Run r = c.finish();
    assertEquals(ExitCodes.KEY_ALARM, r.code(), r.err());
    assertEquals(List.of("bg: error: " + alarm), bgLines(r));
    assertFalse(r.out().contains("verified key"), r.out());

    assertEquals(before + 1, headSeq());
    List<JsonNode> log = log();
    JsonNode last = log.get(log.size() - 1);
    assertEquals("key-alarm", last.get("type").asText());
    assertEquals(before + 1, last.get("seq").asLong());
    assertEquals("bg1-key", last.get("item").asText());
    assertEquals("Alice", last.get("actor").asText());
    JsonNode d = JSON.readTree(last.get("details").asText());
    assertEquals("counter-regressed", d.get("verdict").asText());
    assertEquals(42, d.get("storedCount").asLong());
    assertEquals(6, d.get("presentedCount").asLong());

    List<String> status = ok("status").out().lines().toList();
    int at = status.indexOf("KEY ALARMS (1; each needs an investigation, see the custodian guide)");
    assertTrue(at >= 0, String.join("\n", status));
    assertTrue(status.get(at + 1).matches("EVENT +TIME \\(UTC\\) +OWNER +ALARM +COUNTER +MEANING"),
        status.get(at + 1));
    assertEquals(List.of(Long.toString(before + 1), "2026-11-25T09:00:00.000Z", "item 'bg1-key'", "counter-regressed",
        "42 -> 6", "possible clone; refused"), cells(status.get(at + 2)));
    JsonNode k = JSON.readTree(ok("key", "list", "--json").out()).get(0);
    assertEquals(42, k.get("signCount").asLong()); // the clone's counter was not taken
    assertEquals(1, k.get("alarms").asLong());
    assertEquals(0, bg("ledger", "verify").code());
  }

  // --- 3. used in its safe --------------------------------------------------------------------------

  @Test
  void checkoutWithVerifyKey_counterMovedInSafe_recordsCheckoutAndAlarmWithExit4() throws Exception {
    SoftAuthenticator key = registered();
    assertEquals(0, verified(key).code()); // baseline: counter 2, item in its safe
    key.counter(key.counter() + 5); // five signatures while sealed away
    long before = headSeq();

    clock.advance(Duration.ofMinutes(5));
    Ceremony c = ceremony("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason", "lockout",
        "--ticket", "INC-7", "--seal", "TB-1", "--verify-key");
    assertEquals("get", c.page().get("kind").asText());
    Answer a = c.authenticate(key);
    assertEquals(new Answer(200, "ok", "ALARM: the key's signature counter moved while it was in its safe; alarm"
        + " recorded (event " + (before + 1) + "), see the terminal. The key is item 'bg1-key's registered key;"
        + " item-checked-out recorded as event " + (before + 2) + ". You can close this page."), a);
    CliRun.Run r = c.finish();
    assertEquals(ExitCodes.KEY_ALARM, r.code(), r.err());
    List<String> out = r.out().lines().toList();
    assertTrue(out.get(1).startsWith("checked out 'bg1-key' to Alice, witness Bob at 2026-11-25T09:05:00.000Z, event "
        + (before + 2) + " (head " + (before + 2) + ":"), out.get(1));
    assertEquals("key verified: counter 8 (was 2, used-in-safe)", out.get(2));
    assertEquals(List.of("bg: ALARM: item 'bg1-key': the key's signature counter moved from 2 to 8 while it was in"
        + " its safe: it signed 5 time(s) there. Alarm recorded (event " + (before + 1) + "); see the custodian"
        + " guide, 'Key alarms'"), bgLines(r));

    List<JsonNode> log = log();
    assertEquals("key-alarm", log.get(log.size() - 2).get("type").asText());
    assertEquals("item-checked-out", log.get(log.size() - 1).get("type").asText());
    String status = ok("status").out();
    assertTrue(status.startsWith("1 item(s): 1 out,"), status);
    assertTrue(status.contains("KEY ALARMS (1; each needs an investigation, see the custodian guide)\n"), status);
    List<List<String>> rows = status.lines().map(BgKeyIT::cells).toList();
    assertTrue(rows.contains(List.of(Long.toString(before + 1), "2026-11-25T09:05:00.000Z", "item 'bg1-key'",
        "used-in-safe", "2 -> 8", "used 5 time(s) while in the safe")), status);
    assertTrue(status.contains("OUT OF THE SAFE\n"), status);
    assertTrue(rows.contains(List.of("bg1-key", "Alice", "Bob", "2026-11-25T09:05:00.000Z", "lockout", "INC-7",
        Long.toString(before + 2))), status);
    assertEquals(0, bg("ledger", "verify").code());
  }

  @Test
  void verify_counterMovedInSafe_recordsVerificationAndAlarmWithExit4() throws Exception {
    SoftAuthenticator key = registered();
    assertEquals(0, verified(key).code()); // baseline: counter 2
    key.counter(key.counter() + 2);
    long before = headSeq();

    Ceremony c = ceremony("key", "verify", "bg1-key", "--by", "Alice", "--witness", "Bob");
    Answer a = c.authenticate(key);
    assertEquals(new Answer(200, "ok", "ALARM: Verified the key of item 'bg1-key': signature counter 5"
        + " (used-in-safe), event " + (before + 2) + "."), a);
    CliRun.Run r = c.finish();
    assertEquals(ExitCodes.KEY_ALARM, r.code(), r.err());
    assertTrue(r.out().contains("\nverified key of item 'bg1-key': counter 5 (was 2, used-in-safe), event "
        + (before + 2) + " (head "), r.out());
    assertEquals(List.of("bg: ALARM: item 'bg1-key': signature counter moved from 2 to 5 while the key was in its"
        + " safe: it signed 2 time(s) there. Alarm recorded (event " + (before + 1) + "); see the custodian guide,"
        + " 'Key alarms'"), bgLines(r));
    assertEquals(List.of("key-alarm", "key-verified"), log().stream().skip(before).map(e -> e.get("type").asText())
        .toList());
    // The verification is the new baseline: the next touch in the safe is one step, no alarm.
    CliRun.Run again = verified(key);
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("counter 6 (was 5, advanced)"), again.out());
  }

  // --- 4. used while out, checked back in -----------------------------------------------------------

  @Test
  void checkinWithVerifyKey_afterUseWhileOut_advancesAndSetsTheBaseline() throws Exception {
    SoftAuthenticator key = registered();
    // Without --verify-key an item whose key is registered is refused, unless the reason is recorded.
    CliRun.Run plain = bg("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason", "lockout", "--seal",
        "TB-1");
    assertEquals(ExitCodes.FAILED, plain.code());
    assertEquals("bg: error: item 'bg1-key' holds a registered security key: prove it is that key with --verify-key,"
        + " or record why it cannot be checked now with --skip-key-check REASON", plain.errLine());
    CliRun.Run both = bg("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason", "lockout", "--seal",
        "TB-1", "--verify-key", "--skip-key-check", "x");
    assertEquals(ExitCodes.USAGE, both.code());
    assertEquals("bg: error: --verify-key and --skip-key-check exclude each other: give one", both.errLine());
    ok("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason", "lockout", "--seal", "TB-1",
        "--skip-key-check", "laptop without a browser");
    assertTrue(ok("log", "--json").out().contains("laptop without a browser"));
    key.counter(key.counter() + 3); // signed in to Entra three times: what it was taken out for
    long before = headSeq();

    Ceremony c = ceremony("checkin", "bg1-key", "--by", "Bob", "--witness", "Alice", "--new-seal", "TB-2",
        "--verify-key");
    Answer a = c.authenticate(key);
    assertEquals("ok", a.outcome(), a.message());
    CliRun.Run r = c.finish();
    assertEquals(0, r.code(), r.err());
    List<String> out = r.out().lines().toList();
    assertTrue(out.get(1).startsWith("checked in 'bg1-key' by Bob, witness Alice at 2026-11-25T09:00:00.000Z, sealed"
        + " in TB-2, event " + (before + 1)), out.get(1));
    assertEquals("key verified: counter 5 (was 1, advanced)", out.get(2));
    assertEquals(List.of(), bgLines(r));

    // The check-in's counter is the baseline: one touch later, in the safe, is no alarm.
    CliRun.Run v = verified(key);
    assertEquals(0, v.code(), v.err());
    assertTrue(v.out().contains("verified key of item 'bg1-key': counter 6 (was 5, advanced)"), v.out());
    assertFalse(ok("status").out().contains("KEY ALARMS"));
  }

  @Test
  void register_whileOut_pointsToCheckinWithVerifyKey() throws Exception {
    ok("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason", "enrol in Entra", "--seal", "TB-1");
    Ceremony c = ceremony("key", "register", "bg1-key", "--by", "Alice", "--witness", "Bob");
    assertEquals("ok", c.register(SoftAuthenticator.none(YUBIKEY_5_NFC)).outcome());
    CliRun.Run r = c.finish();
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().endsWith("\nnext: check it in with its baseline: 'bg checkin bg1-key --new-seal N"
        + " --verify-key'\n"), r.out());
  }

  // --- 5. refusals before any ceremony --------------------------------------------------------------

  @Test
  void checkoutWithVerifyKey_itemAlreadyOut_refusesWithoutStartingTheServer() {
    ok("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason", "lockout", "--seal", "TB-1");
    long before = headSeq();
    CliRun.Run r = bg("checkout", "bg1-key", "--by", "Bob", "--witness", "Alice", "--reason", "again",
        "--verify-key", "--no-browser", "--timeout", "5");
    assertEquals(ExitCodes.FAILED, r.code(), r.err());
    assertEquals("bg: error: item 'bg1-key' is already checked out (by Alice since 2026-11-25T09:00:00.000Z, event "
        + before + "); check it in first", r.errLine());
    assertEquals(1, r.err().lines().count(), r.err());
    assertEquals("", r.out()); // no address: nobody is asked to touch the key
    assertFalse(Files.exists(home.resolve(".ceremony.lock")), "a ceremony server was started");
    assertEquals(before, headSeq());
  }

  @Test
  void verify_itemWithoutKey_refusesWithoutStartingTheServer() {
    long before = headSeq();
    CliRun.Run r = bg("key", "verify", "bg1-key", "--by", "Alice", "--witness", "Bob", "--no-browser",
        "--timeout", "5");
    assertEquals(ExitCodes.FAILED, r.code(), r.err());
    assertEquals("bg: error: item 'bg1-key' has no registered key: register it with 'bg key register bg1-key'",
        r.errLine());
    assertEquals(1, r.err().lines().count(), r.err());
    assertEquals("", r.out());
    assertFalse(Files.exists(home.resolve(".ceremony.lock")), "a ceremony server was started");

    CliRun.Run checkout = bg("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason", "lockout",
        "--seal", "TB-1", "--verify-key", "--no-browser", "--timeout", "5");
    assertEquals(ExitCodes.FAILED, checkout.code(), checkout.err());
    assertEquals("bg: error: item 'bg1-key' has no registered key: register it with 'bg key register bg1-key'",
        checkout.errLine());
    assertEquals("", checkout.out());
    assertFalse(Files.exists(home.resolve(".ceremony.lock")), "a ceremony server was started");
    assertEquals(before, headSeq());
  }

  @Test
  void register_withoutTheWitnessTheSafeRequires_refusesWithoutStartingTheServer() {
    long before = headSeq();
    CliRun.Run r = bg("key", "register", "bg1-key", "--by", "Alice", "--no-browser", "--timeout", "5");
    assertEquals(ExitCodes.FAILED, r.code(), r.err());
    assertEquals(List.of("bg: error: safe 'hq-safe' has the two-person rule: name a second custodian with --witness"),
        r.err().lines().toList());
    assertEquals("", r.out());
    assertFalse(Files.exists(home.resolve(".ceremony.lock")), "a ceremony server was started");
    CliRun.Run stranger = bg("key", "register", "bg1-key", "--by", "Mallory", "--witness", "Bob", "--no-browser");
    assertEquals("bg: error: unknown custodian 'Mallory': see 'bg custodian list'", stranger.errLine());
    assertEquals("", stranger.out());
    assertEquals(before, headSeq());
  }

  @Test
  void enrol_unknownCustodian_refusesWithoutStartingTheServer() {
    CliRun.Run r = bg("custodian", "enrol", "Carol", "--no-browser", "--timeout", "5");
    assertEquals(ExitCodes.FAILED, r.code(), r.err());
    assertEquals(List.of("bg: error: unknown custodian 'Carol': see 'bg custodian list'"), r.err().lines().toList());
    assertEquals("", r.out());
    assertFalse(Files.exists(home.resolve(".ceremony.lock")), "a ceremony server was started");
  }

  @Test
  void register_passwordEnvelope_isRefused() {
    ok("item", "add", "bg1-pw", "--kind", "password-envelope", "--safe", "hq-safe", "--seal", "TB-9");
    long before = headSeq();
    CliRun.Run r = bg("key", "register", "bg1-pw", "--by", "Alice", "--witness", "Bob", "--no-browser",
        "--timeout", "5");
    assertEquals(ExitCodes.FAILED, r.code(), r.err());
    assertEquals("bg: error: item 'bg1-pw' is a password-envelope, not a fido2-key: only fido2-key items hold a"
        + " security key", r.errLine());
    assertEquals("", r.out());
    assertEquals(before, headSeq());
  }

  @Test
  void register_timeoutZero_isAUsageError() {
    CliRun.Run r = bg("key", "register", "bg1-key", "--by", "Alice", "--no-browser", "--timeout", "0");
    assertEquals(ExitCodes.USAGE, r.code(), r.err());
    assertEquals(List.of("bg: error: --timeout must be from 1 to 3600 seconds, got 0",
        "bg: hint: see 'bg key register --help'"), r.err().lines().toList());
    assertEquals("", r.out());
  }

  // --- 6. a model bg.conf does not allow ------------------------------------------------------------

  @Test
  void register_modelNotAllowed_isRefusedAndNothingRecorded() throws Exception {
    Path conf = home.resolve("bg.conf");
    List<String> lines = new ArrayList<>(Files.readAllLines(conf));
    int at = lines.indexOf("fido.allowed-aaguids =");
    assertTrue(at >= 0, "bg.conf has no empty fido.allowed-aaguids line:\n" + String.join("\n", lines));
    lines.set(at, "fido.allowed-aaguids = ee882879-721c-4913-9775-3dfcce97072a");
    Files.write(conf, lines);
    long before = headSeq();

    Ceremony c = ceremony("key", "register", "bg1-key", "--by", "Alice", "--witness", "Bob");
    Answer a = c.register(SoftAuthenticator.none(YUBIKEY_5_NFC));
    String refusal = "security key model " + YUBIKEY_5_NFC_NAME + " (AAGUID " + YUBIKEY_5_NFC + ") is not allowed by"
        + " fido.allowed-aaguids in bg.conf: use an allowed model, or add its AAGUID there; nothing was recorded";
    assertEquals(new Answer(200, "failed", refusal), a);
    CliRun.Run r = c.finish();
    assertEquals(ExitCodes.FAILED, r.code(), r.err());
    assertEquals(List.of("bg: error: " + refusal), bgLines(r));
    assertEquals(before, headSeq());
    assertEquals("[ ]", ok("key", "list", "--json").out().strip());
  }

  // --- 7. nobody answers ----------------------------------------------------------------------------

  @Test
  void register_noAnswer_timesOutAndRecordsNothing() throws Exception {
    long before = headSeq();
    Ceremony c = new Ceremony("key", "register", "bg1-key", "--by", "Alice", "--witness", "Bob", "--no-browser",
        "--timeout", "1");
    String url = c.url();
    CliRun.Run r = c.finish();
    assertEquals(ExitCodes.FAILED, r.code(), r.err());
    assertEquals(List.of(PROMPT, "Waiting up to 1 s. The page works once; Ctrl-C cancels.",
        "bg: error: no answer from the browser within 1 s; nothing was recorded. Run the command again and press"
            + " Start on the page"), r.err().lines().toList());
    assertEquals(url + "\n", r.out());
    assertEquals(before, headSeq());
    // The server is gone with the command, and the next ceremony can start.
    assertThrows(IOException.class, () -> browser.send(HttpRequest.newBuilder(URI.create(url + "options")).build(),
        HttpResponse.BodyHandlers.ofString()));
    registered();
  }

  // --- 8. a custodian's own key ---------------------------------------------------------------------

  @Test
  void custodianEnrol_thenTheSameKeyIsExcludedFromItemRegistration() throws Exception {
    SoftAuthenticator alicesKey = SoftAuthenticator.none(YUBIKEY_5_NFC); // sets UV, as after a PIN
    long before = headSeq();
    Ceremony c = ceremony("custodian", "enrol", "Alice", "--witness", "Bob");
    JsonNode page = c.page();
    assertEquals("Register a security key for custodian 'Alice'", page.get("title").asText());
    assertEquals("required", page.at("/options/publicKey/authenticatorSelection/userVerification").asText());
    Answer a = c.register(alicesKey);
    assertEquals(new Answer(200, "ok", "Enrolled " + YUBIKEY_5_NFC_NAME + " for custodian 'Alice' (event "
        + (before + 1) + "). You can close this page."), a);
    CliRun.Run r = c.finish();
    assertEquals(0, r.code(), r.err());
    String credential = alicesKey.lastCredentialId().getBase64Url();
    assertTrue(r.out().contains("\nenrolled key " + credential + " (" + YUBIKEY_5_NFC_NAME + ", AAGUID "
        + YUBIKEY_5_NFC + ") for custodian 'Alice', event " + (before + 1) + " (head "), r.out());

    String show = ok("key", "show", "Alice", "--custodian").out();
    assertTrue(show.contains("owner          custodian 'Alice'\n"), show);
    assertTrue(show.contains("credential     " + credential + "\n"), show);
    assertTrue(ok("key", "list").out().contains("custodian 'Alice'"));

    // Alice's key offered as bg1-key's: the options exclude it, so a browser refuses to create.
    Ceremony reg = ceremony("key", "register", "bg1-key", "--by", "Alice", "--witness", "Bob");
    JsonNode excluded = JSON.readTree(reg.options()).at("/publicKey/excludeCredentials");
    assertEquals(1, excluded.size(), excluded.toString());
    assertEquals(credential, excluded.get(0).get("id").asText());
    Optional<Answer> refused = reg.postMayBeCut("error", "{\"name\":\"InvalidStateError\",\"message\":\"The user attempted to register"
        + " an authenticator that contains one of the credentials already registered with the relying party.\"}");
    String message = "the browser reported InvalidStateError: The user attempted to register an authenticator that"
        + " contains one of the credentials already registered with the relying party. (this key is already"
        + " registered with the kit, see 'bg key list': use another key); nothing was recorded";
    // The page's copy of the outcome is pinned by browserError_pageIsToldTheOutcome.
    refused.ifPresent(x -> assertEquals(new Answer(200, "failed", message), x));
    CliRun.Run rr = reg.finish();
    assertEquals(ExitCodes.FAILED, rr.code(), rr.err());
    assertEquals(List.of("bg: error: " + message), bgLines(rr));
    assertEquals(before + 1, headSeq());
    CliRun.Run none = bg("key", "show", "bg1-key");
    assertEquals(ExitCodes.FAILED, none.code(), none.err());
    assertEquals("bg: error: item 'bg1-key' has no registered key: register it with 'bg key register bg1-key'",
        none.errLine());
    CliRun.Run bobs = bg("key", "show", "bob", "--custodian");
    assertEquals(ExitCodes.FAILED, bobs.code(), bobs.err());
    assertEquals("bg: error: custodian 'Bob' has no enrolled key: enrol one with 'bg custodian enrol Bob'",
        bobs.errLine());
  }

  // --- the page learns how its ceremony ended -------------------------------------------------------

  @Test
  void browserError_pageIsToldTheOutcome() throws Exception {
    // ceremony.js shows the {outcome, message} of its POST to error. The command stops the server as
    // soon as it learns of the error, so the page must have its answer by then; a few rounds, since
    // losing it is a race.
    for (int round = 0; round < 5; round++) {
      int i = round;
      Ceremony c = ceremony("key", "register", "bg1-key", "--by", "Alice", "--witness", "Bob");
      Answer a = c.postMayBeCut("error", "{\"name\":\"NotAllowedError\",\"message\":\"The operation either timed"
          + " out or was not allowed.\"}").orElseThrow(() -> new AssertionError("round " + i + ": the page got no"
          + " answer: the command stopped its server before LoopbackCeremony answered the POST to error"));
      String message = "the browser reported NotAllowedError: The operation either timed out or was not allowed."
          + " (cancelled, timed out, or a key that is already registered or not the registered one); nothing was"
          + " recorded";
      assertEquals(new Answer(200, "failed", message), a, "round " + i);
      CliRun.Run r = c.finish();
      assertEquals(ExitCodes.FAILED, r.code(), r.err());
      assertEquals(List.of("bg: error: " + message), bgLines(r));
    }
  }

  @Test
  void answer_fromAnotherOrigin_isRefusedAndTheCeremonyGoesOn() throws Exception {
    SoftAuthenticator key = SoftAuthenticator.none(YUBIKEY_5_NFC);
    Ceremony c = ceremony("key", "register", "bg1-key", "--by", "Alice", "--witness", "Bob");
    String response = key.register(c.options(), c.origin());
    HttpResponse<String> foreign = browser.send(HttpRequest.newBuilder(URI.create(c.url() + "response"))
            .header("Origin", "http://evil.example")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(response)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(403, foreign.statusCode(), foreign.body());
    assertEquals("ok", c.post("response", response).outcome());
    assertEquals(0, c.finish().code());
  }

  // --- 9. help --------------------------------------------------------------------------------------

  @Test
  void registerHelp_listsCeremonyOptionsAndKeyAlarmExitCode() {
    String help = ok("key", "register", "--help").out();
    assertTrue(help.contains("--no-browser"), help);
    assertTrue(help.contains("--timeout=SECONDS"), help);
    assertTrue(help.contains("--port=N"), help);
    assertTrue(help.contains("Exit codes:"), help);
    // picocli wraps at the terminal's width; the words are what matters.
    assertTrue(help.replaceAll("\\s+", " ").contains(" 4 key alarm: a security key's signature counter went"
        + " backwards (refused) or moved in its safe (recorded) "), help);
  }
}
