package dev.breakglass.custody.secret;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Random passwords that Entra ID accepts for cloud-only users.
 *
 * <p>Entra allows A-Z, a-z, 0-9, the symbols {@code @ # $ % ^ & * - _ ! + = [ ] { } | \ : ' , . ? / ` ~ " ( )
 * ; < >} and blank space, 8 to 256 characters, three of the four classes (lower, upper, digit,
 * symbol); Unicode is refused ("Password policies and account restrictions in Microsoft Entra ID").
 * The generator draws uniformly from those 94 printable ASCII characters, leaving out only the
 * blank space, which paper, screens and web forms lose at the ends of a line. It insists on all four
 * classes (rejection sampling, so every accepted password is equally likely).
 */
public final class EntraPasswords {
  /** The 94 characters drawn from: every printable ASCII character except the space. */
  public static final String ALPHABET = alphabet();
  public static final int MIN_LENGTH = 16;
  public static final int MAX_LENGTH = 256;
  public static final int DEFAULT_LENGTH = 64;
  static final String SYMBOLS = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<>";

  private EntraPasswords() {}

  private static String alphabet() {
    StringBuilder b = new StringBuilder();
    for (char c = 0x21; c <= 0x7e; c++) {
      b.append(c);
    }
    return b.toString();
  }

  /** A new password of {@code length} characters; the caller wipes it. */
  public static char[] generate(int length, SecureRandom random) {
    checkLength(length);
    char[] p = new char[length];
    do {
      for (int i = 0; i < length; i++) {
        p[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length())); // nextInt(bound) is unbiased
      }
    } while (!allClasses(p));
    return p;
  }

  public static void checkLength(int length) {
    if (length < MIN_LENGTH || length > MAX_LENGTH) {
      throw new IllegalArgumentException("password length must be from " + MIN_LENGTH + " to " + MAX_LENGTH
          + " characters, got " + length);
    }
  }

  /** Whether {@code p} holds a lower-case letter, an upper-case letter, a digit and a symbol. */
  public static boolean allClasses(char[] p) {
    boolean lower = false;
    boolean upper = false;
    boolean digit = false;
    boolean symbol = false;
    for (char c : p) {
      lower |= c >= 'a' && c <= 'z';
      upper |= c >= 'A' && c <= 'Z';
      digit |= c >= '0' && c <= '9';
      symbol |= SYMBOLS.indexOf(c) >= 0;
    }
    return lower && upper && digit && symbol;
  }

  /** Whether every character of {@code p} is one Entra accepts (the alphabet, or a blank space). */
  public static boolean entraAccepts(char[] p) {
    for (char c : p) {
      if (c != ' ' && ALPHABET.indexOf(c) < 0) {
        return false;
      }
    }
    return p.length >= 8 && p.length <= 256;
  }

  /**
   * Entropy in whole bits of a password of {@code length} from this generator: log2 of the number
   * of passwords it can produce, i.e. those of the alphabet's length-n strings that hold all four
   * classes (counted by inclusion-exclusion over the classes left out).
   */
  public static int entropyBits(int length) {
    checkLength(length);
    int[] sizes = {26, 26, 10, SYMBOLS.length()};
    double fraction = 0;
    for (int mask = 0; mask < 16; mask++) {
      int missing = 0;
      for (int c = 0; c < 4; c++) {
        if ((mask & (1 << c)) != 0) {
          missing += sizes[c];
        }
      }
      double term = Math.pow((ALPHABET.length() - missing) / (double) ALPHABET.length(), length);
      fraction += Integer.bitCount(mask) % 2 == 0 ? term : -term;
    }
    return (int) Math.floor(length * (Math.log(ALPHABET.length()) / Math.log(2)) + Math.log(fraction) / Math.log(2));
  }

  static void wipe(char[] c) {
    if (c != null) {
      Arrays.fill(c, '\0');
    }
  }
}
