package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A registered FIDO2 credential as the ledger currently knows it.
 *
 * @param signCount the newest signature counter the key reported
 * @param baselineEvent the verification after which the item has stayed in its safe, if it has
 * @param alarms how many key alarms were recorded for it
 */
public record FidoKey(
    String credentialId,
    KeyOwner owner,
    String userHandle,
    String publicKeyCose,
    UUID aaguid,
    Optional<String> model,
    String attestationFormat,
    String attestationType,
    boolean trusted,
    List<String> transports,
    long signCount,
    Optional<Instant> lastVerified,
    Optional<Long> lastVerifiedEvent,
    Optional<Long> baselineEvent,
    int alarms,
    long registeredEvent) {

  /** A key that reports 0 every time keeps no counter: clones and use in the safe go unseen. */
  public boolean noCounter() {
    return signCount == 0;
  }
}
