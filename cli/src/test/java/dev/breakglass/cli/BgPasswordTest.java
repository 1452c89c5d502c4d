package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.TestClock;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The password commands as a custodian types them (no terminal here, so nothing is revealed). */
class BgPasswordTest {
  static final String UPN = "bg1@contoso.onmicrosoft.com";
  @TempDir Path tmp;
  Path home;

  CliRun.Run bg(String... args) {
    return new CliRun(home, new TestClock(Fixture.START)).bg(args);
  }

  CliRun.Run ok(String... args) {
    return new CliRun(home, new TestClock(Fixture.START)).ok(args);
  }

  @BeforeEach
  void setUp() {
    home = tmp.resolve("home");
    ok("init");
    ok("identity", "add", "--user", UPN);
  }

  List<String> shares(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".txt")).sorted().map(Path::toString).toList();
    }
  }

  @Test
  void newWithShares_thenVerify() throws Exception {
    CliRun.Run made = ok("password", "new", "--identity", UPN, "--shares", "2-of-3", "--out", tmp.resolve("s").toString());
    assertTrue(made.out().startsWith("password version 1 of " + UPN + ": 64 characters, 419 bits of entropy,"
        + " shares 2-of-3, set "), made.out());
    List<String> files = shares(tmp.resolve("s"));
    assertEquals(3, files.size());
    CliRun.Run v = ok("password", "verify", "--identity", UPN, "--shares", files.get(2), files.get(0));
    assertEquals("matches password version 1 of " + UPN + "\n", v.out());

    CliRun.Run few = bg("password", "verify", "--identity", UPN, "--shares", files.get(1));
    assertEquals(1, few.code());
    assertEquals("bg: error: 1 share(s) given, but 2 of 3 are needed\n", few.err());

    CliRun.Run again = bg("password", "new", "--identity", UPN, "--out", tmp.resolve("p.txt").toString());
    assertEquals(1, again.code());
    assertEquals("bg: error: identity '" + UPN + "' has password version 1 already: make a new one with"
        + " 'bg password rotate'", again.err().lines().findFirst().orElseThrow());
  }

  @Test
  void rotateToAFile_thenVerifyFromStandardInput() throws Exception {
    ok("password", "new", "--identity", UPN, "--length", "32", "--out", tmp.resolve("v1.txt").toString());
    CliRun.Run rot = ok("password", "rotate", "--identity", UPN, "--out", tmp.resolve("v2.txt").toString());
    assertTrue(rot.out().startsWith("password version 2 of " + UPN + ": 64 characters"), rot.out());
    assertTrue(rot.err().startsWith("bg: note: version 2 is not set in Entra yet"), rot.err());
    InputStream stdin = System.in;
    CliRun.Run old;
    try {
      System.setIn(new ByteArrayInputStream(Files.readAllBytes(tmp.resolve("v2.txt"))));
      assertEquals("matches password version 2 of " + UPN + "\n",
          ok("password", "verify", "--identity", UPN, "--stdin").out());
      System.setIn(new ByteArrayInputStream(Files.readAllBytes(tmp.resolve("v1.txt"))));
      old = bg("password", "verify", "--identity", UPN, "--stdin");
      assertEquals(1, old.code());
      assertEquals("bg: error: the password given does not match version 2 of " + UPN
          + " (recorded as a failed verification)", old.err().strip().replace("'", ""));
    } finally {
      System.setIn(stdin);
    }
    try {
      System.setIn(new ByteArrayInputStream(new byte[0]));
      CliRun.Run empty = bg("password", "verify", "--identity", UPN, "--stdin");
      assertEquals(2, empty.code());
      assertEquals("bg: error: no password was given on standard input", empty.err().lines().findFirst().orElseThrow());
    } finally {
      System.setIn(stdin);
    }
    String log = ok("log", "--json").out();
    assertTrue(log.contains("\\\"matches\\\":false"), "the failed verification is in the ledger");
    String secret = Files.readString(tmp.resolve("v2.txt")).strip();
    String first = Files.readString(tmp.resolve("v1.txt")).strip();
    assertTrue(!new String(Files.readAllBytes(home.resolve("ledger.db")), StandardCharsets.ISO_8859_1)
        .contains(secret));
    for (CliRun.Run r : List.of(rot, old)) {
      assertTrue(!r.out().contains(secret) && !r.err().contains(secret) && !r.err().contains(first),
          "no password in command output or error messages");
    }
  }

  @Test
  void badInput_oneLineAndExitCode() throws Exception {
    String before = ok("ledger", "head").out();
    CliRun.Run none = bg("password", "new", "--identity", UPN);
    assertEquals(2, none.code());
    assertEquals("bg: error: say where the password goes: --shares K-of-N, --out FILE or --reveal",
        none.err().lines().findFirst().orElseThrow());
    CliRun.Run layout = bg("password", "new", "--identity", UPN, "--shares", "3-of-2", "--out", tmp.toString());
    assertEquals(2, layout.code());
    assertEquals("bg: error: --shares must be K-of-N with 2 <= K <= N <= 255, got 3-of-2",
        layout.err().lines().findFirst().orElseThrow());
    CliRun.Run length = bg("password", "new", "--identity", UPN, "--length", "12", "--out", tmp.resolve("x").toString());
    assertEquals(2, length.code());
    CliRun.Run combine = bg("password", "combine", "--identity", UPN, "--shares", "a.txt", "--reason", "x");
    assertEquals(2, combine.code());
    assertTrue(combine.err().startsWith("bg: error: combine shows the password only on a terminal"));
    CliRun.Run rotate = bg("password", "rotate", "--identity", UPN, "--out", tmp.resolve("y").toString());
    assertEquals(1, rotate.code());
    assertEquals(before, ok("ledger", "head").out(), "nothing was recorded");
  }
}
