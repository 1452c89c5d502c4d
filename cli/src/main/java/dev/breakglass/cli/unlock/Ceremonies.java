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
