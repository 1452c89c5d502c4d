package dev.breakglass.custody.secret;

import java.util.Objects;

/**
 * One Shamir share of one password version. Any {@code threshold} shares of the same set rebuild
 * the password; fewer reveal nothing about it but its length.
 *
 * @param shareSet random id common to every share of one split, so that shares of different
 *     splits cannot be mixed
 * @param index the share's x-coordinate, 1..count
 * @param data the share bytes, as long as the password
 */
public record Share(String identity, int version, String shareSet, int index, int threshold, int count,
    byte[] data) {
  public Share {
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(shareSet, "shareSet");
    Objects.requireNonNull(data, "data");
    if (threshold < 2 || count < threshold || count > 255 || index < 1 || index > count || version < 1) {
      throw new IllegalArgumentException("share " + index + " of " + count + " (threshold " + threshold
          + ", version " + version + ") is out of range");
    }
  }

  /** {@code K-of-N}, as the ledger records the layout. */
  public String layout() {
    return threshold + "-of-" + count;
  }
}
