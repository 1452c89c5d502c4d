package dev.breakglass.custody.ledger;

import java.util.Locale;

/** The canonical text forms of serial numbers and fingerprints in the ledger. */
public final class Fingerprints {
  private Fingerprints() {}

  /** A serial number: upper-case hex, no separators, no leading zeros beyond one digit. */
  public static String serial(String value) {
    String v = value == null ? "" : value.strip().replace(":", "").toUpperCase(Locale.ROOT);
    if (!v.matches("[0-9A-F]{1,64}")) {
      throw new IllegalArgumentException("serial '" + value + "' is not a hexadecimal serial number (as 'bg ca list' shows it)");
    }
    v = v.replaceFirst("^0+(?=.)", "");
    return v;
  }

  static String sha256(String value) {
    String v = value == null ? "" : value.replace(":", "").toLowerCase(Locale.ROOT);
    if (!v.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("SHA-256 fingerprint '" + value + "' is not 64 hex digits");
    }
    return v;
  }

  static String sha1(String value) {
    String v = value == null ? "" : value.replace(":", "").toUpperCase(Locale.ROOT);
    if (!v.matches("[0-9A-F]{40}")) {
      throw new IllegalArgumentException("SHA-1 thumbprint '" + value + "' is not 40 hex digits");
    }
    return v;
  }
}
