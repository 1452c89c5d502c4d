package dev.breakglass.entra;

import dev.breakglass.entra.EntraSettings.Auth;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * Measures a cold JVM's first Graph call (README, "First-call latency"): {@code FirstCallLatency
 * URL TOKEN_FILE} against a Graph test server in another process ({@link GraphTestServerMain}).
 * Prints milliseconds: JVM start to main, opening the connection, the first call (one user read),
 * a second call.
 */
public final class FirstCallLatency {
  private FirstCallLatency() {}

  public static void main(String[] args) throws Exception {
    long start = ManagementFactory.getRuntimeMXBean().getStartTime();
    long mainAt = System.currentTimeMillis();
    long t0 = System.nanoTime();
    EntraSettings s = new EntraSettings(Optional.empty(), Optional.empty(), URI.create(args[0]),
        new Auth.AccessToken(Path.of(args[1])));
    try (EntraConnection c = EntraConnection.open(s, Clock.systemUTC())) {
      long t1 = System.nanoTime();
      c.directory().user("bg1@contoso.onmicrosoft.com").orElseThrow();
      long t2 = System.nanoTime();
      c.directory().user("bg2@contoso.onmicrosoft.com").orElseThrow();
      long t3 = System.nanoTime();
      System.out.printf("jvm-to-main %d ms, open %d ms, first call %d ms, second call %d ms, classes %d%n",
          mainAt - start, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000,
          ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
    }
  }
}
