package dev.breakglass.custody.ledger;

import dev.breakglass.custody.CustodyException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * A separate process that writes the ledger, for the multi-process tests.
 *
 * <ul>
 *   <li>{@code checkout HOME ITEM BY WITNESS SEAL START_MILLIS}: waits until the wall clock reaches
 *       START_MILLIS (so that two workers race), checks out once, prints {@code OK SEQ} or {@code
 *       REFUSED message} and exits 0 or 1.
 *   <li>{@code init HOME}: prints {@code starting}, initialises HOME, prints {@code done}.
 *   <li>{@code churn HOME}: checks spare-envelope out and in until killed; prints {@code started}
 *       after its first commit.
 * </ul>
 */
public final class LedgerWorker {
  private LedgerWorker() {}

  public static void main(String[] args) throws Exception {
    Path home = Path.of(args[1]);
    if (args[0].equals("checkout")) {
      long start = Long.parseLong(args[6]);
      try (Ledger l = Ledger.open(home, "worker", Clock.systemUTC())) {
        while (System.currentTimeMillis() < start) {
          Thread.onSpinWait();
        }
        Event e = l.checkout(new CheckoutRequest(args[2], args[3], Optional.of(args[4]), "race",
            Optional.empty(), Optional.of(args[5]), Optional.empty()));
        System.out.println("OK " + e.seq());
        System.exit(0);
      } catch (CustodyException e) {
        System.out.println("REFUSED " + e.reason() + " " + e.getMessage());
        System.exit(1);
      }
    } else if (args[0].equals("init")) {
      System.out.println("starting");
      System.out.flush();
      Ledger.init(home, "worker", Clock.systemUTC()).close();
      System.out.println("done");
    } else if (args[0].equals("churn")) {
      try (Ledger l = Ledger.open(home, "worker", Clock.systemUTC())) {
        boolean started = false;
        while (true) {
          l.checkout(new CheckoutRequest("spare-envelope", "Carol", Optional.empty(), "churn",
              Optional.empty(), Optional.empty(), Optional.empty()));
          l.checkin(new CheckinRequest("spare-envelope", "Carol", Optional.empty(), Optional.empty(),
              Optional.empty(), Optional.empty()));
          if (!started) {
            System.out.println("started");
            System.out.flush();
            started = true;
          }
        }
      }
    }
  }
}
