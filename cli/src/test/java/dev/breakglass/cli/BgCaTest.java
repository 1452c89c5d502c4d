package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ca commands as an admin types them, with passphrases in files. */
class BgCaTest {
  static final String APP = "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01";

  @TempDir Path tmp;
  Path home;
  TestClock clock;
  Path caPass;
  Path pfxPass;

  CliRun.Run bg(String... args) {
    return new CliRun(home, clock).bg(args);
  }

  CliRun.Run ok(String... args) {
    return new CliRun(home, clock).ok(args);
  }

  Path secret(String name, String value, String mode) throws Exception {
    Path p = tmp.resolve(name);
    Files.writeString(p, value + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    return p;
  }

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    clock = new TestClock(Fixture.START);
    caPass = secret("ca-pass", "correct horse battery staple", "rw-------");
    pfxPass = secret("pfx-pass", "pfx-password-1", "rw-------");
    ok("init");
    ok("identity", "add", "--app", APP);
    ok("ca", "init", "--name", "Test CA", "--key", "rsa-3072", "--validity", "2y", "--passphrase-file",
        caPass.toString());
  }

  String issue(String... extra) {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("ca", "issue", "--identity", APP,
        "--cn", "Break-glass app", "--key", "rsa-2048", "--passphrase-file", caPass.toString(),
        "--pfx-password-file", pfxPass.toString()));
    args.addAll(java.util.List.of(extra));
    CliRun.Run r = ok(args.toArray(String[]::new));
    Matcher m = Pattern.compile("issued certificate ([0-9A-F]+) ").matcher(r.out());
    assertTrue(m.find(), r.out());
    assertTrue(r.out().matches("(?s).*thumbprint   [0-9A-F]{40}   \\(SHA-1, as the Entra portal shows it\\).*"),
        r.out());
    return m.group(1);
  }

  @Test
  void issueListShowRevokeCrl() throws Exception {
    String serial = issue("--out", tmp.resolve("cert").toString());
    assertTrue(Files.exists(tmp.resolve("cert").resolve(serial + ".pfx")));
    String list = ok("ca", "list", "--json").out();
    assertTrue(list.contains("\"serial\" : \"" + serial + "\"") && list.contains("\"status\" : \"valid\""), list);
    assertTrue(ok("ca", "show", serial).out().contains("-----BEGIN CERTIFICATE-----"));

    ok("ca", "revoke", serial, "--reason", "test", "--code", "superseded");
    CliRun.Run twice = bg("ca", "revoke", serial, "--reason", "test");
    assertEquals(1, twice.code());
    assertTrue(twice.err().startsWith("bg: error: certificate " + serial + " was already revoked on "), twice.err());
    CliRun.Run crl = ok("ca", "crl", "--passphrase-file", caPass.toString());
    assertTrue(crl.out().startsWith("CRL 1 with 1 revoked certificate(s), next update "), crl.out());
    assertTrue(ok("ledger", "verify").out().startsWith("ledger OK: "));
  }

  @Test
  void revokingTheRoot_flagsItsStillValidCertificates() {
    String leaf = issue();
    String root = ok("ca", "list", "--json").out().replaceAll("(?s).*\"cas\" : \\[ \\{\\s*\"serial\" : \"([0-9A-F]+)\".*", "$1");
    CliRun.Run r = ok("ca", "revoke", root, "--reason", "ceremony redone", "--code", "cACompromise");
    assertTrue(r.out().startsWith("revoked CA " + root + " (cACompromise), event "), r.out());
    assertTrue(r.out().contains("its certificates stay valid in Entra until removed from the app"), r.out());
    assertTrue(ok("ca", "list").out().contains("valid (CA revoked)"));
    CliRun.Run s = ok("status");
    assertTrue(s.out().contains("VALID CERTIFICATES OF A REVOKED CA"), s.out());
    assertTrue(s.out().contains(leaf), s.out());
  }

  @Test
  void renew_takesANewValidity() {
    String serial = issue();
    CliRun.Run r = ok("ca", "renew", serial, "--validity", "90d", "--passphrase-file", caPass.toString(),
        "--pfx-password-file", pfxPass.toString());
    assertTrue(r.out().startsWith("renewed " + serial + " as certificate "), r.out());
    assertTrue(r.out().contains("valid until 2027-02-23T09:00:00.000Z"), r.out());
  }

  @Test
  void status_namesCertificatesCloseToExpiry() {
    String serial = issue("--validity", "60d");
    assertTrue(!ok("status").out().contains(serial));
    clock.advance(Duration.ofDays(40));
    CliRun.Run s = ok("status");
    assertTrue(s.out().contains("CERTIFICATES EXPIRING WITHIN 30 DAYS"), s.out());
    assertTrue(s.out().contains(serial), s.out());
    clock.advance(Duration.ofDays(40)); // expired 20 days ago: still listed, to be removed from the app
    assertTrue(ok("status").out().contains(serial));
    clock.advance(Duration.ofDays(15)); // expired 35 days ago: no longer
    assertTrue(!ok("status").out().contains(serial));
  }

  @Test
  void badInput_givesOneLineAndWritesNothing() throws Exception {
    String head = ok("ledger", "head").out();
    Path wrong = secret("wrong", "not the passphrase", "rw-------");
    CliRun.Run r = bg("ca", "issue", "--identity", APP, "--cn", "x", "--passphrase-file", wrong.toString(),
        "--pfx-password-file", pfxPass.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("bg: error: the passphrase does not open CA key "), r.err());
    assertEquals(1, r.err().lines().count());

    Path loose = secret("loose", "correct horse battery staple", "rw-r--r--");
    r = bg("ca", "crl", "--passphrase-file", loose.toString());
    assertEquals(2, r.code());
    assertEquals("bg: error: the CA passphrase file " + loose + " is readable by others: chmod 600 " + loose,
        r.err().lines().findFirst().orElseThrow());

    r = bg("ca", "issue", "--identity", APP, "--cn", "x", "--key", "ec-p384", "--passphrase-file",
        caPass.toString(), "--pfx-password-file", pfxPass.toString());
    assertEquals(2, r.code());
    assertEquals("bg: error: --key 'ec-p384' is not offered here; use one of: rsa-2048, rsa-3072, rsa-4096",
        r.err().lines().findFirst().orElseThrow());

    r = bg("ca", "revoke", "XYZ", "--reason", "x");
    assertEquals(2, r.code());
    r = bg("ca", "show", "ABCDEF");
    assertEquals(1, r.code());
    assertEquals("bg: error: unknown certificate serial ABCDEF: see 'bg ca list'", r.err().strip());

    r = bg("ca", "init", "--name", "Second", "--passphrase-file", caPass.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("bg: error: a CA is already in service (serial "), r.err());

    assertEquals(head, ok("ledger", "head").out(), "nothing was recorded");
  }
}
