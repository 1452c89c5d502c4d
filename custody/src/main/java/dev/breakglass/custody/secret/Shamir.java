package dev.breakglass.custody.secret;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.crypto.threshold.ShamirSecretSplitter;
import org.bouncycastle.crypto.threshold.ShamirSplitSecret;
import org.bouncycastle.crypto.threshold.ShamirSplitSecretShare;

/**
 * Splits a password into shares and rebuilds it, with Bouncy Castle's Shamir implementation
 * (GF(2^8), AES polynomial). Requires Bouncy Castle 1.86 or later: earlier releases leaked through
 * timing and cache side channels and mis-sized the share array when the share count differed from
 * the secret's length.
 */
final class Shamir {
  private Shamir() {}

  static List<Share> split(char[] password, String identity, int version, int threshold, int count,
      SecureRandom random) {
    if (threshold < 2 || count < threshold || count > 255) {
      throw new IllegalArgumentException("shares must be K-of-N with 2 <= K <= N <= 255, got " + threshold + "-of-"
          + count);
    }
    byte[] secret = ascii(password);
    try {
      ShamirSplitSecret split = (ShamirSplitSecret) ShamirSecretSplitter.getInstance(
          ShamirSecretSplitter.Algorithm.AES, secret.length, random).resplit(secret, threshold, count);
      ShamirSplitSecretShare[] raw = split.getSecretShares();
      String set = ShareText.newSet(random);
      Share[] shares = new Share[count];
      for (int i = 0; i < count; i++) {
        shares[i] = new Share(identity, version, set, i + 1, threshold, count, raw[i].getEncoded());
      }
      return List.of(shares);
    } catch (IOException e) {
      throw new IllegalStateException("Shamir split failed", e);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  /**
   * Rebuilds the password from shares of one split. Refuses a mix of splits, repeated shares and too
   * few shares, none of which the arithmetic itself would notice.
   */
  static char[] combine(List<Share> shares) throws ShareText.BadShare {
    if (shares.isEmpty()) {
      throw new ShareText.BadShare("no shares were given");
    }
    Share first = shares.get(0);
    Set<Integer> seen = new HashSet<>();
    for (Share s : shares) {
      if (!s.identity().equalsIgnoreCase(first.identity()) || s.version() != first.version()
          || !s.shareSet().equals(first.shareSet()) || s.threshold() != first.threshold()
          || s.count() != first.count() || s.data().length != first.data().length) {
        throw new ShareText.BadShare("share " + s.index() + " belongs to " + s.identity() + " version " + s.version()
            + " (set " + s.shareSet() + "), not to " + first.identity() + " version " + first.version() + " (set "
            + first.shareSet() + "): shares of different passwords or splits cannot be mixed");
      }
      if (!seen.add(s.index())) {
        throw new ShareText.BadShare("share " + s.index() + " was given twice");
      }
    }
    if (shares.size() < first.threshold()) {
      throw new ShareText.BadShare(shares.size() + " share(s) given, but " + first.threshold() + " of "
          + first.count() + " are needed");
    }
    ShamirSplitSecretShare[] raw = new ShamirSplitSecretShare[shares.size()];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = new ShamirSplitSecretShare(shares.get(i).data().clone(), shares.get(i).index());
    }
    byte[] secret;
    try {
      secret = ShamirSplitSecret.getInstance(ShamirSecretSplitter.Algorithm.AES, raw).getSecret();
    } catch (IOException e) {
      throw new ShareText.BadShare("the shares could not be combined");
    } finally {
      for (Share s : shares) {
        Arrays.fill(s.data(), (byte) 0);
      }
    }
    try {
      CharBuffer chars = StandardCharsets.US_ASCII.decode(ByteBuffer.wrap(secret));
      char[] out = new char[chars.remaining()];
      chars.get(out);
      Arrays.fill(chars.array(), '\0');
      return out;
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  private static byte[] ascii(char[] password) {
    byte[] b = new byte[password.length];
    for (int i = 0; i < password.length; i++) {
      if (password[i] > 0x7e) {
        throw new IllegalArgumentException("a password character is outside ASCII");
      }
      b[i] = (byte) password[i];
    }
    return b;
  }
}
