package dev.breakglass.custody.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several processes on one ledger file: serialised writes, and a writer killed mid-transaction. */
class MultiProcessLedgerIT {
  @TempDir Path home;

  private static ProcessBuilder worker(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), LedgerWorker.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true);
  }

  private static String output(Process p) throws Exception {
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "worker did not finish");
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  @Test
  void concurrentCheckout_exactlyOneProcessWins() throws Exception {
    try (Ledger l = Ledger.init(home, "admin", Clock.systemUTC())) {
      Fixture.populate(l);
    }
    for (int round = 0; round < 3; round++) {
      long before;
      try (Ledger l = Ledger.open(home, "admin", Clock.systemUTC())) {
        before = l.head().orElseThrow().seq();
      }
      String seal = "SEAL-" + (round + 1);
      long start = System.currentTimeMillis() + 1500; // both JVMs are up and the ledger open by then
      Process a = worker("checkout", home.toString(), "bg1-key", "Alice", "Bob", seal, Long.toString(start)).start();
      Process b = worker("checkout", home.toString(), "bg1-key", "Carol", "Bob", seal, Long.toString(start)).start();
      String outA = output(a);
      String outB = output(b);
      List<String> outs = List.of(outA, outB);
      assertEquals(1, outs.stream().filter(o -> o.startsWith("OK ")).count(), outs.toString());
      String refusal = outs.stream().filter(o -> !o.startsWith("OK ")).findFirst().orElseThrow();
      assertTrue(refusal.startsWith("REFUSED REFUSED item 'bg1-key' is already checked out (by "), refusal);
      assertEquals(1, a.exitValue() + b.exitValue());

      try (Ledger l = Ledger.open(home, "admin", Clock.systemUTC())) {
        assertEquals(before + 1, l.head().orElseThrow().seq(), "exactly one event appended");
        assertTrue(l.verify(Optional.empty()).ok());
        Item item = l.item("bg1-key");
        String winner = outA.startsWith("OK ") ? "Alice" : "Carol";
        assertEquals(Optional.of(winner), item.holder());
        l.checkin(new CheckinRequest("bg1-key", winner, Optional.of("Bob"), Optional.of("SEAL-" + (round + 2)),
            Optional.empty(), Optional.empty()));
      }
    }
  }

  @Test
  void verify_isConsistentWhileAnotherProcessWrites() throws Exception {
    try (Ledger l = Ledger.init(home, "admin", Clock.systemUTC())) {
      Fixture.populate(l);
    }
    Process p = worker("churn", home.toString()).start();
    try {
      BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("started", r.readLine());
      for (int i = 0; i < 20; i++) {
        try (Ledger l = Ledger.openReadOnly(home, Clock.systemUTC())) {
          VerifyReport v = l.verify(Optional.empty());
          assertTrue(v.ok(), "run " + i + ": " + v.problem().orElse(""));
          assertEquals(v.events(), v.head().orElseThrow().seq(), "count and head from one snapshot");
        }
      }
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void initKilledAtAnyPoint_leavesAHomeThatInitOrOpenAccepts() throws Exception {
    for (int round = 0; round < 8; round++) {
      Path h = home.resolve("h" + round);
      Process p = worker("init", h.toString()).start();
      BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("starting", r.readLine());
      Thread.sleep(15L * round); // from before the home exists to after init finished
      p.destroyForcibly();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      if (java.nio.file.Files.exists(h.resolve(Ledger.LEDGER_FILE))) {
        try (Ledger l = Ledger.open(h, "admin", Clock.systemUTC())) {
          assertTrue(l.verify(Optional.empty()).ok(), "round " + round);
        }
      } else {
        Ledger.init(h, "admin", Clock.systemUTC()).close(); // no ledger: init again simply works
      }
    }
  }

  @Test
  void writerKilledMidWrite_leavesLedgerThatOpensAndVerifies() throws Exception {
    try (Ledger l = Ledger.init(home, "admin", Clock.systemUTC())) {
      Fixture.populate(l);
    }
    for (int round = 0; round < 3; round++) {
      Process p = worker("churn", home.toString()).start();
      BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("started", r.readLine());
      Thread.sleep(200L + 150L * round); // let it get well into its write loop
      p.destroyForcibly(); // SIGKILL: no shutdown hook, no rollback, no close
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));

      try (Ledger l = Ledger.open(home, "admin", Clock.systemUTC())) {
        VerifyReport v = l.verify(Optional.empty());
        assertTrue(v.ok(), v.problem().orElse(""));
        assertTrue(v.events() > 10, "the worker wrote events before it was killed");
        // The ledger is usable: whatever state the kill left, one more custody step works.
        Item spare = l.item("spare-envelope");
        if (spare.checkedOut()) {
          l.checkin(new CheckinRequest("spare-envelope", "Alice", Optional.empty(), Optional.empty(),
              Optional.empty(), Optional.empty()));
        }
      }
    }
  }
}
