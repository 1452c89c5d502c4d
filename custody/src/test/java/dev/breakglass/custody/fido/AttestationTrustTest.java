package dev.breakglass.custody.fido;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.yubico.fido.metadata.FidoMetadataDownloader;
import com.yubico.webauthn.attestation.AttestationTrustSource.TrustRootsResult;
import com.yubico.webauthn.data.ByteArray;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.fido.MdsTestBlob.Issued;
import dev.breakglass.custody.fido.MdsTestBlob.Status;
import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class AttestationTrustTest {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final LocalDate NEXT_UPDATE = LocalDate.parse("2026-07-01");
  private static final String HINT =
      "download a fresh BLOB from https://mds3.fidoalliance.org/ and point fido.mds-blob at it";

  // The real chain's shape: signer <- EV CA <- R46, and x5c ends in R46 cross-signed by the old R3.
  private static final Issued OLD_ROOT = MdsTestBlob.root("MDS Test Root R3", NOW);
  private static final Issued NEW_ROOT = MdsTestBlob.root("MDS Test Root R46", NOW);
  private static final Issued NEW_BY_OLD = MdsTestBlob.crossSigned(NEW_ROOT, OLD_ROOT, NOW);
  private static final Issued EV_CA = MdsTestBlob.intermediate(NEW_ROOT, "MDS Test EV CA", NOW);
  private static final Issued SIGNER = MdsTestBlob.signer(EV_CA, NOW, true);
  private static final List<X509Certificate> X5C = List.of(SIGNER.cert(), EV_CA.cert(), NEW_BY_OLD.cert());
  private static final Issued OTHER_ROOT = MdsTestBlob.root("Someone Else's Root", NOW);

  private static final Issued VENDOR_ROOT = MdsTestBlob.root("Test Vendor Attestation Root", NOW);
  private static final Issued PEM_ROOT = MdsTestBlob.root("Test Vendor PEM Root", NOW);

  private static final UUID YUBIKEY = UUID.fromString("2fc0579f-8113-47ea-b116-bb5a8db9202a");
  private static final UUID REVOKED = UUID.fromString("11111111-1111-4111-8111-111111111111");
  private static final UUID REMOTE_COMPROMISE = UUID.fromString("22222222-2222-4222-8222-222222222222");
  private static final UUID BYPASS_FIXED = UUID.fromString("33333333-3333-4333-8333-333333333333");
  private static final UUID ATTESTATION_KEY_LOST = UUID.fromString("44444444-4444-4444-8444-444444444444");

  @TempDir Path dir;
  private final NetworkWatch network = new NetworkWatch();
  private ProxySelector previousProxySelector;

  /**
   * Every URLConnection asks the default ProxySelector where to connect, so this one records each
   * attempt and makes it fail at once (no DNS, no timeout).
   */
  private static final class NetworkWatch extends ProxySelector {
    final List<URI> attempts = new CopyOnWriteArrayList<>();

    @Override
    public List<Proxy> select(URI uri) {
      attempts.add(uri);
      throw new IllegalStateException("test forbids network access: " + uri);
    }

    @Override
    public void connectFailed(URI uri, SocketAddress address, IOException e) {}
  }

  @BeforeEach
  void watchNetwork() {
    previousProxySelector = ProxySelector.getDefault();
    ProxySelector.setDefault(network);
  }

  @AfterEach
  void restoreNetwork() {
    ProxySelector.setDefault(previousProxySelector);
  }

  private static Status status(String status, String date) {
    return new Status(status, LocalDate.parse(date));
  }

  private static MdsTestBlob blob() {
    return new MdsTestBlob(77, NEXT_UPDATE)
        .entry(YUBIKEY, "YubiKey 5 Series with NFC", VENDOR_ROOT.cert(), status("FIDO_CERTIFIED", "2024-01-10"))
        .entry(REVOKED, "Revoked Key", VENDOR_ROOT.cert(),
            status("REVOKED", "2023-05-01"), status("FIDO_CERTIFIED", "2024-01-10"))
        .entry(REMOTE_COMPROMISE, "Leaky Key", VENDOR_ROOT.cert(),
            status("FIDO_CERTIFIED", "2023-05-01"), status("USER_KEY_REMOTE_COMPROMISE", "2025-02-03"))
        .entry(BYPASS_FIXED, "Fixed Key", VENDOR_ROOT.cert(),
            status("USER_VERIFICATION_BYPASS", "2023-05-01"), status("FIDO_CERTIFIED_L1", "2024-01-10"))
        .entry(ATTESTATION_KEY_LOST, "Cloned Key", VENDOR_ROOT.cert(),
            status("FIDO_CERTIFIED", "2023-05-01"), status("ATTESTATION_KEY_COMPROMISE", "2025-02-03"));
  }

  private Path blobFile() {
    return blob().write(dir.resolve("mds3.jwt"), SIGNER, X5C);
  }

  private Path pem(Issued issued, String name) {
    return issued.writePem(dir.resolve(name));
  }

  private AttestationTrust load(Path blob, Path mdsRoot, Path... pemRoots) throws CustodyException {
    return AttestationTrust.load(Optional.of(blob), Optional.of(mdsRoot), List.of(pemRoots), CLOCK);
  }

  private static String refused(Executable load) {
    CustodyException e = assertThrows(CustodyException.class, load);
    assertEquals(CustodyException.Reason.BAD_CONFIG, e.reason());
    return e.getMessage();
  }

  private static Optional<ByteArray> aaguid(UUID uuid) {
    return Optional.of(new ByteArray(ByteBuffer.allocate(16)
        .putLong(uuid.getMostSignificantBits())
        .putLong(uuid.getLeastSignificantBits())
        .array()));
  }

  private static List<X509Certificate> attestationChain(UUID model) {
    return List.of(MdsTestBlob.attestation(VENDOR_ROOT, model, NOW).cert());
  }

  @Test
  void load_verifiesBlobOffline_andNamesModels() throws Exception {
    AttestationTrust trust = load(blobFile(), pem(NEW_ROOT, "r46.pem"), pem(PEM_ROOT, "vendor.pem"));

    assertEquals(Optional.of("YubiKey 5 Series with NFC"), trust.model(YUBIKEY));
    assertEquals(Optional.empty(), trust.model(UUID.fromString("00000000-0000-4000-8000-000000000001")));
    assertEquals("MDS3 blob no. 77 (next update 2026-07-01) + 1 PEM root", trust.describe());
    assertFalse(trust.empty());
    assertEquals(List.of(), network.attempts, "the signer's CRL distribution point must not be fetched");
  }

  /** The watch above is only proof if it sees what the library's own check does: fetch the CRL. */
  @Test
  void libraryVerification_wouldFetchCrlDistributionPoints() {
    FidoMetadataDownloader downloader = FidoMetadataDownloader.builder()
        .expectLegalHeader(MdsTestBlob.LEGAL_HEADER)
        .useTrustRoot(OLD_ROOT.cert())
        .useBlob(blob().sign(SIGNER, X5C))
        .clock(CLOCK)
        .build();

    assertThrows(CertPathValidatorException.class, downloader::loadCachedBlob);
    assertEquals(List.of(URI.create(MdsTestBlob.CRL_URL)), network.attempts);
  }

  @Test
  void load_acceptsCrossSignedChain_underTheOldRootToo() throws Exception {
    AttestationTrust trust = load(blobFile(), pem(OLD_ROOT, "r3.pem"));

    assertEquals("MDS3 blob no. 77 (next update 2026-07-01)", trust.describe());
  }

  @Test
  void load_acceptsEs256Blob() throws Exception {
    Issued ecSigner = MdsTestBlob.signer(EV_CA, NOW, false);
    Path file = blob().write(dir.resolve("mds3.jwt"), ecSigner, List.of(ecSigner.cert(), EV_CA.cert()));

    assertEquals(Optional.of("YubiKey 5 Series with NFC"), load(file, pem(NEW_ROOT, "r46.pem")).model(YUBIKEY));
  }

  @Test
  void load_refusesBlobPastNextUpdate_namingFile() throws Exception {
    Path file = blobFile();
    Path root = pem(NEW_ROOT, "r46.pem");
    Instant due = NEXT_UPDATE.atStartOfDay(ZoneOffset.UTC).toInstant();

    AttestationTrust.load(Optional.of(file), Optional.of(root), List.of(),
        Clock.fixed(due.minusSeconds(1), ZoneOffset.UTC));
    assertEquals(file + " (fido.mds-blob): BLOB no. 77 was due to be replaced on 2026-07-01 (its nextUpdate); "
        + HINT, refused(() -> AttestationTrust.load(Optional.of(file), Optional.of(root), List.of(),
            Clock.fixed(due, ZoneOffset.UTC))));
    assertEquals(List.of(), network.attempts);
  }

  @Test
  void load_refusesBlobSignedUnderAnotherRoot() {
    Path file = blobFile();
    Path other = pem(OTHER_ROOT, "other.pem");

    String message = refused(() -> load(file, other));
    assertTrue(message.startsWith(file + " (fido.mds-blob): the BLOB's signing certificate does not chain to "
        + other + " at 2026-06-01T12:00:00Z ("), message);
    assertTrue(message.endsWith("); check fido.mds-root, or " + HINT), message);
  }

  @Test
  void load_refusesAlteredBlob() throws Exception {
    Path file = blobFile();
    String[] parts = Files.readString(file).strip().split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    parts[1] = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(payload.replace("\"no\":77", "\"no\":78").getBytes(StandardCharsets.UTF_8));
    Files.writeString(file, String.join(".", parts));

    assertEquals(file + " (fido.mds-blob): the BLOB's signature does not verify; it was altered or damaged; "
        + HINT, refused(() -> load(file, pem(NEW_ROOT, "r46.pem"))));
  }

  @Test
  void load_refusesGarbage() throws Exception {
    Path root = pem(NEW_ROOT, "r46.pem");
    Path html = Files.writeString(dir.resolve("page.html"), "<html>429 Too Many Requests</html>\n");
    Path dots = Files.writeString(dir.resolve("dots.jwt"), "abc.def.ghi");

    assertEquals(html + " (fido.mds-blob): not an MDS3 BLOB (expected a JWT: three base64url parts joined by"
        + " dots); " + HINT, refused(() -> load(html, root)));
    String message = refused(() -> load(dots, root));
    assertTrue(message.startsWith(dots + " (fido.mds-blob): not an MDS3 BLOB ("), message);
    assertTrue(message.endsWith("); " + HINT), message);
  }

  @Test
  void load_refusesMissingBlob() {
    Path missing = dir.resolve("missing.jwt");

    assertEquals(missing + " (fido.mds-blob): no such file; " + HINT,
        refused(() -> load(missing, pem(NEW_ROOT, "r46.pem"))));
  }

  @Test
  void load_refusesPemRootThatIsNotACertificate() throws Exception {
    Path notCert = Files.writeString(dir.resolve("yubico.pem"), "-----BEGIN PUBLIC KEY-----\nAAAA\n"
        + "-----END PUBLIC KEY-----\n");
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");

    String message = refused(() -> AttestationTrust.load(Optional.empty(), Optional.empty(), List.of(notCert),
        CLOCK));
    assertTrue(message.startsWith(notCert + " (fido.trust-roots): "), message);
    assertTrue(message.endsWith("point fido.trust-roots at the authenticator vendor's attestation root"
        + " certificate (PEM)"), message);
    assertEquals(empty + " (fido.trust-roots): holds no certificate; point fido.trust-roots at the"
        + " authenticator vendor's attestation root certificate (PEM)",
        refused(() -> AttestationTrust.load(Optional.empty(), Optional.empty(), List.of(empty), CLOCK)));
  }

  @Test
  void load_withoutMdsRoot_usesSystemRoots_orNamesTheKey() throws Exception {
    Path file = blobFile();
    Path absent = dir.resolve("GlobalSign_Root_R46.pem");
    Path present = pem(OLD_ROOT, "GlobalSign_Root_CA_-_R3.pem");

    AttestationTrust.load(Optional.of(file), Optional.empty(), List.of(), CLOCK, List.of(absent, present));
    assertEquals("fido.mds-blob is set but fido.mds-root is not, and none of [" + absent + "] exists; point"
        + " fido.mds-root at a PEM file holding GlobalSign Root R46, the root that signs the FIDO Alliance's"
        + " BLOB", refused(() -> AttestationTrust.load(Optional.of(file), Optional.empty(), List.of(), CLOCK,
            List.of(absent))));
  }

  @Test
  void load_refusesMdsRootWithoutBlob() {
    assertEquals("fido.mds-root is set but fido.mds-blob is not; set fido.mds-blob to a BLOB downloaded from"
        + " https://mds3.fidoalliance.org/, or remove fido.mds-root",
        refused(() -> AttestationTrust.load(Optional.empty(), Optional.of(pem(NEW_ROOT, "r46.pem")), List.of(),
            CLOCK)));
  }

  @Test
  void nothingConfigured_isEmpty() throws Exception {
    AttestationTrust trust = AttestationTrust.load(Optional.empty(), Optional.empty(), List.of(), CLOCK);

    assertTrue(trust.empty());
    assertEquals("no attestation roots", trust.describe());
    assertEquals(Optional.empty(), trust.model(YUBIKEY));
    assertEquals(Set.of(), trust.source().findTrustRoots(attestationChain(YUBIKEY), aaguid(YUBIKEY)).getTrustRoots());
  }

  @Test
  void source_returnsPemRootsAndTheEntrysAttestationRoots() throws Exception {
    AttestationTrust trust = load(blobFile(), pem(NEW_ROOT, "r46.pem"), pem(PEM_ROOT, "vendor.pem"));
    UUID unlisted = UUID.fromString("55555555-5555-4555-8555-555555555555");

    TrustRootsResult listed = trust.source().findTrustRoots(attestationChain(YUBIKEY), aaguid(YUBIKEY));
    assertEquals(Set.of(VENDOR_ROOT.cert(), PEM_ROOT.cert()), listed.getTrustRoots());
    assertFalse(listed.isEnableRevocationChecking());
    assertEquals(Set.of(PEM_ROOT.cert()),
        trust.source().findTrustRoots(attestationChain(unlisted), aaguid(unlisted)).getTrustRoots());
    assertEquals(Set.of(VENDOR_ROOT.cert(), PEM_ROOT.cert()),
        trust.source().findTrustRoots(attestationChain(BYPASS_FIXED), aaguid(BYPASS_FIXED)).getTrustRoots(),
        "a compromise that a later certification supersedes no longer counts");
  }

  @Test
  void source_distrustsModelsTheMdsReportsBroken_evenUnderPemRoots() throws Exception {
    AttestationTrust trust = load(blobFile(), pem(NEW_ROOT, "r46.pem"), pem(PEM_ROOT, "vendor.pem"));

    for (UUID model : List.of(REVOKED, REMOTE_COMPROMISE, ATTESTATION_KEY_LOST)) {
      assertEquals(Set.of(), trust.source().findTrustRoots(attestationChain(model), aaguid(model)).getTrustRoots(),
          model.toString());
    }
    assertEquals(Optional.of("Revoked Key"), trust.model(REVOKED), "the name stays for display");
  }
}
