package dev.breakglass.cli.ca;

import dev.breakglass.ca.CertificateAuthority;
import dev.breakglass.ca.KeyType;
import dev.breakglass.ca.Validity;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.UsageException;
import dev.breakglass.custody.ledger.Ledger;
import java.security.SecureRandom;

/** Shared wiring of the ca commands: the CA over an open ledger, and argument conversion. */
final class CaSession {
  private CaSession() {}

  static CertificateAuthority ca(Ledger ledger, LedgerOptions options) {
    return new CertificateAuthority(ledger, options.root().clock(), new SecureRandom());
  }

  static KeyType keyType(String name, boolean forCa) throws UsageException {
    KeyType t = KeyType.fromWireName(name).orElse(null);
    if (t == null || (forCa ? !t.forCa() : !t.forLeaf())) {
      throw new UsageException("--key '" + name + "' is not offered here; use one of: " + KeyType.names(forCa));
    }
    return t;
  }

  static Validity validity(String text) throws UsageException {
    try {
      return Validity.parse(text);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** A hex digest as pairs separated by colons, the form most tools print. */
  static String colons(String hex) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < hex.length(); i += 2) {
      if (i > 0) {
        b.append(':');
      }
      b.append(hex, i, i + 2);
    }
    return b.toString();
  }
}
