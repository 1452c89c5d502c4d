package dev.breakglass.custody.secret;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id verifiers in the PHC string format, {@code $argon2id$v=19$m=KiB,t=N,p=N$salt$hash}: what
 * the ledger keeps instead of a password, enough to check a rebuilt one and useless to recover it.
 *
 * @param memoryKiB RFC 9106's second recommended option is 64 MiB, t=3, p=4 ({@link #DEFAULT})
 */
public record Verifier(int memoryKiB, int iterations, int parallelism) {
  public static final Verifier DEFAULT = new Verifier(65_536, 3, 4);
  private static final Pattern PHC = Pattern.compile(
      "^\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,3}),p=(\\d{1,3})\\$([A-Za-z0-9+/]{16,64})\\$([A-Za-z0-9+/]{32,128})$");

  public Verifier {
    if (memoryKiB < 8 * parallelism || memoryKiB > 1_048_576 || iterations < 1 || iterations > 16
        || parallelism < 1 || parallelism > 16) {
      throw new IllegalArgumentException("Argon2id parameters out of range: m=" + memoryKiB + " t=" + iterations
          + " p=" + parallelism);
    }
  }

  /** A new verifier of {@code password} with a random 16-byte salt. */
  public String create(char[] password, SecureRandom random) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    byte[] hash = hash(password, salt, memoryKiB, iterations, parallelism);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    String phc = "$argon2id$v=19$m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism + "$"
        + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    Arrays.fill(hash, (byte) 0);
    return phc;
  }

  /** Whether {@code password} is the one {@code phc} was made from (compared in constant time). */
  public static boolean matches(char[] password, String phc) {
    Matcher m = PHC.matcher(phc);
    if (!m.matches()) {
      throw new IllegalArgumentException("not an Argon2id verifier this kit wrote");
    }
    byte[] salt = Base64.getDecoder().decode(m.group(4));
    byte[] expected = Base64.getDecoder().decode(m.group(5));
    // Bounded as a new verifier would be: a tampered ledger must not make a check take gigabytes.
    Verifier params = new Verifier(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
        Integer.parseInt(m.group(3)));
    byte[] actual = hash(password, salt, params.memoryKiB(), params.iterations(), params.parallelism(),
        expected.length);
    boolean same = MessageDigest.isEqual(expected, actual);
    Arrays.fill(actual, (byte) 0);
    return same;
  }

  private static byte[] hash(char[] password, byte[] salt, int m, int t, int p) {
    return hash(password, salt, m, t, p, 32);
  }

  private static byte[] hash(char[] password, byte[] salt, int m, int t, int p, int length) {
    Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13).withMemoryAsKB(m).withIterations(t).withParallelism(p)
        .withSalt(salt).build();
    Argon2BytesGenerator g = new Argon2BytesGenerator();
    g.init(params);
    byte[] out = new byte[length];
    // The kit's passwords are ASCII; converting here (not inside Bouncy Castle) lets the copy be wiped.
    byte[] bytes = new byte[password.length];
    for (int i = 0; i < password.length; i++) {
      bytes[i] = (byte) password[i];
    }
    try {
      g.generateBytes(bytes, out);
    } finally {
      Arrays.fill(bytes, (byte) 0);
      params.clear();
    }
    return out;
  }
}
