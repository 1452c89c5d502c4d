package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.ObservedSignIn;
import dev.breakglass.custody.ledger.SessionRequest;
import dev.breakglass.custody.ledger.SignInVerdict;
import dev.breakglass.custody.ledger.TestClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bg report}: the file it writes, the line it prints and its exit codes. */
class BgReportTest {
  static final String BG1 = "bg1@contoso.onmicrosoft.com";

  @TempDir Path tmp;
  Path home;
  Path file;
  TestClock clock;

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    file = tmp.resolve("audit.html");
    clock = new TestClock(Fixture.START);
    ok("init");
    ok("safe", "add", "hq-safe", "--location", "HQ");
    ok("custodian", "add", "Alice", "--contact", "+44 1");
    ok("custodian", "add", "Bob", "--contact", "+44 2");
    ok("identity", "add", "--user", BG1);
    ok("item", "add", "bg1-key", "--kind", "fido2-key", "--safe", "hq-safe", "--identity", BG1, "--seal", "TB-1");
    clock.advance(Duration.ofDays(1)); // 2026-11-26T09:00Z
    // No command opens sessions or records sign-ins without Entra: the ledger API does it here.
    try (Ledger l = Ledger.open(home, "tester", clock)) {
      long session = l.openSession(new SessionRequest(BG1, "Alice", Optional.of("Bob"), "lockout", Optional.empty(),
          false, Duration.ofHours(2))).seq();
      l.recordSignIns("vault-daemon", List.of(
          new ObservedSignIn("s1", clock.instant(), BG1, SignInVerdict.EXPECTED, Optional.of(session), true, Map.of()),
          new ObservedSignIn("s2", clock.instant().plusSeconds(1), BG1, SignInVerdict.UNEXPLAINED, Optional.empty(),
              false, Map.of("ipAddress", "203.0.113.66"))), Optional.empty(), (s, e) -> List.of());
      clock.advance(Duration.ofMinutes(30));
      l.closeSession(session, "Alice", "done");
    }
    ok("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason", "drill", "--seal", "TB-1");
    clock.advance(Duration.ofHours(1));
  }

  CliRun.Run bg(String... args) {
    return new CliRun(home, clock).bg(args);
  }

  CliRun.Run ok(String... args) {
    return new CliRun(home, clock).ok(args);
  }

  String head() {
    return ok("ledger", "head").out().strip();
  }

  @Test
  void report_writesANew0600FileAndPrintsOneLine() throws Exception {
    String head = head();
    CliRun.Run r = bg("report", "--html", file.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("wrote " + file + ": 11 event(s), 1 unlock session(s), 2 sign-in(s) in the whole ledger; head "
        + head + "; ledger verified intact\n", r.out());
    assertEquals("", r.err());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    String html = Files.readString(file, StandardCharsets.UTF_8);
    assertTrue(html.startsWith("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\""), html);
    assertTrue(html.contains("<code id=\"ledger-head\">" + head + "</code>"), html);
  }

  @Test
  void report_since_countsOnlyThePeriod() {
    CliRun.Run r = bg("report", "--since", "2026-11-26", "--html", file.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("wrote " + file + ": 5 event(s), 1 unlock session(s), 2 sign-in(s) since 2026-11-26T00:00:00.000Z;"
        + " head " + head() + "; ledger verified intact", r.out().strip());
    r = bg("report", "--since", "2026-11-26T09:20:00Z", "--html", tmp.resolve("later.html").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains(": 2 event(s), 1 unlock session(s), 0 sign-in(s) since 2026-11-26T09:20:00.000Z;"),
        r.out());
  }

  @Test
  void report_badSince_isAUsageErrorAndWritesNothing() {
    CliRun.Run r = bg("report", "--since", "26/11/2026", "--html", file.toString());
    assertEquals(2, r.code());
    assertEquals("bg: error: --since '26/11/2026' is not a date (2026-11-01) or an instant (2026-11-01T09:00:00Z)",
        r.errLine());
    assertEquals("", r.out());
    assertFalse(Files.exists(file));
    assertEquals(2, bg("report").code(), "--html is required");
  }

  @Test
  void report_refusesAnExistingFileOrLink() throws Exception {
    Files.writeString(file, "an earlier report");
    CliRun.Run r = bg("report", "--html", file.toString());
    assertEquals(1, r.code());
    assertEquals("bg: error: " + file + " exists already (or is a link): give a new file name; nothing was written",
        r.err().strip());
    assertEquals("an earlier report", Files.readString(file));

    Path link = tmp.resolve("link.html");
    Files.createSymbolicLink(link, tmp.resolve("elsewhere.html"));
    assertEquals(1, bg("report", "--html", link.toString()).code());
    assertFalse(Files.exists(tmp.resolve("elsewhere.html")), "the link was not followed");
  }

  @Test
  void report_ofATamperedLedger_isWrittenAndExitsWith3() throws Exception {
    Fixture.attack(home, "UPDATE events SET reason = 'x' WHERE seq = 5");
    CliRun.Run r = bg("report", "--html", file.toString());
    assertEquals(3, r.code());
    assertTrue(r.out().startsWith("wrote " + file + ": 11 event(s), 1 unlock session(s), 2 sign-in(s)"), r.out());
    assertTrue(r.out().endsWith("; ledger verification FAILED at event 5\n"), r.out());
    assertEquals("bg: error: ledger verification FAILED at event 5: event 5 does not match its hash: it was changed"
        + " after it was written (the report says so)", r.err().strip());
    String html = Files.readString(file, StandardCharsets.UTF_8);
    assertTrue(html.contains("LEDGER VERIFICATION FAILED at event 5."), html);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }
}
