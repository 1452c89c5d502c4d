package dev.breakglass.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.KitConfig;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.entra.EntraSettings.Auth;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading each kind of credential, and every way a credential file can be unusable. No network. */
class EntraConnectionTest {
  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final String TENANT = "contoso.onmicrosoft.com";
  static final String CLIENT = "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01";

  @TempDir
  Path dir;
  TestClock clock = new TestClock(NOW);

  static TestCertificates.Issued valid() {
    return TestCertificates.selfSigned("bg-monitor", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(365)));
  }

  EntraSettings certificate(Path file, Optional<Path> passwordFile) {
    return EntraSettings.of(TENANT, CLIENT, new Auth.Certificate(file, passwordFile));
  }

  DirectoryException refused(EntraSettings s, Reason reason) {
    DirectoryException e = assertThrows(DirectoryException.class, () -> EntraConnection.open(s, clock).close());
    assertEquals(reason, e.reason(), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line");
    return e;
  }

  // ------------------------------------------------------------------ PEM

  @Test
  void pem_good_opensWithoutARequest() throws Exception {
    Path pem = valid().writePem(dir.resolve("monitor.pem"));
    try (EntraConnection c = EntraConnection.open(certificate(pem, Optional.empty()), clock)) {
      assertEquals(List.of(), c.warnings());
    }
  }

  @Test
  void pem_missing_namesTheFile() {
    Path pem = dir.resolve("monitor.pem");
    assertEquals("the certificate file " + pem + " does not exist: check bg.conf (entra.*) or the option that names it",
        refused(certificate(pem, Optional.empty()), Reason.CONFIG).getMessage());
  }

  @Test
  void pem_readableByOthers_isRefused() throws Exception {
    Path pem = valid().writePem(dir.resolve("monitor.pem"));
    Files.setPosixFilePermissions(pem, PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals("the certificate (PEM with its private key) file " + pem + " is readable by others: chmod 600 " + pem,
        refused(certificate(pem, Optional.empty()), Reason.CONFIG).getMessage());
  }

  @Test
  void pem_malformed_namesTheFileAndWhatItNeeds() {
    TestCertificates.Issued c = valid();
    Path certOnly = TestCertificates.writePrivate(dir.resolve("cert-only.pem"),
        TestCertificates.block("CERTIFICATE", c.der()).getBytes(StandardCharsets.US_ASCII));
    assertEquals("the certificate file " + certOnly + " has no usable private key: a PEM for entra.certificate holds"
        + " the certificate and its unencrypted PKCS#8 key ('BEGIN PRIVATE KEY')",
        refused(certificate(certOnly, Optional.empty()), Reason.CONFIG).getMessage());

    String pem = c.pem();
    Path cut = TestCertificates.writePrivate(dir.resolve("cut.pem"),
        pem.substring(0, pem.length() - 200).getBytes(StandardCharsets.US_ASCII));
    assertTrue(refused(certificate(cut, Optional.empty()), Reason.CONFIG).getMessage()
        .startsWith("the certificate file " + cut + " has no usable private key"));

    Path keyOnly = TestCertificates.writePrivate(dir.resolve("key-only.pem"),
        TestCertificates.block("PRIVATE KEY", c.keys().getPrivate().getEncoded()).getBytes(StandardCharsets.US_ASCII));
    assertEquals("the certificate file " + keyOnly + " has no certificate ('BEGIN CERTIFICATE'): a PEM for"
        + " entra.certificate holds the certificate and its private key",
        refused(certificate(keyOnly, Optional.empty()), Reason.CONFIG).getMessage());

    Path badBase64 = TestCertificates.writePrivate(dir.resolve("garbled.pem"), pem.replace("-----BEGIN PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nAAAA").getBytes(StandardCharsets.US_ASCII));
    assertEquals("the private key in " + badBase64 + " is not an RSA key (Entra ID takes only RSA certificates for"
        + " apps) or is damaged", refused(certificate(badBase64, Optional.empty()), Reason.CONFIG).getMessage());
  }

  @Test
  void pem_encryptedOrPkcs1Key_saysWhatToUseInstead() {
    TestCertificates.Issued c = valid();
    String cert = TestCertificates.block("CERTIFICATE", c.der());
    Path encrypted = TestCertificates.writePrivate(dir.resolve("enc.pem"), (cert
        + TestCertificates.block("ENCRYPTED PRIVATE KEY", new byte[64])).getBytes(StandardCharsets.US_ASCII));
    assertEquals("the certificate file " + encrypted + " has no usable private key: it holds an encrypted key, which"
        + " azure-identity cannot read: use the PFX with entra.certificate-password-file instead",
        refused(certificate(encrypted, Optional.empty()), Reason.CONFIG).getMessage());
    Path pkcs1 = TestCertificates.writePrivate(dir.resolve("rsa.pem"), (cert
        + TestCertificates.block("RSA PRIVATE KEY", new byte[64])).getBytes(StandardCharsets.US_ASCII));
    assertEquals("the certificate file " + pkcs1 + " has no usable private key: it holds a PKCS#1 key ('BEGIN RSA"
        + " PRIVATE KEY'): convert it with 'openssl pkcs8 -topk8 -nocrypt -in " + pkcs1 + "'",
        refused(certificate(pkcs1, Optional.empty()), Reason.CONFIG).getMessage());
  }

  @Test
  void pem_keyOfAnotherCertificate_isRefused() {
    TestCertificates.Issued mine = valid();
    TestCertificates.Issued other = TestCertificates.selfSigned("other", NOW.minus(Duration.ofDays(1)),
        NOW.plus(Duration.ofDays(30)), 1);
    Path pem = TestCertificates.writePrivate(dir.resolve("mixed.pem"), (TestCertificates.block("CERTIFICATE", mine.der())
        + TestCertificates.block("PRIVATE KEY", other.keys().getPrivate().getEncoded())).getBytes(StandardCharsets.US_ASCII));
    assertEquals("the private key in " + pem + " does not belong to its certificate (CN=bg-monitor)",
        refused(certificate(pem, Optional.empty()), Reason.CONFIG).getMessage());
  }

  @Test
  void certificate_expiredOrNotYetValid_isRefused_expiringSoon_warns() throws Exception {
    Path expired = TestCertificates.selfSigned("old", NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(1)))
        .writePem(dir.resolve("old.pem"));
    assertEquals("the certificate in " + expired + " expired on 2026-11-24T12:00:00Z: renew it (bg ca renew), add the"
        + " new one to the app and point entra.certificate at it",
        refused(certificate(expired, Optional.empty()), Reason.CONFIG).getMessage());
    Path future = TestCertificates.selfSigned("future", NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(10)))
        .writePem(dir.resolve("future.pem"));
    assertEquals("the certificate in " + future + " is not valid before 2026-11-26T12:00:00Z: check this machine's clock",
        refused(certificate(future, Optional.empty()), Reason.CONFIG).getMessage());
    Path soon = TestCertificates.selfSigned("soon", NOW.minus(Duration.ofDays(300)), NOW.plus(Duration.ofDays(10)))
        .writePem(dir.resolve("soon.pem"));
    try (EntraConnection c = EntraConnection.open(certificate(soon, Optional.empty()), clock)) {
      assertEquals(List.of("the certificate in " + soon + " expires on 2026-12-05T12:00:00Z: renew it (bg ca renew) and"
          + " add the new one to the app before then"), c.warnings());
    }
  }

  // ------------------------------------------------------------------ PFX

  @Test
  void pfx_good_withPasswordFile_opens() throws Exception {
    Path pfx = valid().writePfx(dir.resolve("monitor.pfx"), "correct horse battery");
    Path pw = TestCertificates.writePrivate(dir.resolve("pfx.pw"), "correct horse battery\n".getBytes(StandardCharsets.UTF_8));
    EntraConnection.open(certificate(pfx, Optional.of(pw)), clock).close();
  }

  @Test
  void pfx_wrongPassword_namesBothFiles_neverThePassword() throws Exception {
    Path pfx = valid().writePfx(dir.resolve("monitor.pfx"), "correct horse battery");
    Path pw = TestCertificates.writePrivate(dir.resolve("pfx.pw"), "Tr0ub4dor&3".getBytes(StandardCharsets.UTF_8));
    DirectoryException e = refused(certificate(pfx, Optional.of(pw)), Reason.CONFIG);
    assertEquals("cannot open the PFX " + pfx + " with the password in " + pw + ": wrong password? (the file must hold"
        + " only the password)", e.getMessage());
    assertFalse(stack(e).contains("Tr0ub4dor&3"));
    assertFalse(stack(e).contains("correct horse"));
  }

  @Test
  void pfx_withoutPasswordFile_saysWhichKeyToSet() throws Exception {
    Path pfx = valid().writePfx(dir.resolve("monitor.pfx"), "correct horse battery");
    assertEquals("the PFX " + pfx + " needs its password: set entra.certificate-password-file to a file (mode 0600)"
        + " that holds it", refused(certificate(pfx, Optional.empty()), Reason.CONFIG).getMessage());
  }

  @Test
  void pfx_passwordFileReadableByOthers_orMissing() throws Exception {
    Path pfx = valid().writePfx(dir.resolve("monitor.pfx"), "pw-123456");
    Path pw = TestCertificates.writePrivate(dir.resolve("pfx.pw"), "pw-123456".getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-r-----"));
    assertEquals("the certificate password file " + pw + " is readable by others: chmod 600 " + pw,
        refused(certificate(pfx, Optional.of(pw)), Reason.CONFIG).getMessage());
    Path none = dir.resolve("none.pw");
    assertEquals("the certificate password file " + none + " does not exist: check bg.conf (entra.*) or the option that"
        + " names it", refused(certificate(pfx, Optional.of(none)), Reason.CONFIG).getMessage());
  }

  @Test
  void neitherPemNorPfx_isRefused() throws Exception {
    Path junk = Files.write(dir.resolve("monitor.cer"), new byte[] {0x30, 0x03, 0x02, 0x01, 0x00});
    assertEquals("the certificate file " + junk + " is neither a PEM nor a PFX (PKCS#12) file azure-identity can read",
        refused(certificate(junk, Optional.empty()), Reason.CONFIG).getMessage());
  }

  // ------------------------------------------------------------------ other modes

  @Test
  void clientSecret_isAcceptedWithAWarning() throws Exception {
    Path secret = TestCertificates.writePrivate(dir.resolve("secret"), "Zx~8Q~abc.def\n".getBytes(StandardCharsets.UTF_8));
    try (EntraConnection c = EntraConnection.open(EntraSettings.of(TENANT, CLIENT, new Auth.ClientSecret(secret)), clock)) {
      assertEquals(List.of("entra.auth = client-secret: anyone who copies " + secret + " can sign in as the app; prefer"
          + " a certificate (bg ca issue) and remove the secret from the app"), c.warnings());
    }
    Path empty = TestCertificates.writePrivate(dir.resolve("empty"), new byte[0]);
    assertEquals("the client secret file " + empty + " is empty",
        refused(EntraSettings.of(TENANT, CLIENT, new Auth.ClientSecret(empty)), Reason.CONFIG).getMessage());
  }

  @Test
  void deviceCode_andManagedIdentity_openWithoutSigningIn() throws Exception {
    List<String> prompts = new ArrayList<>();
    EntraConnection.open(EntraSettings.of(TENANT, CLIENT, new Auth.DeviceCode(prompts::add)), clock).close();
    assertEquals(List.of(), prompts, "the prompt comes with the first request");
    EntraConnection.open(new EntraSettings(Optional.empty(), Optional.empty(), URI.create(EntraSettings.DEFAULT_GRAPH_URL),
        new Auth.ManagedIdentity()), clock).close();
  }

  // ------------------------------------------------------------------ access-token file

  static String jwt(String aud, Instant exp) {
    return GraphTestServer.fakeJwt(aud, exp);
  }

  EntraSettings token(Path file) {
    return new EntraSettings(Optional.empty(), Optional.empty(), URI.create(EntraSettings.DEFAULT_GRAPH_URL),
        new Auth.AccessToken(file));
  }

  @Test
  void accessToken_expired_rawOrAzJson_isUnauthenticated() {
    Path raw = TestCertificates.writePrivate(dir.resolve("token"), (jwt("https://graph.microsoft.com",
        NOW.minusSeconds(60)) + "\n").getBytes(StandardCharsets.US_ASCII));
    assertEquals("the access token in " + raw + " expired at 2026-11-25T11:59:00Z: get a new one with '(umask 077; az"
        + " account get-access-token --resource https://graph.microsoft.com > " + raw + ")'",
        refused(token(raw), Reason.UNAUTHENTICATED).getMessage());
    Path az = TestCertificates.writePrivate(dir.resolve("token.json"), ("{\"accessToken\": \"opaque-token\","
        + " \"expiresOn\": \"2026-11-25 11:00:00.000000\", \"expires_on\": " + NOW.minusSeconds(1).getEpochSecond()
        + ", \"subscription\": \"x\", \"tenant\": \"y\", \"tokenType\": \"Bearer\"}").getBytes(StandardCharsets.UTF_8));
    assertTrue(refused(token(az), Reason.UNAUTHENTICATED).getMessage().startsWith("the access token in " + az
        + " expired at 2026-11-25T11:59:59Z"));
  }

  @Test
  void accessToken_azJsonWithLocalExpiresOnOnly_readsItInTheClocksZone() throws Exception {
    Path az = TestCertificates.writePrivate(dir.resolve("token.json"), ("{\"accessToken\": \"opaque-token\","
        + " \"expiresOn\": \"2026-11-25 13:30:00.000000\", \"tokenType\": \"Bearer\"}").getBytes(StandardCharsets.UTF_8));
    // 13:30 in New York is 18:30Z: valid at 12:00Z.
    EntraConnection.open(token(az), java.time.Clock.fixed(NOW, ZoneId.of("America/New_York"))).close();
    // 13:30 in Tokyo is 04:30Z: expired at 12:00Z.
    java.time.Clock tokyo = java.time.Clock.fixed(NOW, ZoneId.of("Asia/Tokyo"));
    assertThrows(DirectoryException.class, () -> EntraConnection.open(token(az), tokyo));
  }

  @Test
  void accessToken_forAnotherResource_orNotAToken_isConfig() {
    Path arm = TestCertificates.writePrivate(dir.resolve("arm"), jwt("https://management.core.windows.net/",
        NOW.plusSeconds(3600)).getBytes(StandardCharsets.US_ASCII));
    assertEquals("the access token in " + arm + " is for 'https://management.core.windows.net/', not Microsoft Graph:"
        + " get one with 'az account get-access-token --resource https://graph.microsoft.com'",
        refused(token(arm), Reason.CONFIG).getMessage());
    Path text = TestCertificates.writePrivate(dir.resolve("text"), "Bearer abc def".getBytes(StandardCharsets.US_ASCII));
    assertEquals("the access token file " + text + " cannot be used: it holds no access token (a JWT is one line of"
        + " letters, digits, '-', '_' and '.')", refused(token(text), Reason.CONFIG).getMessage());
    Path json = TestCertificates.writePrivate(dir.resolve("x.json"), "{\"token\": 1}".getBytes(StandardCharsets.US_ASCII));
    assertEquals("the access token file " + json + " cannot be used: its JSON has no accessToken (expected what 'az"
        + " account get-access-token' prints)", refused(token(json), Reason.CONFIG).getMessage());
  }

  @Test
  void accessToken_aboutToExpire_warns() throws Exception {
    Path raw = TestCertificates.writePrivate(dir.resolve("token"), jwt("00000003-0000-0000-c000-000000000000",
        NOW.plusSeconds(120)).getBytes(StandardCharsets.US_ASCII));
    try (EntraConnection c = EntraConnection.open(token(raw), clock)) {
      assertEquals(List.of("the access token in " + raw + " expires at 2026-11-25T12:02:00Z: get a new one soon (az"
          + " account get-access-token --resource https://graph.microsoft.com)"), c.warnings());
    }
  }

  // ------------------------------------------------------------------ settings

  @Test
  void settings_fromConfig() throws Exception {
    KitConfig.Entra none = KitConfig.DEFAULTS.entra();
    DirectoryException e = assertThrows(DirectoryException.class, () -> EntraSettings.fromConfig(none, m -> { }));
    assertEquals(Reason.CONFIG, e.reason());
    assertEquals("no Microsoft Graph sign-in is configured: set entra.auth (and its files) in bg.conf, or give"
        + " --access-token-file FILE", e.getMessage());
    KitConfig.Entra cert = new KitConfig.Entra("certificate", Optional.of(TENANT), Optional.of(CLIENT),
        Optional.of(Path.of("/h/monitor.pfx")), Optional.of(Path.of("/h/pfx.pw")), Optional.empty(), Optional.empty(),
        "http://127.0.0.1:8080");
    EntraSettings s = EntraSettings.fromConfig(cert, m -> { });
    assertEquals(new Auth.Certificate(Path.of("/h/monitor.pfx"), Optional.of(Path.of("/h/pfx.pw"))), s.auth());
    assertEquals(URI.create("http://127.0.0.1:8080"), s.graphUrl());
  }

  @Test
  void settings_plainHttpOnlyForLoopback() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EntraSettings.of(TENANT, CLIENT,
        new Auth.ManagedIdentity()).withGraphUrl(URI.create("http://graph.example")));
    assertEquals("the Graph URL must be an https:// root such as https://graph.microsoft.com (http only for localhost),"
        + " got 'http://graph.example'", e.getMessage());
    assertEquals(URI.create("https://graph.microsoft.us"), EntraSettings.of(TENANT, CLIENT, new Auth.ManagedIdentity())
        .withGraphUrl(URI.create("https://graph.microsoft.us/")).graphUrl());
    assertThrows(IllegalArgumentException.class, () -> new EntraSettings(Optional.empty(), Optional.of(CLIENT),
        URI.create(EntraSettings.DEFAULT_GRAPH_URL), new Auth.ClientSecret(Path.of("s"))));
  }

  static String stack(Throwable t) {
    java.io.StringWriter w = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(w));
    return w.toString();
  }
}
