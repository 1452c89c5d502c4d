package dev.breakglass.cli.custody;

import dev.breakglass.cli.ExitCodes;
import dev.breakglass.cli.key.CeremonyOptions;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.fido.KeyCeremonies;
import dev.breakglass.custody.fido.LoopbackCeremony;
import dev.breakglass.custody.ledger.CounterVerdict;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Json;
import dev.breakglass.custody.ledger.KeyAssertion;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/** {@code --verify-key} on check-out and check-in: the custody event carries the key's assertion. */
final class VerifyKey {
  /** The custody step, given the verified assertion. */
  @FunctionalInterface
  interface Step {
    Event record(KeyAssertion assertion) throws CustodyException;
  }

  private VerifyKey() {}

  static Event run(Ledger l, CeremonyOptions ceremony, Clock clock, String item, Step step) throws Exception {
    Duration timeout = ceremony.timeout(l.config());
    KeyCeremonies keys = ceremony.keys(l, clock);
    l.requireKeyOwner(KeyOwner.item(item), false); // no key on record: refuse before a server starts
    try (LoopbackCeremony c = ceremony.open(l)) {
      KeyCeremonies.Verification v = keys.startVerification(KeyOwner.item(item), c.origin(), timeout);
      return c.run(v.page(), json -> step.record(keys.finishVerification(v, json)),
          e -> (usedInSafe(e) ? "ALARM: the key's signature counter moved while it was in its safe; alarm recorded"
              + " (event " + (e.seq() - 1) + "), see the terminal. " : "") + "The key is item '" + e.item().orElse(item)
              + "'s registered key; " + e.type() + " recorded as event " + e.seq() + ". You can close this page.",
          timeout, ceremony.announce(timeout));
    }
  }

  /** Prints what the key check found; {@link ExitCodes#KEY_ALARM} when it raised an alarm. */
  static int report(Event e, PrintWriter out, PrintWriter err) {
    Map<String, Object> d = Json.read(e.details());
    if (!d.containsKey("keyVerdict")) {
      return ExitCodes.OK;
    }
    out.printf("key verified: counter %s (was %s, %s)%n", d.get("keySignCount"), d.get("keyPreviousCount"),
        d.get("keyVerdict"));
    out.flush();
    if (usedInSafe(e)) {
      long from = ((Number) d.get("keyPreviousCount")).longValue();
      long to = ((Number) d.get("keySignCount")).longValue();
      // The alarm is appended just before the custody event, under the same write lock.
      err.println("bg: ALARM: item '" + e.item().orElse("?") + "': the key's signature counter moved from " + from
          + " to " + to + " while it was in its safe: it signed " + (to - from - 1) + " time(s) there. Alarm"
          + " recorded (event " + (e.seq() - 1) + "); see the custodian guide, 'Key alarms'");
      err.flush();
      return ExitCodes.KEY_ALARM;
    }
    return ExitCodes.OK;
  }

  private static boolean usedInSafe(Event e) {
    return CounterVerdict.USED_IN_SAFE.wireName().equals(Json.read(e.details()).get("keyVerdict"));
  }
}
