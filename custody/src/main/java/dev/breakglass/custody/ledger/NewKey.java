package dev.breakglass.custody.ledger;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A credential whose registration the relying party verified, to be recorded. Binary values are
 * base64url without padding; the attestation object and client data are kept as evidence.
 *
 * @param model the authenticator's name, when metadata or the built-in list knows its AAGUID
 * @param attestationType what the attestation proves, e.g. {@code BASIC}, {@code SELF_ATTESTATION}
 * @param trusted whether the attestation chains to a configured trust root
 * @param signCount the counter the key reported at registration
 */
public record NewKey(
    KeyOwner owner,
    String credentialId,
    String userHandle,
    String publicKeyCose,
    UUID aaguid,
    Optional<String> model,
    String attestationFormat,
    String attestationType,
    boolean trusted,
    List<String> transports,
    long signCount,
    boolean userVerified,
    String attestationObject,
    String clientDataJson) {
  public NewKey {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(aaguid, "aaguid");
    transports = List.copyOf(transports);
    if (signCount < 0 || signCount > 0xffffffffL) {
      throw new IllegalArgumentException("signature counter out of range: " + signCount);
    }
  }
}
