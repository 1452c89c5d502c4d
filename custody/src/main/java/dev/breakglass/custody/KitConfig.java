package dev.breakglass.custody;

import dev.breakglass.custody.CustodyException.Reason;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The kit's settings, read once from {@code bg.conf} in the home.
 *
 * <p>Format: one {@code key = value} a line; blank lines and lines starting with {@code #} are
 * ignored; keys are dotted lower-case names; a key may appear once. An unknown key is an error, so
 * that a typo cannot silently leave a default in force. Errors name the file, the line and the key.
 *
 * @param reviewInterval how often every item must be inspected and the whole kit reviewed ({@code bg
 *     review}); {@code review.interval-days}
 * @param busyTimeout how long to wait for another process's write to finish ({@code
 *     ledger.busy-timeout-ms})
 * @param expiryWarning how long before expiry a certificate or CA shows in {@code bg status}
 *     ({@code ca.expiry-warning-days})
 * @param fido the FIDO2 attestation policy and ceremony settings ({@code fido.*})
 * @param entra how to reach the tenant through Microsoft Graph ({@code entra.*})
 * @param namedWitnessAllowed whether the second person of an unlock quorum may be a named witness
 *     instead of proving presence with their own key ({@code unlock.allow-named-witness})
 */
public record KitConfig(Duration reviewInterval, Duration busyTimeout, Duration expiryWarning, Fido fido,
    Entra entra, boolean namedWitnessAllowed) {
  public static final String FILE_NAME = "bg.conf";
  public static final String REVIEW_INTERVAL_DAYS = "review.interval-days";
  public static final String BUSY_TIMEOUT_MS = "ledger.busy-timeout-ms";
  public static final String EXPIRY_WARNING_DAYS = "ca.expiry-warning-days";
  public static final String FIDO_ALLOWED_AAGUIDS = "fido.allowed-aaguids";
  public static final String FIDO_REQUIRE_TRUSTED = "fido.require-trusted-attestation";
  public static final String FIDO_MDS_BLOB = "fido.mds-blob";
  public static final String FIDO_MDS_ROOT = "fido.mds-root";
  public static final String FIDO_TRUST_ROOTS = "fido.trust-roots";
  public static final String FIDO_TIMEOUT_SECONDS = "fido.ceremony-timeout-seconds";
  public static final String ENTRA_TENANT = "entra.tenant-id";
  public static final String ENTRA_CLIENT = "entra.client-id";
  public static final String ENTRA_AUTH = "entra.auth";
  public static final String ENTRA_CERTIFICATE = "entra.certificate";
  public static final String ENTRA_CERTIFICATE_PASSWORD_FILE = "entra.certificate-password-file";
  public static final String ENTRA_CLIENT_SECRET_FILE = "entra.client-secret-file";
  public static final String ENTRA_ACCESS_TOKEN_FILE = "entra.access-token-file";
  public static final String ENTRA_GRAPH_URL = "entra.graph-url";
  public static final String UNLOCK_NAMED_WITNESS = "unlock.allow-named-witness";

  /**
   * How the kit signs in to Microsoft Graph. Paths are absolute (relative ones in the file are
   * resolved against the home). Which fields an {@code auth} mode needs is checked when the file is
   * read.
   *
   * @param auth {@code none} (no Graph configured), {@code certificate}, {@code managed-identity},
   *     {@code device-code}, {@code client-secret} or {@code access-token}
   * @param graphUrl the Graph root, {@code https://graph.microsoft.com} unless tests point it at a
   *     local server
   */
  public record Entra(String auth, Optional<String> tenantId, Optional<String> clientId,
      Optional<Path> certificate, Optional<Path> certificatePasswordFile, Optional<Path> clientSecretFile,
      Optional<Path> accessTokenFile, String graphUrl) {
    public static final List<String> AUTH_MODES =
        List.of("none", "certificate", "managed-identity", "device-code", "client-secret", "access-token");
  }

  /**
   * The FIDO2 policy: which authenticator models may be registered and whether their attestation
   * must chain to a trusted root. Paths are absolute (relative ones in the file are resolved
   * against the home).
   *
   * @param allowedAaguids models that may be registered; empty allows any
   * @param requireTrustedAttestation refuse a key whose attestation does not chain to a trust root
   * @param mdsBlob a FIDO Metadata Service (MDS3) BLOB the admin downloaded
   * @param mdsRoot the root the BLOB's signature chains to (GlobalSign Root R46, formerly R3, for the
   *     FIDO Alliance's)
   * @param trustRoots PEM files of attestation roots (e.g. the vendor's)
   * @param ceremonyTimeout how long a browser ceremony waits for the user
   */
  public record Fido(Set<UUID> allowedAaguids, boolean requireTrustedAttestation, Optional<Path> mdsBlob,
      Optional<Path> mdsRoot, List<Path> trustRoots, Duration ceremonyTimeout) {
    public Fido {
      allowedAaguids = Set.copyOf(allowedAaguids);
      trustRoots = List.copyOf(trustRoots);
      if (ceremonyTimeout.isNegative() || ceremonyTimeout.isZero()) {
        throw new IllegalArgumentException("ceremony timeout must be positive, got " + ceremonyTimeout);
      }
    }
  }

  /**
   * Six months between reviews by default; Microsoft asks for emergency-access accounts to be
   * validated at least every 90 days, which {@code review.interval-days = 90} sets.
   */
  public static final KitConfig DEFAULTS =
      new KitConfig(Duration.ofDays(183), Duration.ofSeconds(10), Duration.ofDays(30),
          new Fido(Set.of(), false, Optional.empty(), Optional.empty(), List.of(), Duration.ofSeconds(300)),
          new Entra("none", Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
              Optional.empty(), "https://graph.microsoft.com"), false);

  private static final List<String> KNOWN = List.of(REVIEW_INTERVAL_DAYS, BUSY_TIMEOUT_MS, EXPIRY_WARNING_DAYS,
      FIDO_ALLOWED_AAGUIDS, FIDO_REQUIRE_TRUSTED, FIDO_MDS_BLOB, FIDO_MDS_ROOT, FIDO_TRUST_ROOTS,
      FIDO_TIMEOUT_SECONDS, ENTRA_TENANT, ENTRA_CLIENT, ENTRA_AUTH, ENTRA_CERTIFICATE, ENTRA_CERTIFICATE_PASSWORD_FILE,
      ENTRA_CLIENT_SECRET_FILE, ENTRA_ACCESS_TOKEN_FILE, ENTRA_GRAPH_URL, UNLOCK_NAMED_WITNESS);

  public KitConfig {
    if (reviewInterval.isNegative() || reviewInterval.isZero()) {
      throw new IllegalArgumentException("review interval must be positive, got " + reviewInterval);
    }
    if (busyTimeout.isNegative()) {
      throw new IllegalArgumentException("busy timeout must not be negative, got " + busyTimeout);
    }
    if (expiryWarning.isNegative()) {
      throw new IllegalArgumentException("expiry warning must not be negative, got " + expiryWarning);
    }
  }

  /** The file {@code bg init} writes: every key with its default and what it means. */
  public static String defaultFileText() {
    return "# BreakGlass Kit configuration. One 'key = value' a line; '#' starts a comment.\n"
        + "# Unknown keys are refused, so a typo cannot leave a default in force.\n"
        + "\n"
        + "# Days after which an item that has not been inspected, and the kit review ('bg review'), show\n"
        + "# as due in 'bg status'.\n"
        + REVIEW_INTERVAL_DAYS + " = " + DEFAULTS.reviewInterval.toDays() + "\n"
        + "\n"
        + "# Milliseconds to wait for another bg process that is writing the ledger.\n"
        + BUSY_TIMEOUT_MS + " = " + DEFAULTS.busyTimeout.toMillis() + "\n"
        + "\n"
        + "# Days before expiry at which a certificate or the CA shows in 'bg status'.\n"
        + EXPIRY_WARNING_DAYS + " = " + DEFAULTS.expiryWarning.toDays() + "\n"
        + "\n"
        + "# FIDO2 keys (see docs/custodian-guide.md). Models that may be registered, as AAGUIDs separated\n"
        + "# by commas; empty allows any model. Example (YubiKey 5 NFC, firmware 5.2/5.4):\n"
        + "#   " + FIDO_ALLOWED_AAGUIDS + " = 2fc0579f-8113-47ea-b116-bb5a8db9202a\n"
        + FIDO_ALLOWED_AAGUIDS + " =\n"
        + "# true refuses a key whose attestation does not chain to a trust root below; false records the\n"
        + "# attestation and warns.\n"
        + FIDO_REQUIRE_TRUSTED + " = false\n"
        + "# A FIDO Metadata Service BLOB downloaded from https://mds3.fidoalliance.org/ and the root its\n"
        + "# signature chains to (default: the system's GlobalSign Root R46 and Root CA - R3 files);\n"
        + "# PEM attestation roots (e.g. the vendor's), comma-separated.\n"
        + "# Relative paths are taken from this directory. Nothing is ever downloaded.\n"
        + "#   " + FIDO_MDS_BLOB + " = mds3-blob.jwt\n"
        + "#   " + FIDO_MDS_ROOT + " = /etc/ssl/certs/GlobalSign_Root_R46.pem\n"
        + "#   " + FIDO_TRUST_ROOTS + " = yubico-fido-attestation-root.pem\n"
        + "# Seconds a browser ceremony (bg key register/verify, bg custodian enrol) waits for the user.\n"
        + FIDO_TIMEOUT_SECONDS + " = " + DEFAULTS.fido.ceremonyTimeout().toSeconds() + "\n"
        + "\n"
        + "# Microsoft Graph (bg posture, bg app, --set-in-entra). entra.auth is one of: none, certificate\n"
        + "# (entra.certificate = PEM with an unencrypted key, or PFX with entra.certificate-password-file),\n"
        + "# managed-identity, device-code (an admin signs in), client-secret (entra.client-secret-file;\n"
        + "# accepted with a warning), access-token (entra.access-token-file, e.g. what\n"
        + "# 'az account get-access-token --resource https://graph.microsoft.com' prints). Secrets are read\n"
        + "# from files that only their owner can read, never from this file.\n"
        + ENTRA_AUTH + " = none\n"
        + "#   " + ENTRA_TENANT + " = contoso.onmicrosoft.com\n"
        + "#   " + ENTRA_CLIENT + " = 00000000-0000-0000-0000-000000000000\n"
        + "#   " + ENTRA_CERTIFICATE + " = monitor.pem\n"
        + "#   " + ENTRA_GRAPH_URL + " = https://graph.microsoft.com\n"
        + "\n"
        + "# The quorum of 'bg unlock': false (the default) makes both custodians prove presence with their\n"
        + "# own enrolled keys; true lets the second be a named witness who does not touch a key.\n"
        + UNLOCK_NAMED_WITNESS + " = " + DEFAULTS.namedWitnessAllowed + "\n";
  }

  /** Reads {@code file}; a missing file means the defaults. */
  public static KitConfig load(Path file) throws CustodyException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (NoSuchFileException e) {
      return DEFAULTS;
    } catch (CharacterCodingException e) {
      throw new CustodyException(Reason.BAD_CONFIG, file + ": not UTF-8 text; rewrite it as UTF-8", e);
    } catch (IOException e) {
      throw new CustodyException(Reason.IO, "cannot read " + file + ": " + e.getMessage(), e);
    }
    return parse(file, text);
  }

  static KitConfig parse(Path file, String text) throws CustodyException {
    Map<String, Integer> lineOf = new LinkedHashMap<>();
    Map<String, String> values = new LinkedHashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      int lineNo = i + 1;
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 0) {
        throw bad(file, lineNo, "expected 'key = value', found '" + line + "'");
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (!KNOWN.contains(key)) {
        throw bad(file, lineNo, "unknown key '" + key + "'; known keys: " + String.join(", ", KNOWN));
      }
      if (lineOf.containsKey(key)) {
        throw bad(file, lineNo, "key '" + key + "' is already set on line " + lineOf.get(key));
      }
      lineOf.put(key, lineNo);
      values.put(key, value);
    }
    Duration review = DEFAULTS.reviewInterval;
    if (values.containsKey(REVIEW_INTERVAL_DAYS)) {
      review = Duration.ofDays(
          number(file, lineOf.get(REVIEW_INTERVAL_DAYS), REVIEW_INTERVAL_DAYS,
              values.get(REVIEW_INTERVAL_DAYS), 1, 3650, "a whole number of days"));
    }
    Duration busy = DEFAULTS.busyTimeout;
    if (values.containsKey(BUSY_TIMEOUT_MS)) {
      busy = Duration.ofMillis(
          number(file, lineOf.get(BUSY_TIMEOUT_MS), BUSY_TIMEOUT_MS,
              values.get(BUSY_TIMEOUT_MS), 0, 600_000, "a whole number of milliseconds"));
    }
    Duration expiry = DEFAULTS.expiryWarning;
    if (values.containsKey(EXPIRY_WARNING_DAYS)) {
      expiry = Duration.ofDays(
          number(file, lineOf.get(EXPIRY_WARNING_DAYS), EXPIRY_WARNING_DAYS,
              values.get(EXPIRY_WARNING_DAYS), 0, 3650, "a whole number of days"));
    }
    boolean namedWitness = DEFAULTS.namedWitnessAllowed;
    if (values.containsKey(UNLOCK_NAMED_WITNESS)) {
      String v = values.get(UNLOCK_NAMED_WITNESS);
      if (!v.equals("true") && !v.equals("false")) {
        throw bad(file, lineOf.get(UNLOCK_NAMED_WITNESS), UNLOCK_NAMED_WITNESS + " must be true or false, got '"
            + v + "'");
      }
      namedWitness = v.equals("true");
    }
    return new KitConfig(review, busy, expiry, fido(file, values, lineOf), entra(file, values, lineOf),
        namedWitness);
  }

  private static Fido fido(Path file, Map<String, String> values, Map<String, Integer> lineOf)
      throws CustodyException {
    Fido d = DEFAULTS.fido;
    Set<UUID> aaguids = new java.util.LinkedHashSet<>();
    String list = values.getOrDefault(FIDO_ALLOWED_AAGUIDS, "");
    for (String a : list.split("[,\\s]+")) {
      if (a.isEmpty()) {
        continue;
      }
      try {
        if (a.length() != 36) {
          throw new IllegalArgumentException();
        }
        aaguids.add(UUID.fromString(a));
      } catch (IllegalArgumentException e) {
        throw bad(file, lineOf.get(FIDO_ALLOWED_AAGUIDS), FIDO_ALLOWED_AAGUIDS + ": '" + a
            + "' is not an AAGUID (8-4-4-4-12 hex digits, e.g. 2fc0579f-8113-47ea-b116-bb5a8db9202a)");
      }
    }
    boolean requireTrusted = d.requireTrustedAttestation();
    if (values.containsKey(FIDO_REQUIRE_TRUSTED)) {
      String v = values.get(FIDO_REQUIRE_TRUSTED);
      if (!v.equals("true") && !v.equals("false")) {
        throw bad(file, lineOf.get(FIDO_REQUIRE_TRUSTED), FIDO_REQUIRE_TRUSTED + " must be true or false, got '"
            + v + "'");
      }
      requireTrusted = v.equals("true");
    }
    Path dir = file.toAbsolutePath().getParent();
    Optional<Path> blob = path(dir, values.get(FIDO_MDS_BLOB));
    Optional<Path> root = path(dir, values.get(FIDO_MDS_ROOT));
    List<Path> roots = new java.util.ArrayList<>();
    for (String r : values.getOrDefault(FIDO_TRUST_ROOTS, "").split(",")) {
      path(dir, r).ifPresent(roots::add);
    }
    if (requireTrusted && blob.isEmpty() && roots.isEmpty()) {
      throw bad(file, lineOf.get(FIDO_REQUIRE_TRUSTED), FIDO_REQUIRE_TRUSTED + " = true needs trust roots: set "
          + FIDO_MDS_BLOB + " or " + FIDO_TRUST_ROOTS);
    }
    Duration timeout = d.ceremonyTimeout();
    if (values.containsKey(FIDO_TIMEOUT_SECONDS)) {
      timeout = Duration.ofSeconds(number(file, lineOf.get(FIDO_TIMEOUT_SECONDS), FIDO_TIMEOUT_SECONDS,
          values.get(FIDO_TIMEOUT_SECONDS), 10, 3600, "a whole number of seconds"));
    }
    return new Fido(aaguids, requireTrusted, blob, root, roots, timeout);
  }

  private static Entra entra(Path file, Map<String, String> values, Map<String, Integer> lineOf)
      throws CustodyException {
    Path dir = file.toAbsolutePath().getParent();
    String auth = values.getOrDefault(ENTRA_AUTH, "none");
    int authLine = lineOf.getOrDefault(ENTRA_AUTH, 0);
    if (!Entra.AUTH_MODES.contains(auth)) {
      throw bad(file, authLine, ENTRA_AUTH + " must be one of " + String.join(", ", Entra.AUTH_MODES) + ", got '"
          + auth + "'");
    }
    Optional<String> tenant = text(values.get(ENTRA_TENANT));
    Optional<String> client = text(values.get(ENTRA_CLIENT));
    Optional<Path> cert = path(dir, values.get(ENTRA_CERTIFICATE));
    Optional<Path> certPassword = path(dir, values.get(ENTRA_CERTIFICATE_PASSWORD_FILE));
    Optional<Path> secret = path(dir, values.get(ENTRA_CLIENT_SECRET_FILE));
    Optional<Path> token = path(dir, values.get(ENTRA_ACCESS_TOKEN_FILE));
    String graphUrl = values.getOrDefault(ENTRA_GRAPH_URL, DEFAULTS.entra.graphUrl()).strip();
    if (!graphUrl.matches("https://[^\\s/]+/?|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d+)?/?")) {
      throw bad(file, lineOf.get(ENTRA_GRAPH_URL), ENTRA_GRAPH_URL + " must be an https:// root such as"
          + " https://graph.microsoft.com (http only for localhost), got '" + graphUrl + "'");
    }
    boolean needsApp = List.of("certificate", "client-secret", "device-code").contains(auth);
    if (needsApp && (tenant.isEmpty() || client.isEmpty())) {
      throw bad(file, authLine, ENTRA_AUTH + " = " + auth + " needs " + ENTRA_TENANT + " and " + ENTRA_CLIENT);
    }
    if (auth.equals("certificate") && cert.isEmpty()) {
      throw bad(file, authLine, ENTRA_AUTH + " = certificate needs " + ENTRA_CERTIFICATE + " (a PEM or PFX file)");
    }
    if (auth.equals("client-secret") && secret.isEmpty()) {
      throw bad(file, authLine, ENTRA_AUTH + " = client-secret needs " + ENTRA_CLIENT_SECRET_FILE);
    }
    if (auth.equals("access-token") && token.isEmpty()) {
      throw bad(file, authLine, ENTRA_AUTH + " = access-token needs " + ENTRA_ACCESS_TOKEN_FILE);
    }
    return new Entra(auth, tenant, client, cert, certPassword, secret, token, graphUrl.replaceAll("/$", ""));
  }

  private static Optional<String> text(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  private static Optional<Path> path(Path dir, String value) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(dir.resolve(value.strip()).normalize());
  }

  private static long number(
      Path file, int line, String key, String value, long min, long max, String what)
      throws CustodyException {
    try {
      long n = Long.parseLong(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below with the range
    }
    throw bad(file, line, key + " must be " + what + " from " + min + " to " + max + ", got '" + value + "'");
  }

  private static CustodyException bad(Path file, int line, String what) {
    return new CustodyException(Reason.BAD_CONFIG, file + " line " + line + ": " + what);
  }
}
