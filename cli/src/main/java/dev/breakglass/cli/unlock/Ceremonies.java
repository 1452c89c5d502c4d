package dev.breakglass.cli.unlock;

import dev.breakglass.cli.key.CeremonyOptions;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.fido.KeyCeremonies;
import dev.breakglass.custody.fido.LoopbackCeremony;
import dev.breakglass.custody.ledger.KeyAssertion;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;

/** One key verification on the loopback page, the same page as {@code bg key verify}. */
final class Ceremonies {
  /** Records the verified assertion (in whatever event the step makes). */
  @FunctionalInterface
  interface Step<T> {
    T record(KeyAssertion assertion) throws CustodyException;
  }

  private Ceremonies() {}

  /**
   * What a custody event's details say about its item's key, for the line printed after a check-out
   * or check-in: the verified counter and verdict, why it was not verified, or nothing.
   */
  static String keyNote(java.util.Map<String, Object> d) {
    if (d.containsKey("keyVerdict")) {
      return ", key verified: counter " + d.get("keySignCount") + " (" + d.get("keyVerdict") + ")";
    }
    return d.containsKey("keyCheckSkipped") ? ", key NOT verified: " + d.get("keyCheckSkipped") : "";
  }

  static <T> T verify(Ledger l, CeremonyOptions ceremony, Clock clock, KeyOwner owner, Step<T> step,
      Function<T, String> describe) throws Exception {
    Duration timeout = ceremony.timeout(l.config());
    KeyCeremonies keys = ceremony.keys(l, clock);
    try (LoopbackCeremony c = ceremony.open(l)) {
      KeyCeremonies.Verification v = keys.startVerification(owner, c.origin(), timeout);
      return c.run(v.page(), json -> step.record(keys.finishVerification(v, json)), describe, timeout,
          ceremony.announce(timeout));
    }
  }
}
