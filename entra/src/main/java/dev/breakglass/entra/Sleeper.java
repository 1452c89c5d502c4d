package dev.breakglass.entra;

import java.time.Duration;

/**
 * Waits, as Microsoft Graph asks when it throttles ({@code Retry-After}). Tests pass one that only
 * records the wait, so a 429 storm costs them no time.
 */
@FunctionalInterface
public interface Sleeper {
  /** Sleeps on the calling thread. */
  Sleeper SYSTEM = d -> Thread.sleep(d.toMillis());

  void sleep(Duration duration) throws InterruptedException;
}
