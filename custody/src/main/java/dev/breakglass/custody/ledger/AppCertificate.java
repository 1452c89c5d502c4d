package dev.breakglass.custody.ledger;

import java.util.Optional;

/**
 * A certificate of ours attached to an app registration as a key credential.
 *
 * @param identity the app's client id
 * @param keyId the keyCredential's keyId in Entra
 * @param detachedEvent the event that removed it, if it was removed
 */
public record AppCertificate(String serial, String identity, String keyId, long attachedEvent,
    Optional<Long> detachedEvent) {
  public boolean attached() {
    return detachedEvent.isEmpty();
  }
}
