package dev.breakglass.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.ReviewRequest;
import dev.breakglass.custody.ledger.SessionRequest;
import dev.breakglass.custody.ledger.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeriodicChecksTest {
  @TempDir Path home;
  TestClock clock = new TestClock(Fixture.START);
  Ledger ledger;
  PeriodicChecks checks;

  @BeforeEach
  void setUp() throws Exception {
    ledger = Ledger.init(home, "admin", clock);
    Fixture.populate(ledger);
    checks = new PeriodicChecks(ledger, clock, () -> List.of("ops"));
  }

  @AfterEach
  void tearDown() {
    ledger.close();
  }

  List<Alert.Kind> kinds(PeriodicChecks.Result r) {
    return r.alerted().stream().map(Alert::kind).toList();
  }

  @Test
  void aFinding_isAlertedWhenItAppearsOrChanges_andRemindedDaily() throws Exception {
    PeriodicChecks.Result first = checks.runOnce(Optional.empty());
    assertEquals(List.of(Alert.Kind.REVIEW_OVERDUE), kinds(first)); // never-reviewed items
    assertEquals(1, ledger.outboxStats().pending());
    clock.advance(Duration.ofHours(6));
    assertEquals(List.of(), kinds(checks.runOnce(Optional.empty())), "unchanged: no repeat");
    Ledger again = ledger; // a restart keeps what was alerted
    checks = new PeriodicChecks(again, clock, () -> List.of("ops"));
    assertEquals(List.of(), kinds(checks.runOnce(Optional.empty())));
    clock.advance(Duration.ofHours(18));
    assertEquals(List.of(Alert.Kind.REVIEW_OVERDUE), kinds(checks.runOnce(Optional.empty())), "daily reminder");
    ledger.review(new ReviewRequest("spare-envelope", "Carol", Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty()));
    PeriodicChecks.Result changed = checks.runOnce(Optional.empty());
    assertEquals(List.of(Alert.Kind.REVIEW_OVERDUE), kinds(changed), "the set changed");
    assertTrue(changed.alerted().get(0).details().get(0).startsWith("bg1-key in hq-safe: last reviewed never"),
        changed.alerted().get(0).details().toString());
  }

  @Test
  void aSessionPastItsExpectedEnd_isAlertedHigh() throws Exception {
    checks.runOnce(Optional.empty());
    ledger.openSession(new SessionRequest("bg1@contoso.onmicrosoft.com", "Alice", Optional.of("Bob"), "lockout",
        Optional.empty(), false, Duration.ofHours(1)));
    clock.advance(Duration.ofMinutes(61));
    PeriodicChecks.Result r = checks.runOnce(Optional.empty());
    assertEquals(List.of(Alert.Kind.SESSION_OVERDUE), kinds(r));
    assertEquals(Alert.Severity.HIGH, r.alerted().get(0).severity());
  }
}
