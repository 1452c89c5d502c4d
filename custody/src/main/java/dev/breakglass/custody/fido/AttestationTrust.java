package dev.breakglass.custody.fido;

import static dev.breakglass.custody.KitConfig.FIDO_MDS_BLOB;
import static dev.breakglass.custody.KitConfig.FIDO_MDS_ROOT;
import static dev.breakglass.custody.KitConfig.FIDO_TRUST_ROOTS;

import com.yubico.fido.metadata.AAGUID;
import com.yubico.fido.metadata.AuthenticatorStatus;
import com.yubico.fido.metadata.FidoMetadataDownloader;
import com.yubico.fido.metadata.FidoMetadataService;
import com.yubico.fido.metadata.FidoMetadataService.Filters;
import com.yubico.fido.metadata.MetadataBLOB;
import com.yubico.fido.metadata.MetadataBLOBHeader;
import com.yubico.fido.metadata.MetadataBLOBPayloadEntry;
import com.yubico.fido.metadata.MetadataStatement;
import com.yubico.fido.metadata.StatusReport;
import com.yubico.webauthn.attestation.AttestationTrustSource;
import com.yubico.webauthn.attestation.AttestationTrustSource.TrustRootsResult;
import com.yubico.webauthn.data.ByteArray;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The roots an authenticator's attestation may chain to, read once from files the admin put on the
 * machine: a FIDO Metadata Service (MDS3) BLOB and PEM attestation roots (e.g. Yubico's). Nothing is
 * downloaded, ever; a BLOB past its {@code nextUpdate} is refused with a message saying where to get a
 * fresh one.
 *
 * <p>The BLOB's signature is checked here rather than by {@link FidoMetadataDownloader}, because in
 * 2.9.0 the downloader's check does not fit an offline kit: it fetches the CRL distribution points
 * named in the BLOB's certificates every time it verifies; it returns a BLOB given with {@code useBlob}
 * without looking at {@code nextUpdate}; and it validates {@code x5c} exactly as sent, which fails
 * against GlobalSign Root R46 for the chain the MDS has served since August 2026 (its last certificate
 * is R46 cross-signed by Root CA - R3). So the downloader only parses ({@code
 * verifyDownloadsOnly(true)}) and {@link #verifySignature} does what its check does, without the
 * network and retrying with {@code x5c} shortened, as the maintainers have since done
 * (java-webauthn-server pull request 501).
 *
 * <p>The BLOB's chain is validated without revocation checking, though the MDS specification asks for
 * CRLs: GlobalSign publishes them only online. The accepted risk is a BLOB signed with a stolen and
 * since revoked MDS signing key; the admin fetches BLOBs from the FIDO Alliance over HTTPS.
 *
 * <p>Which MDS entries are trusted: the library's defaults, {@link Filters#notRevoked()} (no {@code
 * REVOKED} report, ever) and {@link Filters#noAttestationKeyCompromise()} (no {@code
 * ATTESTATION_KEY_COMPROMISE} report naming this attestation's key, or naming no key), plus one more:
 * the latest report must not say that user keys or user verification are broken. An authenticator the
 * MDS distrusts is distrusted outright, even if it chains to a PEM root.
 */
public final class AttestationTrust {
  /** Where the admin gets a BLOB; the messages tell them. */
  static final String MDS_URL = "https://mds3.fidoalliance.org/";

  /**
   * The system's copies of the roots that sign the FIDO Alliance's BLOB, used when {@code
   * fido.mds-root} is unset. R46 is the root the Alliance names since August 2026; the BLOB's {@code
   * x5c} still ends in R46 cross-signed by R3, so R3 (valid until 2029) verifies it as well, and
   * Debian's ca-certificates ships both.
   */
  static final List<Path> SYSTEM_MDS_ROOTS = List.of(
      Path.of("/etc/ssl/certs/GlobalSign_Root_R46.pem"),
      Path.of("/etc/ssl/certs/GlobalSign_Root_CA_-_R3.pem"));

  /**
   * The builder insists on a legal header but compares it only with downloaded BLOBs, never with one
   * given to {@code useBlob}; this is the FIDO Alliance's at the time of writing. The admin accepts
   * the terms when they download the BLOB.
   */
  private static final String LEGAL_HEADER = "Retrieval and use of this BLOB indicates acceptance of the"
      + " appropriate agreement located at https://fidoalliance.org/metadata/metadata-legal-terms/";

  private static final String BLOB_HINT =
      "download a fresh BLOB from " + MDS_URL + " and point " + FIDO_MDS_BLOB + " at it";
  private static final String MDS_ROOT_HINT = "point " + FIDO_MDS_ROOT
      + " at a PEM file holding GlobalSign Root R46, the root that signs the FIDO Alliance's BLOB";
  private static final String PEM_ROOT_HINT =
      "point " + FIDO_TRUST_ROOTS + " at the authenticator vendor's attestation root certificate (PEM)";

  /** Latest statuses after which a model's keys no longer protect what they guard. */
  private static final Set<AuthenticatorStatus> BROKEN = EnumSet.of(
      AuthenticatorStatus.USER_VERIFICATION_BYPASS,
      AuthenticatorStatus.USER_KEY_REMOTE_COMPROMISE,
      AuthenticatorStatus.USER_KEY_PHYSICAL_COMPROMISE);

  /**
   * A verified BLOB. {@code trusted} applies the status filters; {@code all} applies none, so that a
   * model the MDS knows but distrusts can be told apart from one it has never heard of.
   */
  private record Mds(int no, LocalDate nextUpdate, FidoMetadataService trusted, FidoMetadataService all) {}

  private final Optional<Mds> mds;
  private final Set<X509Certificate> pemRoots;

  private AttestationTrust(Optional<Mds> mds, Set<X509Certificate> pemRoots) {
    this.mds = mds;
    this.pemRoots = Set.copyOf(pemRoots);
  }

  /**
   * Reads and verifies the configured trust files.
   *
   * @param mdsBlob {@code fido.mds-blob}: an MDS3 BLOB (a JWT) downloaded from {@value #MDS_URL}
   * @param mdsRoot {@code fido.mds-root}: PEM root(s) the BLOB must chain to; when empty, the system's
   *     GlobalSign Root R46 and Root CA - R3, those that exist
   * @param pemRoots {@code fido.trust-roots}: PEM files of attestation roots, each with one or more
   *     certificates
   * @param clock the time against which the BLOB's {@code nextUpdate} and certificates are checked
   * @throws CustodyException {@link Reason#BAD_CONFIG} naming the file and what to do, if a file is
   *     missing, unreadable, malformed, stale or not signed under the MDS root
   */
  public static AttestationTrust load(Optional<Path> mdsBlob, Optional<Path> mdsRoot, List<Path> pemRoots,
      Clock clock) throws CustodyException {
    return load(mdsBlob, mdsRoot, pemRoots, clock, SYSTEM_MDS_ROOTS);
  }

  /** As {@link #load(Optional, Optional, List, Clock)}, with the default MDS roots given (for tests). */
  static AttestationTrust load(Optional<Path> mdsBlob, Optional<Path> mdsRoot, List<Path> pemRoots, Clock clock,
      List<Path> systemMdsRoots) throws CustodyException {
    Objects.requireNonNull(clock, "clock");
    Set<X509Certificate> roots = new LinkedHashSet<>();
    for (Path file : pemRoots) {
      roots.addAll(readCertificates(file, FIDO_TRUST_ROOTS, PEM_ROOT_HINT));
    }
    if (mdsBlob.isEmpty()) {
      if (mdsRoot.isPresent()) {
        throw new CustodyException(Reason.BAD_CONFIG, FIDO_MDS_ROOT + " is set but " + FIDO_MDS_BLOB
            + " is not; set " + FIDO_MDS_BLOB + " to a BLOB downloaded from " + MDS_URL + ", or remove "
            + FIDO_MDS_ROOT);
      }
      return new AttestationTrust(Optional.empty(), roots);
    }
    List<Path> mdsRootFiles = mdsRoot.map(List::of)
        .orElseGet(() -> systemMdsRoots.stream().filter(Files::isRegularFile).toList());
    if (mdsRootFiles.isEmpty()) {
      throw new CustodyException(Reason.BAD_CONFIG, FIDO_MDS_BLOB + " is set but " + FIDO_MDS_ROOT
          + " is not, and none of " + systemMdsRoots + " exists; " + MDS_ROOT_HINT);
    }
    Set<X509Certificate> anchors = new LinkedHashSet<>();
    for (Path file : mdsRootFiles) {
      anchors.addAll(readCertificates(file, FIDO_MDS_ROOT, MDS_ROOT_HINT));
    }
    String anchorsName = mdsRootFiles.stream().map(Path::toString).collect(Collectors.joining(" or "));
    return new AttestationTrust(Optional.of(loadMds(mdsBlob.get(), anchors, anchorsName, clock)), roots);
  }

  /** What the relying party checks attestations against: the MDS entries' roots and the PEM roots. */
  public AttestationTrustSource source() {
    return this::findTrustRoots;
  }

  /** The authenticator model's description in the BLOB, if it lists the AAGUID, distrusted or not. */
  public Optional<String> model(UUID aaguid) {
    return mds.flatMap(m -> m.all().findEntries(toAaguid(aaguid)).stream()
        .map(MetadataBLOBPayloadEntry::getMetadataStatement)
        .flatMap(Optional::stream)
        .map(MetadataStatement::getDescription)
        .flatMap(Optional::stream)
        .sorted()
        .findFirst());
  }

  /** True if neither a BLOB nor a PEM root is configured, so no attestation can be trusted. */
  public boolean empty() {
    return mds.isEmpty() && pemRoots.isEmpty();
  }

  /** One line for {@code bg key} output, e.g. "MDS3 blob no. 77 (next update 2026-12-01) + 2 PEM roots". */
  public String describe() {
    String pem = pemRoots.size() == 1 ? "1 PEM root" : pemRoots.size() + " PEM roots";
    if (mds.isEmpty()) {
      return pemRoots.isEmpty() ? "no attestation roots" : pem;
    }
    String blob = "MDS3 blob no. " + mds.get().no() + " (next update " + mds.get().nextUpdate() + ")";
    return pemRoots.isEmpty() ? blob : blob + " + " + pem;
  }

  /**
   * PEM roots are offered for every attestation: the relying party's path validation decides whether
   * the chain leads to one, and which models may register is {@code fido.allowed-aaguids}' business.
   * Revocation checking is off for the whole result: the library turns it off for MDS roots (the MDS
   * reports compromise itself), and an offline kit has no CRLs for PEM roots, so with it on every
   * attestation would fail. Any policy tree is accepted, as the library does for MDS roots (Windows
   * Hello attestation certificates carry a critical certificate-policies extension); one result holds
   * both kinds of root, and policies play no part in the kit's trust decision.
   */
  private TrustRootsResult findTrustRoots(List<X509Certificate> chain, Optional<ByteArray> aaguid) {
    Set<X509Certificate> roots = new HashSet<>();
    if (mds.isPresent()) {
      Optional<AAGUID> id = aaguid.map(AAGUID::new);
      Set<MetadataBLOBPayloadEntry> trusted = mds.get().trusted().findEntries(chain, id);
      if (trusted.isEmpty() && !mds.get().all().findEntries(chain, id).isEmpty()) {
        return TrustRootsResult.builder().trustRoots(Set.of()).build();
      }
      trusted.stream()
          .map(MetadataBLOBPayloadEntry::getMetadataStatement)
          .flatMap(Optional::stream)
          .forEach(statement -> roots.addAll(statement.getAttestationRootCertificates()));
    }
    roots.addAll(pemRoots);
    return TrustRootsResult.builder()
        .trustRoots(roots)
        .enableRevocationChecking(false)
        .policyTreeValidator(policyNode -> true)
        .build();
  }

  private static Mds loadMds(Path file, Set<X509Certificate> anchors, String anchorsName, Clock clock)
      throws CustodyException {
    String jwt = readBlob(file);
    MetadataBLOB blob;
    try {
      blob = FidoMetadataDownloader.builder()
          .expectLegalHeader(LEGAL_HEADER)
          // Unused: with verifyDownloadsOnly and useBlob the downloader neither verifies nor downloads.
          .useTrustRoot(anchors.iterator().next())
          .useBlob(jwt)
          .verifyDownloadsOnly(true)
          .clock(clock)
          .build()
          .loadCachedBlob();
    } catch (Exception e) { // malformed input surfaces as checked and unchecked exceptions alike
      throw bad(file, FIDO_MDS_BLOB, "not an MDS3 BLOB (" + summary(e) + "); " + BLOB_HINT, e);
    }

    // Checked before the signature: a stale BLOB's certificates may have expired too, and "get a
    // fresh one" is the message that helps.
    int no = blob.getPayload().getNo();
    LocalDate nextUpdate = blob.getPayload().getNextUpdate();
    if (!nextUpdate.atStartOfDay(clock.getZone()).toInstant().isAfter(clock.instant())) {
      throw bad(file, FIDO_MDS_BLOB, "BLOB no. " + no + " was due to be replaced on " + nextUpdate
          + " (its nextUpdate); " + BLOB_HINT, null);
    }
    verifySignature(file, jwt, blob.getHeader(), anchors, anchorsName, clock);

    try {
      FidoMetadataService trusted = FidoMetadataService.builder()
          .useBlob(blob)
          .prefilter(Filters.allOf(Filters.notRevoked(), AttestationTrust::latestStatusNotBroken))
          .build();
      FidoMetadataService all = FidoMetadataService.builder()
          .useBlob(blob)
          .prefilter(entry -> true)
          .filter(authenticator -> true)
          .build();
      return new Mds(no, nextUpdate, trusted, all);
    } catch (Exception e) { // build() declares the downloader's exceptions but only indexes the entries
      throw bad(file, FIDO_MDS_BLOB, "unusable BLOB (" + summary(e) + "); " + BLOB_HINT, e);
    }
  }

  /**
   * The JWS check of the library's verifyBlob (RS256 or ES256 by the first {@code x5c} certificate,
   * which must chain to an anchor), plus RFC 7518's signature encoding for ES256 (the library expects
   * DER) and a retry with {@code x5c} shortened from the end, so that a chain ending in a cross-signed
   * root validates against either root.
   */
  private static void verifySignature(Path file, String jwt, MetadataBLOBHeader header,
      Set<X509Certificate> anchors, String anchorsName, Clock clock) throws CustodyException {
    List<X509Certificate> chain = header.getX5c().orElse(List.of());
    if (chain.isEmpty()) {
      throw bad(file, FIDO_MDS_BLOB, "the BLOB carries no signing certificates (x5c), and the kit does"
          + " not fetch them (x5u); " + BLOB_HINT, null);
    }
    String algorithm = switch (header.getAlg()) {
      case "RS256" -> "SHA256withRSA";
      case "ES256" -> "SHA256withECDSAinP1363Format";
      default -> throw bad(file, FIDO_MDS_BLOB, "the BLOB is signed with " + header.getAlg()
          + ", which the kit does not support (RS256, ES256); " + BLOB_HINT, null);
    };
    int lastDot = jwt.lastIndexOf('.');
    try {
      Signature signature = Signature.getInstance(algorithm);
      signature.initVerify(chain.get(0).getPublicKey());
      signature.update(jwt.substring(0, lastDot).getBytes(StandardCharsets.US_ASCII));
      if (!signature.verify(Base64.getUrlDecoder().decode(jwt.substring(lastDot + 1)))) {
        throw bad(file, FIDO_MDS_BLOB, "the BLOB's signature does not verify; it was altered or damaged; "
            + BLOB_HINT, null);
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw bad(file, FIDO_MDS_BLOB, "the BLOB's signature cannot be checked (" + summary(e) + "); "
          + BLOB_HINT, e);
    }

    CertPathValidatorException failure = null;
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      CertPathValidator validator = CertPathValidator.getInstance("PKIX");
      PKIXParameters parameters = new PKIXParameters(
          anchors.stream().map(root -> new TrustAnchor(root, null)).collect(Collectors.toSet()));
      parameters.setRevocationEnabled(false);
      parameters.setDate(Date.from(clock.instant()));
      for (int length = chain.size(); length > 0; length--) {
        try {
          validator.validate(factory.generateCertPath(chain.subList(0, length)), parameters);
          return;
        } catch (CertPathValidatorException e) {
          // Report the first failure that says more than "no anchor", such as an expired certificate.
          if (failure == null || failure.getReason() == PKIXReason.NO_TRUST_ANCHOR) {
            failure = e;
          }
        }
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PKIX validation is unavailable in this JRE", e);
    }
    throw bad(file, FIDO_MDS_BLOB, "the BLOB's signing certificate does not chain to " + anchorsName + " at "
        + clock.instant() + " (" + summary(failure) + "); check " + FIDO_MDS_ROOT + ", or " + BLOB_HINT,
        failure);
  }

  /** Entries stay trusted after a compromise that a later report (a fixed firmware) supersedes. */
  private static boolean latestStatusNotBroken(MetadataBLOBPayloadEntry entry) {
    StatusReport latest = null;
    for (StatusReport report : entry.getStatusReports()) {
      if (latest == null || !before(report, latest)) {
        latest = report;
      }
    }
    return latest == null || !BROKEN.contains(latest.getStatus());
  }

  /** Undated reports count as the newest, so that a missing date cannot hide a compromise. */
  private static boolean before(StatusReport a, StatusReport b) {
    return a.getEffectiveDate().isPresent()
        && (b.getEffectiveDate().isEmpty() || a.getEffectiveDate().get().isBefore(b.getEffectiveDate().get()));
  }

  private static String readBlob(Path file) throws CustodyException {
    byte[] bytes = read(file, FIDO_MDS_BLOB, BLOB_HINT);
    String text = new String(bytes, StandardCharsets.US_ASCII).strip();
    // A JWS in compact form is three base64url parts; anything else is not worth handing to a parser.
    if (!text.matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+")) {
      throw bad(file, FIDO_MDS_BLOB, "not an MDS3 BLOB (expected a JWT: three base64url parts joined by"
          + " dots); " + BLOB_HINT, null);
    }
    return text;
  }

  private static List<X509Certificate> readCertificates(Path file, String key, String hint)
      throws CustodyException {
    byte[] bytes = read(file, key, hint);
    Collection<? extends Certificate> certificates;
    try {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes));
    } catch (CertificateException e) {
      throw bad(file, key, "not a PEM or DER X.509 certificate (" + summary(e) + "); " + hint, e);
    }
    if (certificates.isEmpty()) {
      throw bad(file, key, "holds no certificate; " + hint, null);
    }
    return certificates.stream().map(X509Certificate.class::cast).toList();
  }

  private static byte[] read(Path file, String key, String hint) throws CustodyException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw bad(file, key, "no such file; " + hint, e);
    } catch (AccessDeniedException e) {
      throw bad(file, key, "permission denied; let the kit's user read it, or " + hint, e);
    } catch (IOException e) {
      throw bad(file, key, "cannot be read (" + summary(e) + "); " + hint, e);
    }
  }

  private static CustodyException bad(Path file, String key, String problem, Throwable cause) {
    return new CustodyException(Reason.BAD_CONFIG, file + " (" + key + "): " + problem, cause);
  }

  /** The first line of an exception's message, for a one-line error; the cause keeps the rest. */
  private static String summary(Throwable e) {
    String message = Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName()).strip();
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    return line.length() <= 200 ? line : line.substring(0, 200) + "…";
  }

  private static AAGUID toAaguid(UUID uuid) {
    ByteBuffer bytes = ByteBuffer.allocate(16)
        .putLong(uuid.getMostSignificantBits())
        .putLong(uuid.getLeastSignificantBits());
    return new AAGUID(new ByteArray(bytes.array()));
  }
}
