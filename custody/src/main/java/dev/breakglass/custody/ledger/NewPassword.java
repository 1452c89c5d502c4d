package dev.breakglass.custody.ledger;

import java.util.Optional;

/**
 * A new password version to record: its shape and verifier, never the password.
 *
 * @param layout {@code single} or {@code K-of-N}
 * @param shareSet the random id printed on every share, when split
 * @param verifier an Argon2id PHC string ({@code $argon2id$v=19$m=…,t=…,p=…$salt$hash})
 */
public record NewPassword(
    String identity, int version, int length, int entropyBits, String layout, Optional<String> shareSet,
    String verifier) {
  public NewPassword {
    identity = Text.required("identity", identity, 256);
    if (version < 1) {
      throw new IllegalArgumentException("password version must be 1 or more, got " + version);
    }
    if (length < 1 || length > 256) {
      throw new IllegalArgumentException("password length must be 1 to 256, got " + length);
    }
    if (!layout.equals("single") && !layout.matches("\\d{1,3}-of-\\d{1,3}")) {
      throw new IllegalArgumentException("layout must be 'single' or 'K-of-N', got '" + layout + "'");
    }
    if (!verifier.startsWith("$argon2id$")) {
      throw new IllegalArgumentException("the verifier must be an Argon2id PHC string");
    }
  }
}
