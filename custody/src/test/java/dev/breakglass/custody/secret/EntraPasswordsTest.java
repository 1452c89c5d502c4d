package dev.breakglass.custody.secret;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class EntraPasswordsTest {
  /** Entra's documented set: letters, digits, these symbols and blank space. */
  static final String ENTRA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
      + "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ";

  static SecureRandom seeded() throws Exception {
    SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
    r.setSeed(42L); // deterministic: the statistical test cannot flake
    return r;
  }

  @Test
  void alphabet_isEntrasSetWithoutTheBlank() {
    assertEquals(94, EntraPasswords.ALPHABET.length());
    for (char c : EntraPasswords.ALPHABET.toCharArray()) {
      assertTrue(ENTRA.indexOf(c) >= 0, "'" + c + "' is not in Entra's set");
    }
    assertEquals(ENTRA.length() - 1, EntraPasswords.ALPHABET.length(), "every Entra character but the blank");
  }

  @Test
  void generate_honoursLengthAndClasses() throws Exception {
    SecureRandom r = seeded();
    for (int length : new int[] {16, 17, 64, 255, 256}) {
      for (int n = 0; n < 50; n++) {
        char[] p = EntraPasswords.generate(length, r);
        assertEquals(length, p.length);
        assertTrue(EntraPasswords.allClasses(p));
        assertTrue(EntraPasswords.entraAccepts(p));
      }
    }
    assertEquals("password length must be from 16 to 256 characters, got 15",
        assertThrows(IllegalArgumentException.class, () -> EntraPasswords.generate(15, r)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> EntraPasswords.generate(257, r));
  }

  @Test
  void characters_areUniform_chiSquare() throws Exception {
    SecureRandom r = seeded();
    int[] counts = new int[128];
    int total = 0;
    for (int n = 0; n < 2000; n++) {
      for (char c : EntraPasswords.generate(64, r)) {
        counts[c]++;
        total++;
      }
    }
    double expected = total / 94.0;
    double chi2 = 0;
    for (char c : EntraPasswords.ALPHABET.toCharArray()) {
      chi2 += Math.pow(counts[c] - expected, 2) / expected;
    }
    // 93 degrees of freedom: the 0.9999 quantile is about 150; a biased draw lands far above.
    assertTrue(chi2 < 150, "chi-square " + chi2);
  }

  @Test
  void entropy_isReportedInBits() {
    assertEquals(419, EntraPasswords.entropyBits(64)); // 64 * log2(94) = 419.49, minus a hair for the class rule
    assertEquals(104, EntraPasswords.entropyBits(16));
  }
}
