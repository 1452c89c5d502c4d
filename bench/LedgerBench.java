import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.ledger.CheckinRequest;
import dev.breakglass.custody.ledger.CheckoutRequest;
import dev.breakglass.custody.ledger.Custodian;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventDraft;
import dev.breakglass.custody.ledger.EventType;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.ItemKind;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.NewItem;
import dev.breakglass.custody.ledger.Safe;
import dev.breakglass.custody.ledger.VerifyReport;
import dev.breakglass.custody.ledger.sqlite.SqliteLedgerStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Library-level ledger benchmarks for bench/run.sh. Prints its results as {@code key=value} lines
 * on stdout; anything else goes to stderr. Every mode checks that the ledger it measured verifies.
 *
 * <pre>
 * java -cp cli/target/bg.jar bench/LedgerBench.java append HOME EVENTS WARMUP
 *     new home; appends WARMUP (untimed) then EVENTS check-out/check-in events through
 *     Ledger.checkout/checkin, one transaction each, as the CLI does
 * java -cp cli/target/bg.jar bench/LedgerBench.java build HOME EVENTS BATCH
 *     new home; builds a chain of exactly EVENTS events with SqliteLedgerStore.append,
 *     BATCH events per write transaction
 * java -cp cli/target/bg.jar bench/LedgerBench.java verify HOME EVENTS
 *     times Ledger.verify on an existing home; fails unless it is OK with EVENTS events
 * </pre>
 */
public final class LedgerBench {
  static final String ACTOR = "bench";
  static final String SAFE = "bench-safe";
  static final String ITEM = "bench-key";
  static final String ALICE = "Alice";
  static final String BOB = "Bob";

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      usage();
    }
    Path home = Path.of(args[1]);
    long events = Long.parseLong(args[2]);
    switch (args[0]) {
      case "append" -> append(home, events, args.length > 3 ? Long.parseLong(args[3]) : 0);
      case "build" -> build(home, events, args.length > 3 ? Integer.parseInt(args[3]) : 10_000);
      case "verify" -> verify(home, events);
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println("usage: LedgerBench append HOME EVENTS [WARMUP] | build HOME EVENTS [BATCH]"
        + " | verify HOME EVENTS");
    System.exit(2);
  }

  /** A new home with one two-person safe, two custodians and one unsealed item, as the CLI would set it up. */
  private static Ledger setUp(Path home, Clock clock) throws CustodyException {
    if (Files.exists(home)) {
      throw new IllegalArgumentException(home + " exists; give a new directory");
    }
    Ledger l = Ledger.init(home, ACTOR, clock);
    l.addSafe(new Safe(SAFE, "bench room", true), ACTOR);
    l.addCustodian(new Custodian(ALICE, "+44 20 7946 0001"), ACTOR);
    l.addCustodian(new Custodian(BOB, "+44 20 7946 0002"), ACTOR);
    l.addItem(new NewItem(ITEM, ItemKind.OTHER, Optional.empty(), Optional.empty(), SAFE, Optional.empty()),
        ACTOR);
    return l;
  }

  // --- 4: events per second through the library, one transaction per event -----------------------

  private static void append(Path home, long events, long warmup) throws Exception {
    Clock clock = Clock.systemUTC();
    try (Ledger l = setUp(home, clock)) {
      long setUpEvents = l.head().orElseThrow().seq();
      boolean[] out = {false};
      for (long i = 0; i < warmup; i++) {
        cycle(l, out, i);
      }
      long t0 = System.nanoTime();
      for (long i = 0; i < events; i++) {
        cycle(l, out, warmup + i);
      }
      long nanos = System.nanoTime() - t0;
      VerifyReport r = l.verify(Optional.empty());
      long expected = setUpEvents + warmup + events;
      check(r, expected);
      double seconds = nanos / 1e9;
      System.out.println("append.events=" + events);
      System.out.println("append.warmup=" + warmup);
      System.out.println("append.seconds=" + fmt(seconds));
      System.out.println("append.per_second=" + fmt(events / seconds));
      System.out.println("append.ms_per_event=" + fmt(nanos / 1e6 / events));
      System.out.println("append.chain_events=" + r.events());
    }
  }

  /** One check-out or check-in, whichever is valid next. */
  private static void cycle(Ledger l, boolean[] out, long n) throws CustodyException {
    if (!out[0]) {
      l.checkout(new CheckoutRequest(ITEM, ALICE, Optional.of(BOB), "bench drill " + n, Optional.empty(),
          Optional.empty(), Optional.empty()));
    } else {
      l.checkin(new CheckinRequest(ITEM, ALICE, Optional.of(BOB), Optional.empty(), Optional.empty(),
          Optional.empty()));
    }
    out[0] = !out[0];
  }

  // --- 5a: build a long chain fast, many events per transaction ----------------------------------

  private static void build(Path home, long events, int batch) throws Exception {
    Instant start = Instant.now().minusSeconds(events + 60);
    long setUpEvents;
    try (Ledger l = setUp(home, Clock.fixed(start, java.time.ZoneOffset.UTC))) {
      setUpEvents = l.head().orElseThrow().seq();
    }
    if (events < setUpEvents) {
      throw new IllegalArgumentException("a chain needs at least " + setUpEvents + " events");
    }
    long t0 = System.nanoTime();
    try (SqliteLedgerStore store = SqliteLedgerStore.open(home.resolve(Ledger.LEDGER_FILE), Duration.ofSeconds(10),
        ACTOR, start)) {
      long[] next = {setUpEvents + 1};
      long[] outSeq = {0};
      while (next[0] <= events) {
        long end = Math.min(events, next[0] + batch - 1);
        store.write(() -> {
          for (; next[0] <= end; next[0]++) {
            Instant ts = start.plusSeconds(next[0]);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("safe", SAFE);
            EventDraft draft;
            if (outSeq[0] == 0) {
              draft = new EventDraft(EventType.ITEM_CHECKED_OUT, Optional.of(ALICE), Optional.of(BOB),
                  Optional.of(ITEM), Optional.of("bench drill " + next[0]), Optional.empty(), d);
            } else {
              d.put("heldBy", ALICE);
              d.put("checkoutEvent", outSeq[0]);
              draft = new EventDraft(EventType.ITEM_CHECKED_IN, Optional.of(ALICE), Optional.of(BOB),
                  Optional.of(ITEM), Optional.empty(), Optional.empty(), d);
            }
            Event e = store.append(draft, ts);
            if (e.seq() != next[0]) {
              throw new IllegalStateException("appended event " + e.seq() + ", expected " + next[0]);
            }
            outSeq[0] = draft.type() == EventType.ITEM_CHECKED_OUT ? e.seq() : 0;
          }
          return null;
        });
      }
      long nanos = System.nanoTime() - t0;
      long count = store.eventCount();
      if (count != events) {
        throw new IllegalStateException("built " + count + " events, expected " + events);
      }
      double seconds = nanos / 1e9;
      System.out.println("build.events=" + count);
      System.out.println("build.batch=" + batch);
      System.out.println("build.seconds=" + fmt(seconds));
      System.out.println("build.per_second=" + fmt((events - setUpEvents) / seconds));
    }
  }

  // --- 5b: verify it ------------------------------------------------------------------------------

  private static void verify(Path home, long events) throws Exception {
    try (Ledger l = Ledger.open(home, ACTOR, Clock.systemUTC())) {
      long t0 = System.nanoTime();
      VerifyReport r = l.verify(Optional.empty());
      long nanos = System.nanoTime() - t0;
      check(r, events);
      System.out.println("verify.events=" + r.events());
      System.out.println("verify.seconds=" + fmt(nanos / 1e9));
      System.out.println("verify.head=" + r.head().map(Head::toString).orElse("-"));
    }
  }

  private static void check(VerifyReport r, long expected) {
    if (!r.ok()) {
      throw new IllegalStateException("the ledger does not verify at event " + r.firstBadSeq().orElse(0L) + ": "
          + r.problem().orElse("?"));
    }
    if (r.events() != expected) {
      throw new IllegalStateException("the ledger verified with " + r.events() + " events, expected " + expected);
    }
  }

  private static String fmt(double v) {
    return String.format(java.util.Locale.ROOT, "%.3f", v);
  }
}
