package dev.breakglass.custody.ledger;

/**
 * An assertion the relying party verified (signature, challenge, origin, RP ID), ready to be
 * judged against the key's counter history and recorded. Binary values are base64url.
 *
 * @param signCount the counter the key reported in this assertion
 */
public record KeyAssertion(
    String credentialId,
    long signCount,
    boolean userVerified,
    String authenticatorData,
    String clientDataJson,
    String signature) {
  public KeyAssertion {
    if (signCount < 0 || signCount > 0xffffffffL) {
      throw new IllegalArgumentException("signature counter out of range: " + signCount);
    }
  }
}
