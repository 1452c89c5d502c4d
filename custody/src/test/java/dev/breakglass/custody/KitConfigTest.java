package dev.breakglass.custody;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class KitConfigTest {
  private static final Path FILE = Path.of("/h/bg.conf");

  private static String error(String text) {
    CustodyException e = assertThrows(CustodyException.class, () -> KitConfig.parse(FILE, text));
    assertEquals(CustodyException.Reason.BAD_CONFIG, e.reason());
    return e.getMessage();
  }

  @Test
  void defaultFile_parsesToDefaults() throws Exception {
    assertEquals(KitConfig.DEFAULTS, KitConfig.parse(FILE, KitConfig.defaultFileText()));
  }

  @Test
  void values_areRead() throws Exception {
    KitConfig c = KitConfig.parse(FILE, "# c\n\nreview.interval-days = 90\r\nledger.busy-timeout-ms=250\n");
    assertEquals(Duration.ofDays(90), c.reviewInterval());
    assertEquals(Duration.ofMillis(250), c.busyTimeout());
    assertEquals(false, c.namedWitnessAllowed());
    assertEquals(true, KitConfig.parse(FILE, "unlock.allow-named-witness = true").namedWitnessAllowed());
  }

  @Test
  void entra_checksWhatEachAuthModeNeeds() throws Exception {
    assertEquals("/h/bg.conf line 1: entra.auth must be one of none, certificate, managed-identity, device-code,"
        + " client-secret, access-token, got 'password'", error("entra.auth = password"));
    assertEquals("/h/bg.conf line 1: entra.auth = certificate needs entra.tenant-id and entra.client-id",
        error("entra.auth = certificate\nentra.certificate = c.pem"));
    assertEquals("/h/bg.conf line 3: entra.auth = certificate needs entra.certificate (a PEM or PFX file)",
        error("entra.tenant-id = t\nentra.client-id = c\nentra.auth = certificate"));
    assertEquals("/h/bg.conf line 1: entra.graph-url must be an https:// root such as https://graph.microsoft.com"
        + " (http only for localhost), got 'http://graph.example'", error("entra.graph-url = http://graph.example"));
    KitConfig c = KitConfig.parse(FILE, "entra.auth = access-token\nentra.access-token-file = token.json\n"
        + "entra.graph-url = http://127.0.0.1:8080/\n");
    assertEquals(java.util.Optional.of(Path.of("/h/token.json")), c.entra().accessTokenFile());
    assertEquals("http://127.0.0.1:8080", c.entra().graphUrl());
    assertEquals("none", KitConfig.DEFAULTS.entra().auth());
  }

  @Test
  void fido_parsesAaguidsAndResolvesPathsAgainstTheHome() throws Exception {
    KitConfig c = KitConfig.parse(FILE, "fido.allowed-aaguids = 2fc0579f-8113-47ea-b116-bb5a8db9202a,"
        + " ee882879-721c-4913-9775-3dfcce97072a\nfido.require-trusted-attestation = true\n"
        + "fido.trust-roots = roots/yubico.pem, /etc/other.pem\nfido.ceremony-timeout-seconds = 60\n");
    assertEquals(java.util.Set.of(java.util.UUID.fromString("2fc0579f-8113-47ea-b116-bb5a8db9202a"),
        java.util.UUID.fromString("ee882879-721c-4913-9775-3dfcce97072a")), c.fido().allowedAaguids());
    assertTrue(c.fido().requireTrustedAttestation());
    assertEquals(java.util.List.of(Path.of("/h/roots/yubico.pem"), Path.of("/etc/other.pem")), c.fido().trustRoots());
    assertEquals(Duration.ofSeconds(60), c.fido().ceremonyTimeout());
  }

  @Test
  void errors_nameFileLineAndKey() {
    assertEquals("/h/bg.conf line 2: unknown key 'review.interval'; known keys: review.interval-days,"
        + " ledger.busy-timeout-ms, ca.expiry-warning-days, fido.allowed-aaguids, fido.require-trusted-attestation,"
        + " fido.mds-blob, fido.mds-root, fido.trust-roots, fido.ceremony-timeout-seconds, entra.tenant-id,"
        + " entra.client-id, entra.auth, entra.certificate, entra.certificate-password-file, entra.client-secret-file,"
        + " entra.access-token-file, entra.graph-url, unlock.allow-named-witness",
        error("# x\nreview.interval = 9\n"));
    assertEquals("/h/bg.conf line 1: fido.allowed-aaguids: 'yubikey' is not an AAGUID (8-4-4-4-12 hex digits, e.g."
        + " 2fc0579f-8113-47ea-b116-bb5a8db9202a)", error("fido.allowed-aaguids = 2fc0579f-8113-47ea-b116-bb5a8db9202a,"
        + " yubikey"));
    assertEquals("/h/bg.conf line 2: fido.require-trusted-attestation = true needs trust roots: set fido.mds-blob or"
        + " fido.trust-roots", error("\nfido.require-trusted-attestation = true"));
    assertEquals("/h/bg.conf line 1: fido.require-trusted-attestation must be true or false, got 'yes'",
        error("fido.require-trusted-attestation = yes"));
    assertEquals("/h/bg.conf line 1: review.interval-days must be a whole number of days from 1 to 3650,"
        + " got 'six months'", error("review.interval-days = six months"));
    assertEquals("/h/bg.conf line 1: review.interval-days must be a whole number of days from 1 to 3650,"
        + " got '0'", error("review.interval-days = 0"));
    assertEquals("/h/bg.conf line 3: key 'review.interval-days' is already set on line 1",
        error("review.interval-days = 9\n\nreview.interval-days = 10"));
    assertEquals("/h/bg.conf line 1: expected 'key = value', found 'oops'", error("oops"));
    assertEquals("/h/bg.conf line 1: unlock.allow-named-witness must be true or false, got 'maybe'",
        error("unlock.allow-named-witness = maybe"));
  }

  @Test
  void missingFile_meansDefaults() throws Exception {
    assertEquals(KitConfig.DEFAULTS, KitConfig.load(Path.of("/nonexistent/bg.conf")));
  }
}
