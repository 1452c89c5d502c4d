package dev.breakglass.ca;

import dev.breakglass.custody.ledger.Names;
import java.util.Objects;

/**
 * Create the CA root.
 *
 * @param name the root's common name, e.g. "Contoso break-glass CA"
 * @param passphrase encrypts the root key; at least {@link CertificateAuthority#MIN_CA_PASSPHRASE}
 *     characters. The caller wipes it after the call.
 */
public record CaInitRequest(String name, KeyType keyType, Validity validity, char[] passphrase, String actor) {
  public CaInitRequest {
    name = Names.check("CA name", name, 64);
    Objects.requireNonNull(keyType, "keyType");
    if (!keyType.forCa()) {
      throw new IllegalArgumentException("key type " + keyType + " is not offered for a CA root; use one of: "
          + KeyType.names(true));
    }
    Objects.requireNonNull(validity, "validity");
    Objects.requireNonNull(passphrase, "passphrase");
    Objects.requireNonNull(actor, "actor");
  }
}
