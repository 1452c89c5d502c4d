package dev.breakglass.ca;

import java.nio.file.Path;
import dev.breakglass.custody.ledger.Names;
import java.util.Objects;
import java.util.Optional;

/**
 * Issue a client-authentication certificate for a break-glass app identity.
 *
 * @param identity the app's application id, registered with {@code bg identity add --app}
 * @param commonName the certificate's CN
 * @param outDir where the certificate, key and PFX go (default: the home's {@code issued/SERIAL})
 * @param caPassphrase opens the CA key; the caller wipes it
 * @param pfxPassword protects the PFX and the encrypted key file; the caller wipes it
 */
public record IssueRequest(
    String identity,
    String commonName,
    KeyType keyType,
    Validity validity,
    Optional<Path> outDir,
    char[] caPassphrase,
    char[] pfxPassword,
    String actor) {
  public IssueRequest {
    Objects.requireNonNull(identity, "identity");
    commonName = Names.check("common name (--cn)", commonName, 64);
    Objects.requireNonNull(keyType, "keyType");
    if (!keyType.forLeaf()) {
      throw new IllegalArgumentException("key type " + keyType + " is not accepted by Entra ID for app"
          + " certificates; use one of: " + KeyType.names(false));
    }
    Objects.requireNonNull(validity, "validity");
    Objects.requireNonNull(outDir, "outDir");
    Objects.requireNonNull(caPassphrase, "caPassphrase");
    Objects.requireNonNull(pfxPassword, "pfxPassword");
    Objects.requireNonNull(actor, "actor");
  }
}
