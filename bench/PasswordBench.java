import dev.breakglass.custody.secret.EntraPasswords;
import java.lang.reflect.Method;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

/**
 * Password benchmark: passwords generated per second (64 and 256 characters), the time to split a
 * 256-character password 5-of-9 and rebuild it from 5 shares, and one Argon2id verification. Run with
 * {@code java -cp cli/target/bg.jar bench/PasswordBench.java}. Prints key=value lines.
 */
public class PasswordBench {
  public static void main(String[] args) throws Exception {
    SecureRandom random = new SecureRandom();
    for (int length : new int[] {64, 256}) {
      for (int i = 0; i < 2000; i++) {
        EntraPasswords.generate(length, random); // warm-up
      }
      int n = length == 64 ? 50_000 : 20_000;
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        EntraPasswords.generate(length, random);
      }
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("generate.%d.per_second=%.0f%n", length, n / s);
    }
    // Shamir is package-private: reach it the way the tests do, by name, to time exactly what the kit runs.
    Class<?> shamir = Class.forName("dev.breakglass.custody.secret.Shamir");
    Method split = shamir.getDeclaredMethod("split", char[].class, String.class, int.class, int.class, int.class,
        SecureRandom.class);
    Method combine = shamir.getDeclaredMethod("combine", List.class);
    split.setAccessible(true);
    combine.setAccessible(true);
    char[] password = EntraPasswords.generate(256, random);
    for (int i = 0; i < 200; i++) {
      List<?> shares = (List<?>) split.invoke(null, password, "bg1@contoso.onmicrosoft.com", 1, 5, 9, random);
      combine.invoke(null, shares.subList(0, 5));
    }
    int rounds = 1000;
    long splitNs = 0;
    long combineNs = 0;
    for (int i = 0; i < rounds; i++) {
      long a = System.nanoTime();
      List<?> shares = (List<?>) split.invoke(null, password, "bg1@contoso.onmicrosoft.com", 1, 5, 9, random);
      long b = System.nanoTime();
      char[] back = (char[]) combine.invoke(null, shares.subList(4, 9));
      long c = System.nanoTime();
      if (!Arrays.equals(back, password)) {
        throw new AssertionError("rebuilt password differs");
      }
      splitNs += b - a;
      combineNs += c - b;
    }
    System.out.printf("split.256.5of9.ms=%.3f%n", splitNs / 1e6 / rounds);
    System.out.printf("combine.256.5of9.ms=%.3f%n", combineNs / 1e6 / rounds);
    // The Argon2id verifier at the kit's cost (64 MiB, t=3, p=4): paid once per create and per check.
    dev.breakglass.custody.secret.Verifier v = dev.breakglass.custody.secret.Verifier.DEFAULT;
    String phc = v.create(password, random);
    long t = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      dev.breakglass.custody.secret.Verifier.matches(password, phc);
    }
    System.out.printf("argon2id.64MiB.t3.p4.ms=%.0f%n", (System.nanoTime() - t) / 1e6 / 5);
  }
}
