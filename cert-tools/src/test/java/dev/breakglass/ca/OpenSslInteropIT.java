package dev.breakglass.ca;

import static dev.breakglass.ca.CaFixture.APP;
import static dev.breakglass.ca.CaFixture.CA_PASS;
import static dev.breakglass.ca.CaFixture.PFX_PASS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.Ledger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What the CA writes, opened by OpenSSL 3 and Java keytool as an admin would. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenSslInteropIT {
  Path tmp;
  Path caPem;
  Issued leaf;
  CrlIssued crl;
  Path pfxPassFile;

  record Result(int code, String out) {}

  static Result run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Result(p.exitValue(), out);
  }

  @BeforeAll
  void issue() throws Exception {
    tmp = Files.createTempDirectory("bg-interop-");
    Path home = tmp.resolve("home");
    // OpenSSL checks validity against the real clock, so this CA is made now, not at the fixture's time.
    Clock clock = Clock.systemUTC();
    try (Ledger l = Ledger.init(home, "admin", clock)) {
      l.addIdentity(new Identity(IdentityKind.APP, APP, Optional.empty(), Optional.empty()), "admin");
      CertificateAuthority ca = new CertificateAuthority(l, clock, new SecureRandom());
      ca.init(new CaInitRequest("Interop CA", KeyType.RSA_3072, Validity.parse("2y"), CA_PASS.clone(), "admin"));
      leaf = ca.issue(new IssueRequest(APP, "Break-glass app", KeyType.RSA_3072, Validity.parse("1y"),
          Optional.of(tmp.resolve("out")), CA_PASS.clone(), PFX_PASS.clone(), "admin"));
      Issued other = ca.issue(new IssueRequest(APP, "Old app cert", KeyType.RSA_2048, Validity.parse("1y"),
          Optional.of(tmp.resolve("out")), CA_PASS.clone(), PFX_PASS.clone(), "admin"));
      ca.revoke(other.serial(), "superseded", "superseded", "admin");
      crl = ca.crl(CA_PASS.clone(), Duration.ofDays(30), "admin");
      caPem = ca.caCertificateFile(l.usableCa());
    }
    pfxPassFile = tmp.resolve("pfx-pass");
    Files.writeString(pfxPassFile, new String(PFX_PASS), java.nio.file.StandardOpenOption.CREATE_NEW);
    Files.setPosixFilePermissions(pfxPassFile, PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void opensslVerify_acceptsTheLeafAgainstTheRoot() throws Exception {
    Result r = run("openssl", "verify", "-CAfile", caPem.toString(), "-purpose", "sslclient",
        leaf.certificatePem().toString());
    assertEquals(0, r.code(), r.out());
    assertEquals(leaf.certificatePem() + ": OK", r.out().strip());
  }

  @Test
  void opensslPkcs12_opensThePfxAndSeesAes256Pbes2() throws Exception {
    Result r = run("openssl", "pkcs12", "-in", leaf.pfx().toString(), "-passin", "file:" + pfxPassFile,
        "-info", "-noout");
    assertEquals(0, r.code(), r.out());
    assertTrue(r.out().contains("MAC: sha256"), r.out());
    assertTrue(r.out().contains("PBES2, PBKDF2, AES-256-CBC"), r.out());
    assertTrue(r.out().contains("PRF hmacWithSHA256"), r.out());
    Result wrong = run("openssl", "pkcs12", "-in", leaf.pfx().toString(), "-passin", "pass:wrong-password",
        "-info", "-noout");
    assertTrue(wrong.code() != 0, "a wrong password is refused");
  }

  @Test
  void keytool_listsThePfx() throws Exception {
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Result r = run(keytool, "-list", "-keystore", leaf.pfx().toString(), "-storetype", "PKCS12",
        "-storepass:file", pfxPassFile.toString());
    assertEquals(0, r.code(), r.out());
    assertTrue(r.out().contains("PrivateKeyEntry"), r.out());
  }

  @Test
  void opensslCrl_verifiesTheCrlSignature() throws Exception {
    Result r = run("openssl", "crl", "-in", crl.file().toString(), "-CAfile", caPem.toString(), "-noout");
    assertEquals(0, r.code(), r.out());
    assertEquals("verify OK", r.out().strip());
    Result text = run("openssl", "crl", "-in", crl.file().toString(), "-noout", "-text");
    assertTrue(text.out().contains("Superseded"), text.out());
  }

  @Test
  void opensslPkey_decryptsTheKeyFileWithThePfxPassword() throws Exception {
    Result r = run("openssl", "pkey", "-in", leaf.keyPem().toString(), "-passin", "file:" + pfxPassFile, "-noout");
    assertEquals(0, r.code(), r.out());
    Result x = run("openssl", "x509", "-in", leaf.certificatePem().toString(), "-noout", "-ext",
        "extendedKeyUsage,keyUsage,basicConstraints");
    assertTrue(x.out().contains("TLS Web Client Authentication"), x.out());
    assertTrue(x.out().contains("Digital Signature"), x.out());
    assertTrue(x.out().contains("CA:FALSE"), x.out());
    Result fp = run("openssl", "x509", "-in", leaf.certificatePem().toString(), "-noout", "-fingerprint", "-sha1");
    assertTrue(fp.out().strip().equalsIgnoreCase("sha1 Fingerprint=" + colons(leaf.sha1())), fp.out());
  }

  private static String colons(String hex) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < hex.length(); i += 2) {
      parts.add(hex.substring(i, i + 2));
    }
    return String.join(":", parts);
  }
}
