package dev.breakglass.custody.directory;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An app registration with its credentials ({@code /applications(appId='...')}).
 *
 * @param id the application object id (PATCH and addKey use it)
 * @param appId the client id
 */
public record AppRegistration(String id, String appId, String displayName, List<KeyCredential> keyCredentials,
    List<PasswordCredential> passwordCredentials) {
  public AppRegistration {
    keyCredentials = List.copyOf(keyCredentials);
    passwordCredentials = List.copyOf(passwordCredentials);
  }

  /**
   * A certificate credential.
   *
   * @param thumbprint {@code customKeyIdentifier} as upper-case hex: the certificate's SHA-1
   *     thumbprint unless whoever added it chose otherwise
   * @param key the DER certificate, when Graph returned it (only with {@code $select=keyCredentials})
   */
  public record KeyCredential(String keyId, String type, String usage, Optional<String> displayName,
      Optional<String> thumbprint, Optional<Instant> startDateTime, Optional<Instant> endDateTime,
      Optional<byte[]> key) {}

  /** A client secret; the secret itself is never returned after creation. */
  public record PasswordCredential(String keyId, Optional<String> displayName, Optional<Instant> startDateTime,
      Optional<Instant> endDateTime) {}
}
