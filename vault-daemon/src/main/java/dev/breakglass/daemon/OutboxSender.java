package dev.breakglass.daemon;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.OutboxEntry;
import dev.breakglass.daemon.sink.AlertSink;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Delivers what the outbox holds: each due message to its sink, marking it delivered only after
 * the sink accepted it (at-least-once), and backing off per message when the sink fails: 5 s,
 * 10 s, 20 s, ... up to the configured ceiling. A sink that is down loses nothing; its messages
 * wait in the ledger file, across restarts, until it is back.
 */
public final class OutboxSender {
  static final Duration FIRST_RETRY = Duration.ofSeconds(5);
  /** Messages for a sink no longer in the config are kept and looked at again this often. */
  static final Duration ORPHAN_RETRY = Duration.ofHours(1);
  static final int BATCH = 100;

  private final Ledger ledger;
  private final Clock clock;
  private final Supplier<Map<String, AlertSink>> sinks;
  private final Duration maxBackoff;

  /** One delivery attempt's outcome, for logs and metrics. */
  public record Attempt(OutboxEntry entry, boolean delivered, String error) {}

  public OutboxSender(Ledger ledger, Clock clock, Supplier<Map<String, AlertSink>> sinks, Duration maxBackoff) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sinks = Objects.requireNonNull(sinks, "sinks");
    this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff");
  }

  /** Tries every message due now, oldest first; returns what happened to each. */
  public List<Attempt> deliverDue() throws CustodyException {
    List<Attempt> out = new ArrayList<>();
    Map<String, AlertSink> bySink = sinks.get();
    java.util.Set<String> failing = new java.util.HashSet<>();
    for (OutboxEntry e : ledger.outboxDue(BATCH)) {
      AlertSink sink = bySink.get(e.sink());
      if (sink == null) {
        // Its sink was renamed or removed: the alert goes to every sink there is now, and this row
        // is closed, so that nothing waits forever for a sink that will not come back.
        List<dev.breakglass.custody.ledger.OutboxMessage> rerouted = bySink.keySet().stream()
            .map(s -> new dev.breakglass.custody.ledger.OutboxMessage(e.alertId(), s, e.payload())).toList();
        if (rerouted.isEmpty()) {
          ledger.outboxFailed(e.id(), "sink '" + e.sink() + "' is no longer configured, and no sink is",
              clock.instant().plus(ORPHAN_RETRY));
          out.add(new Attempt(e, false, "no sink configured"));
          continue;
        }
        ledger.enqueue(rerouted, Map.of());
        ledger.outboxDelivered(e.id());
        out.add(new Attempt(e, false, "sink '" + e.sink() + "' is no longer configured: re-queued for "
            + String.join(", ", bySink.keySet())));
        continue;
      }
      if (failing.contains(e.sink())) {
        continue; // one failure per sink per round: a dead sink's timeout is not paid once per message
      }
      try {
        sink.deliver(AlertJson.fromJson(e.payload()));
        ledger.outboxDelivered(e.id());
        out.add(new Attempt(e, true, ""));
      } catch (DaemonException | RuntimeException ex) {
        String why = ex instanceof DaemonException ? ex.getMessage() : ex.getClass().getSimpleName() + ": "
            + ex.getMessage();
        failing.add(e.sink());
        ledger.outboxFailed(e.id(), why, clock.instant().plus(backoff(e.attempts())));
        out.add(new Attempt(e, false, why));
      }
    }
    return out;
  }

  /** The wait after the {@code attempts + 1}-th failure. */
  Duration backoff(int attempts) {
    Duration d = FIRST_RETRY.multipliedBy(1L << Math.min(attempts, 20));
    return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
  }
}
