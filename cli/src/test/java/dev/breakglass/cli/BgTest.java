package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Json;
import dev.breakglass.custody.ledger.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs the real command line with captured output, as a custodian would type it. */
class BgTest {
  @TempDir Path tmp;
  Path home;
  TestClock clock;

  @BeforeEach
  void setUp() {
    home = tmp.resolve("home");
    clock = new TestClock(Fixture.START);
  }

  CliRun.Run bg(String... args) {
    return new CliRun(home, clock).bg(args);
  }

  CliRun.Run ok(String... args) {
    return new CliRun(home, clock).ok(args);
  }

  void setUpInventory() {
    ok("init");
    ok("safe", "add", "hq-safe", "--location", "HQ");
    ok("safe", "add", "branch", "--location", "Branch", "--no-two-person");
    ok("custodian", "add", "Alice", "--contact", "+44 1");
    ok("custodian", "add", "Bob", "--contact", "+44 2");
    ok("identity", "add", "--user", "bg1@contoso.onmicrosoft.com");
    ok("item", "add", "bg1-key", "--kind", "fido2-key", "--safe", "hq-safe", "--identity",
        "bg1@contoso.onmicrosoft.com", "--seal", "TB-1");
  }

  String head() {
    return ok("ledger", "head").out().strip();
  }

  @Test
  void help_listsCommandsAndExitCodes() {
    CliRun.Run r = ok("--help");
    for (String c : List.of("init", "demo", "safe", "custodian", "identity", "item", "checkout", "checkin",
        "status", "log", "ledger", "completion", "help")) {
      assertTrue(r.out().contains("  " + c + " "), "missing " + c + " in\n" + r.out());
    }
    assertTrue(r.out().contains("Exit codes:"), r.out());
    assertTrue(r.out().contains("3   ledger verification failed"), r.out());
    CliRun.Run h = ok("help", "checkout");
    assertTrue(h.out().contains("--seal-broken=REASON"), h.out());
    assertTrue(h.out().contains("Exit codes:"), h.out());
    assertTrue(ok("--version").out().startsWith("bg "));
    assertTrue(ok("completion").out().contains("complete -F _complete_bg"), "bash completion script");
  }

  @Test
  void custodyCycle_endToEnd() throws Exception {
    setUpInventory();
    clock.advance(Duration.ofMinutes(1));
    CliRun.Run out = ok("checkout", "bg1-key", "--by", "alice", "--witness", "bob", "--reason", "lockout",
        "--ticket", "INC-7", "--seal", "TB-1");
    assertTrue(out.out().startsWith("checked out 'bg1-key' to Alice, witness Bob at 2026-11-25T09:01:00.000Z"),
        out.out());
    CliRun.Run status = ok("status");
    assertTrue(status.out().startsWith("1 item(s): 1 out, 1 due for review, 0 in their safe without a seal"),
        status.out());
    assertTrue(status.out().contains("bg1-key  Alice   Bob      2026-11-25T09:01:00.000Z  lockout  INC-7"),
        status.out());

    String statusJson = ok("status", "--json").out();
    assertTrue(statusJson.contains("\"holder\" : \"Alice\""), statusJson);

    ok("checkin", "bg1-key", "--by", "Bob", "--witness", "Alice", "--new-seal", "TB-2");
    String items = ok("item", "list", "--json").out();
    assertTrue(items.contains("\"seal\" : \"TB-2\"") && items.contains("\"state\" : \"in\""), items);

    // The log's JSON is an array of events whose hashes anyone can recompute.
    String log = ok("log", "--item", "bg1-key", "--json").out();
    int events = 0;
    try (JsonParser p = Json.factory().createParser(log)) {
      assertEquals(JsonToken.START_ARRAY, p.nextToken());
      while (p.nextToken() == JsonToken.START_OBJECT) {
        events++;
        p.skipChildren();
      }
    }
    assertEquals(3, events);

    CliRun.Run verify = ok("ledger", "verify", "--head", head());
    assertTrue(verify.out().startsWith("ledger OK: 9 events, head 9:"), verify.out());

    List<String> export = ok("ledger", "export").out().lines().toList();
    assertEquals(10, export.size());
    assertTrue(export.get(9).startsWith("{\"head\":{\"seq\":9,\"hash\":\""), export.get(9));
  }

  @Test
  void refusals_printOneLineAndWriteNothing() {
    setUpInventory();
    String before = head();
    CliRun.Run r = bg("checkout", "nope", "--by", "Alice", "--witness", "Bob", "--reason", "x");
    assertEquals(1, r.code());
    assertEquals("bg: error: unknown item 'nope': see 'bg item list'", r.err().strip());

    r = bg("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason", "  ", "--seal", "TB-1");
    assertEquals(2, r.code());
    assertEquals("bg: error: reason is required and must not be empty", r.errLine());

    r = bg("checkout", "bg1-key", "--by", "Mallory", "--witness", "Bob", "--reason", "x", "--seal", "TB-1");
    assertEquals(1, r.code());
    assertEquals("bg: error: unknown custodian 'Mallory': see 'bg custodian list'", r.err().strip());

    r = bg("checkout", "bg1-key", "--by", "Alice", "--reason", "x", "--seal", "TB-1");
    assertEquals(1, r.code());
    assertEquals("bg: error: safe 'hq-safe' has the two-person rule: name a second custodian with --witness",
        r.err().strip());

    r = bg("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--seal", "TB-1");
    assertEquals(2, r.code());
    assertEquals("bg: error: Missing required option: '--reason=TEXT'", r.errLine());
    assertEquals("bg: hint: see 'bg checkout --help'", r.err().lines().toList().get(1));

    r = bg("checkin", "bg1-key", "--by", "Alice", "--witness", "Bob");
    assertEquals(1, r.code());
    assertEquals("bg: error: item 'bg1-key' is not checked out; nothing to check in", r.err().strip());

    r = bg("item", "add", "x", "--kind", "usb-stick", "--safe", "hq-safe");
    assertEquals(2, r.code());
    assertTrue(r.errLine().endsWith("unknown item kind 'usb-stick'; use one of: fido2-key, password-envelope,"
        + " password-share, certificate-media, other"), r.errLine());

    r = bg("log", "--since", "yesterday");
    assertEquals(2, r.code());
    assertEquals("bg: error: --since 'yesterday' is not a date (2026-11-01) or an instant (2026-11-01T09:00:00Z)",
        r.errLine());

    r = bg("ledger", "verify", "--head", "12-abc");
    assertEquals(2, r.code());
    assertTrue(r.errLine().startsWith("bg: error: head '12-abc' is not of the form SEQ:HASH"), r.errLine());

    assertEquals(before, head(), "no refusal wrote anything");
  }

  @Test
  void uninitialisedHome_isExplained() {
    CliRun.Run r = bg("status");
    assertEquals(1, r.code());
    assertEquals("bg: error: no ledger in " + home + ": run 'bg init' first, or point --home at an existing home",
        r.err().strip());
    assertTrue(!Files.exists(home));
    assertEquals(1, bg("init").code() + bg("init").code(), "second init is refused");
  }

  @Test
  void tamperedLedger_failsVerifyWithExitCode3() throws Exception {
    setUpInventory();
    Fixture.attack(home, "UPDATE events SET actor = 'someone-else' WHERE seq = 3");
    CliRun.Run r = bg("ledger", "verify");
    assertEquals(3, r.code());
    assertEquals("bg: error: ledger verification FAILED at event 3: event 3 does not match its hash: it was"
        + " changed after it was written", r.err().strip());
  }

  @Test
  void editedInventory_failsVerifyWithoutNamingAnEvent() throws Exception {
    setUpInventory();
    Fixture.attack(home, "UPDATE items SET seal = 'TB-9' WHERE label = 'bg1-key'");
    CliRun.Run r = bg("ledger", "verify");
    assertEquals(3, r.code());
    assertTrue(r.err().startsWith("bg: error: ledger verification FAILED: the inventory was edited outside the"
        + " ledger: table 'items' does not match its events at 'bg1-key'"), r.err());
  }

  @Test
  void readingCommands_leaveTheLedgerFileAsItWas() throws Exception {
    setUpInventory();
    byte[] before = Files.readAllBytes(home.resolve("ledger.db"));
    for (String[] args : List.of(new String[] {"status"}, new String[] {"log"}, new String[] {"item", "list"},
        new String[] {"item", "show", "bg1-key"}, new String[] {"ledger", "verify"}, new String[] {"ledger", "head"},
        new String[] {"ledger", "export"}, new String[] {"safe", "list", "--json"})) {
      ok(args);
    }
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(home.resolve("ledger.db"))));
  }

  @Test
  void corruptOrForeignLedger_isRefused() throws Exception {
    Files.createDirectories(home);
    Files.write(home.resolve("ledger.db"), new byte[8192]);
    CliRun.Run r = bg("status");
    assertEquals(3, r.code());
    assertTrue(r.errLine().startsWith("bg: error: " + home.resolve("ledger.db") + " is not a readable SQLite ledger"),
        r.errLine());
  }

  @Test
  void newerSchema_isRefused() throws Exception {
    setUpInventory();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("ledger.db"));
        Statement s = c.createStatement()) {
      s.executeUpdate("PRAGMA user_version = 8");
    }
    CliRun.Run r = bg("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason", "x", "--seal", "TB-1");
    assertEquals(1, r.code());
    assertEquals("bg: error: " + home.resolve("ledger.db") + " has ledger schema version 8, newer than this bg"
        + " supports (7): upgrade bg; the ledger was not changed", r.err().strip());
  }

  @Test
  void badConfig_namesFileLineAndKey() throws Exception {
    setUpInventory();
    Files.writeString(home.resolve("bg.conf"), "review.interval-days = 90\nreview.intervall = 3\n");
    CliRun.Run r = bg("status");
    assertEquals(1, r.code());
    assertEquals("bg: error: " + home.resolve("bg.conf") + " line 2: unknown key 'review.intervall'; known keys:"
        + " review.interval-days, ledger.busy-timeout-ms, ca.expiry-warning-days, fido.allowed-aaguids,"
        + " fido.require-trusted-attestation, fido.mds-blob, fido.mds-root, fido.trust-roots,"
        + " fido.ceremony-timeout-seconds, entra.tenant-id, entra.client-id, entra.auth, entra.certificate,"
        + " entra.certificate-password-file, entra.client-secret-file, entra.access-token-file, entra.graph-url, unlock.allow-named-witness",
        r.err().strip());
  }

  @Test
  void demo_runsAWholeCycle() {
    CliRun.Run r = ok("demo", "--home", tmp.resolve("demo").toString());
    assertTrue(r.out().contains("(refused as expected: exit code 1)"), r.out());
    assertTrue(r.out().contains("ledger OK: 9 events"), r.out());
    assertTrue(!Files.exists(home), "the demo never touches the default home");
  }

  @Test
  void singleCommandLine_registersOnlyThatCommandWithTheSameOptions() {
    CommandLine full = Bg.newCommandLine(Map.of(), clock);
    for (String name : List.of("init", "status", "checkout", "item", "ledger")) {
      CommandLine one = Bg.newCommandLine(Map.of(), clock, name);
      assertEquals(java.util.Set.of("help", name), one.getSubcommands().keySet());
      assertEquals(full.getSubcommands().get(name).getCommandSpec().options().stream().map(o -> o.longestName()).toList(),
          one.getSubcommands().get(name).getCommandSpec().options().stream().map(o -> o.longestName()).toList());
      assertEquals(full.getSubcommands().get(name).getSubcommands().keySet(),
          one.getSubcommands().get(name).getSubcommands().keySet());
    }
  }
}
