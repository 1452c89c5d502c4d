package dev.breakglass.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.Json;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.SessionRequest;
import dev.breakglass.custody.ledger.SignInRecorded;
import dev.breakglass.custody.ledger.SignInVerdict;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.entra.EntraConnection;
import dev.breakglass.entra.FakeTokens;
import dev.breakglass.entra.GraphTestServer;
import dev.breakglass.entra.RecordingSleeper;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon against the Graph test server (the real Graph SDK over HTTP), a real ledger file and a
 * real webhook receiver: the behaviours issue 7 names, one test each.
 */
class DaemonIT {
  static final String BG1 = "bg1@contoso.onmicrosoft.com";
  static final String BG1_ID = "5f1c8a52-9d3e-4b7a-8c21-0c4e8e7b1a01";
  static final String APP = "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01";
  static final Instant NOW = Instant.parse("2026-11-25T09:00:00Z");

  @TempDir Path home;
  TestClock clock = new TestClock(NOW);
  GraphTestServer graph;
  RecordingSleeper sleeper = new RecordingSleeper();
  EntraConnection entra;
  WebhookReceiver hook;
  Ledger ledger;
  List<String> log = new ArrayList<>();
  Daemon daemon;

  @BeforeEach
  void setUp() throws Exception {
    graph = GraphTestServer.start(GraphTestServer.CONTOSO);
    entra = EntraConnection.withTokens(graph.url(), FakeTokens.of("token-1"), clock, sleeper);
    hook = new WebhookReceiver();
    ledger = Ledger.init(home, "admin", clock);
    Fixture.populate(ledger);
    ledger.addIdentity(new Identity(IdentityKind.APP, APP, Optional.empty(), Optional.of("Break-glass app")), "admin");
    daemon = daemon();
  }

  Daemon daemon() throws DaemonException {
    DaemonConfig config = DaemonConfig.load(home.resolve("none.conf"), false, List.of(hook.url()));
    return new Daemon(ledger, entra.signIns(), Optional.empty(), clock, testLog(), new Metrics(), fixed(config),
        c -> List.of());
  }

  /** Collects the daemon's log lines in {@link #log}. */
  Daemon.Log testLog() {
    return new Daemon.Log() {
      @Override
      public void info(String m) {
        log.add("info: " + m);
      }

      @Override
      public void warn(String m) {
        log.add("warn: " + m);
      }

      @Override
      public void error(String m) {
        log.add("error: " + m);
      }
    };
  }

  static Daemon.ConfigSource fixed(DaemonConfig config) {
    return new Daemon.ConfigSource() {
      @Override
      public DaemonConfig current() {
        return config;
      }

      @Override
      public Optional<DaemonConfig> changed() {
        return Optional.empty();
      }
    };
  }

  @AfterEach
  void tearDown() {
    ledger.close();
    entra.close();
    graph.close();
    hook.close();
  }

  List<SignInRecorded> recorded() throws Exception {
    return ledger.signIns(Instant.EPOCH);
  }

  Map<String, SignInVerdict> verdicts() throws Exception {
    return recorded().stream().collect(Collectors.toMap(SignInRecorded::signInId, SignInRecorded::verdict));
  }

  List<JsonNode> signInAlerts() {
    return hook.accepted().stream().filter(a -> a.path("kind").asText().equals("SIGN_IN")).toList();
  }

  /** A new sign-in of bg1, {@code ago} before now, as Graph would return it. */
  void signIn(String id, Duration ago, int errorCode) {
    graph.addSignIn(GraphTestServer.signIn(id, clock.instant().minus(ago), BG1_ID, BG1, errorCode, "203.0.113.7"));
  }

  @Test
  void signInWithoutCustody_isUnexplainedAndAlertedWithTheLedgerHead() throws Exception {
    signIn("s-1", Duration.ofMinutes(3), 0);
    Daemon.Cycle c = daemon.cycle(true);
    assertEquals(1, c.poll().orElseThrow().recorded().size());
    SignInRecorded r = recorded().get(0);
    assertEquals(SignInVerdict.UNEXPLAINED, r.verdict());
    assertEquals(Optional.empty(), r.custodyEvent());
    JsonNode alert = signInAlerts().get(0);
    assertEquals("CRITICAL", alert.path("severity").asText());
    assertEquals("UNEXPLAINED", alert.path("verdict").asText());
    assertEquals("s-1", alert.path("signIn").path("id").asText());
    assertEquals("203.0.113.7", alert.path("signIn").path("ipAddress").asText());
    assertEquals("success", alert.path("signIn").path("result").asText());
    Event e = ledger.event(r.event()).orElseThrow();
    assertEquals(e.seq(), alert.path("ledgerHeadSeq").asLong());
    assertEquals(e.hash(), alert.path("ledgerHeadHash").asText());
    assertTrue(ledger.verify(Optional.empty()).ok());
  }

  @Test
  void signInInsideAnUnlockSession_isExpectedAndLinksTheSession() throws Exception {
    ledger.checkout(Fixture.checkout("spare-envelope", "Carol", null, null)); // another item: explains nothing
    Event session = ledger.openSession(new SessionRequest(BG1, "Alice", Optional.of("Bob"), "tenant lockout",
        Optional.of("INC-9"), false, Duration.ofHours(2)));
    clock.advance(Duration.ofMinutes(20));
    signIn("s-2", Duration.ofMinutes(5), 0);
    daemon.cycle(true);
    SignInRecorded r = recorded().get(0);
    assertEquals(SignInVerdict.EXPECTED, r.verdict());
    assertEquals(Optional.of(session.seq()), r.custodyEvent());
    Map<String, Object> d = Json.read(ledger.event(r.event()).orElseThrow().details());
    assertEquals(session.seq(), d.get("custodyEvent"));
    JsonNode alert = signInAlerts().get(0);
    assertEquals("EXPECTED", alert.path("verdict").asText());
    assertEquals(session.seq(), alert.path("custody").path("seq").asLong());
    assertEquals("[\"Alice\",\"Bob\"]", alert.path("custody").path("custodians").toString());
    assertEquals("INC-9", alert.path("custody").path("ticket").asText());
  }

  @Test
  void drillSessionAndCheckOut_giveDrillAndExpected_withinTheGracePeriodOnly() throws Exception {
    Event drill = ledger.openSession(new SessionRequest("bg1@contoso.onmicrosoft.com", "Alice", Optional.of("Bob"),
        "quarterly drill", Optional.empty(), true, Duration.ofHours(1)));
    clock.advance(Duration.ofMinutes(30));
    ledger.closeSession(drill.seq(), "Alice", "drill done");
    signIn("during", Duration.ofMinutes(10), 0);
    signIn("grace", Duration.ofMinutes(-5), 0); // 5 minutes after the close: inside the 10-minute grace
    clock.advance(Duration.ofMinutes(30));
    signIn("after", Duration.ofMinutes(1), 50126); // 29 minutes after: outside
    daemon.cycle(true);
    assertEquals(Map.of("during", SignInVerdict.DRILL, "grace", SignInVerdict.DRILL, "after",
        SignInVerdict.UNEXPLAINED), verdicts());
  }

  @Test
  void servicePrincipalSignIn_isJudgedForTheAppIdentity() throws Exception {
    ledger.addItem(new dev.breakglass.custody.ledger.NewItem("app-cert-usb", dev.breakglass.custody.ledger.ItemKind
        .CERTIFICATE_MEDIA, Optional.empty(), Optional.of(APP), "branch-safe", Optional.empty()), "admin");
    Event out = ledger.checkout(Fixture.checkout("app-cert-usb", "Carol", null, null));
    graph.addSignIn(GraphTestServer.servicePrincipalSignIn("sp-1", clock.instant().plusSeconds(60), APP,
        "9a8b7c6d-0000-4000-8000-000000000001", 0));
    clock.advance(Duration.ofMinutes(5));
    daemon.cycle(true);
    SignInRecorded r = recorded().stream().filter(x -> x.signInId().equals("sp-1")).findFirst().orElseThrow();
    assertEquals(APP, r.identity());
    assertEquals(SignInVerdict.EXPECTED, r.verdict());
    assertEquals(Optional.of(out.seq()), r.custodyEvent());
  }

  @Test
  void lateAndOutOfOrderSignIns_areRecordedOnceEach() throws Exception {
    signIn("a", Duration.ofMinutes(2), 0);
    daemon.cycle(true);
    clock.advance(Duration.ofMinutes(5));
    // Entra ID delivers two older sign-ins late, out of order, and the first one again.
    signIn("c", Duration.ofMinutes(30), 0);
    signIn("b", Duration.ofMinutes(40), 50126);
    daemon.cycle(true);
    clock.advance(Duration.ofMinutes(5));
    daemon.cycle(true);
    assertEquals(List.of("b", "c", "a"), recorded().stream().map(SignInRecorded::signInId).toList());
    assertEquals(3, signInAlerts().size());
    assertEquals(3, signInAlerts().stream().map(a -> a.path("id").asText()).distinct().count());
  }

  @Test
  void theSameSignInOnTwoPages_isRecordedOnce() throws Exception {
    graph.pageSize(GraphTestServer.SIGN_INS, 1);
    signIn("p-1", Duration.ofMinutes(2), 0);
    signIn("p-2", Duration.ofMinutes(1), 0);
    // Graph can return a record again on the next page when new ones arrive while paging: the
    // fixture gives each id once, so duplicate one explicitly.
    graph.addSignIn(GraphTestServer.signIn("p-1", clock.instant().minus(Duration.ofMinutes(2)), BG1_ID, BG1, 0,
        "203.0.113.7"));
    daemon.cycle(true);
    assertEquals(List.of("p-1", "p-2"), recorded().stream().map(SignInRecorded::signInId).toList());
    assertTrue(graph.requests("GET", "auditLogs/signIns").size() >= 3, "paged");
  }

  @Test
  void a429Storm_isWaitedOutAndNothingIsLost() throws Exception {
    signIn("t-1", Duration.ofMinutes(2), 0);
    graph.fault("GET", "auditLogs/signIns", GraphTestServer.Fault.throttled(7), GraphTestServer.Fault.throttled(7),
        GraphTestServer.Fault.throttled(7));
    Daemon.Cycle c = daemon.cycle(true);
    assertEquals(Optional.empty(), c.pollError());
    assertEquals(List.of("t-1"), recorded().stream().map(SignInRecorded::signInId).toList());
    assertTrue(sleeper.waits().contains(Duration.ofSeconds(7)), sleeper.waits().toString());
  }

  @Test
  void aThirtyMinuteOutage_thenRecovery_missesNothingAndAlertsTwice() throws Exception {
    daemon.cycle(true); // checkpoint now
    graph.faultAlways("GET", "auditLogs/signIns", GraphTestServer.Fault.unavailable());
    for (int minute = 1; minute <= 30; minute++) {
      clock.advance(Duration.ofMinutes(1));
      if (minute % 7 == 0) {
        signIn("o-" + minute, Duration.ofSeconds(30), minute == 14 ? 50126 : 0);
      }
      Daemon.Cycle c = daemon.cycle(false);
      c.poll().ifPresent(p -> {
        throw new AssertionError("a poll succeeded during the outage");
      });
    }
    assertTrue(recorded().isEmpty());
    assertFalse(daemon.health().ok());
    List<JsonNode> degraded = hook.accepted().stream().filter(a -> a.path("kind").asText()
        .equals("MONITORING_DEGRADED")).toList();
    assertEquals(1, degraded.size(), "one alert for the whole outage");
    assertEquals("HIGH", degraded.get(0).path("severity").asText());
    graph.clearFaults();
    clock.advance(Duration.ofMinutes(5));
    Daemon.Cycle c = daemon.cycle(true);
    assertEquals(Optional.empty(), c.pollError());
    assertEquals(List.of("o-7", "o-14", "o-21", "o-28"), recorded().stream().map(SignInRecorded::signInId).toList());
    assertTrue(daemon.health().ok());
    assertEquals(2, hook.accepted().stream().filter(a -> a.path("kind").asText().equals("MONITORING_DEGRADED"))
        .count(), "and one when it recovers");
  }

  @Test
  void aRestartInTheMiddleOfAPoll_neitherMissesNorRepeats() throws Exception {
    signIn("r-1", Duration.ofMinutes(3), 0);
    signIn("r-2", Duration.ofMinutes(2), 0);
    // The process dies after Graph answered and before the transaction committed: modelled by a
    // sink list that throws while the alerts are built inside recordSignIns' transaction.
    SignInWatcher dying = new SignInWatcher(ledger, entra.signIns(), clock, new SignInWatcher.Settings(
        Duration.ofMinutes(60), Duration.ofHours(24), Duration.ofMinutes(10)), () -> {
          throw new IllegalStateException("killed");
        });
    try {
      dying.pollOnce();
    } catch (IllegalStateException expected) {
      // the "crash"
    }
    assertTrue(recorded().isEmpty());
    assertEquals(Optional.empty(), ledger.daemonState(SignInWatcher.CHECKPOINT));
    // After the restart the same window is polled again and each sign-in recorded once.
    ledger.close();
    ledger = Ledger.open(home, "vault-daemon", clock);
    daemon = daemon();
    clock.advance(Duration.ofMinutes(1));
    daemon.cycle(true);
    daemon.cycle(true);
    assertEquals(List.of("r-1", "r-2"), recorded().stream().map(SignInRecorded::signInId).toList());
    assertEquals(2, signInAlerts().size());
  }

  @Test
  void aWebhookThatIsDownThenUp_losesNoAlert_evenAcrossARestart() throws Exception {
    hook.status(503);
    signIn("w-1", Duration.ofMinutes(2), 0);
    signIn("w-2", Duration.ofMinutes(1), 50126);
    daemon.cycle(true);
    assertTrue(hook.refused() >= 1);
    assertEquals(3, ledger.outboxStats().pending(), "two sign-ins, and the items never reviewed");
    // restart while the sink is down
    ledger.close();
    ledger = Ledger.open(home, "vault-daemon", clock);
    daemon = daemon();
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(40));
      daemon.cycle(false);
    }
    assertEquals(List.of(), signInAlerts());
    hook.status(200);
    for (int i = 0; i < 40 && ledger.outboxStats().pending() > 0; i++) {
      clock.advance(Duration.ofMinutes(1));
      daemon.cycle(false);
    }
    assertEquals(0, ledger.outboxStats().pending());
    List<String> ids = signInAlerts().stream().map(a -> a.path("signIn").path("id").asText()).sorted().toList();
    assertEquals(List.of("w-1", "w-2"), ids, "each alert delivered, none twice");
  }

  @Test
  void malformedRecords_areSkippedAndReportedOnce() throws Exception {
    var bad = GraphTestServer.signIn("m-1", clock.instant().minus(Duration.ofMinutes(2)), BG1_ID, BG1, 0, "203.0.113.7");
    bad.remove("status"); // no status.errorCode: the sign-in's result is unknown
    graph.addSignIn(bad);
    signIn("m-2", Duration.ofMinutes(1), 0);
    Daemon.Cycle c = daemon.cycle(true);
    assertEquals(1, c.poll().orElseThrow().skipped().size());
    assertEquals(List.of("m-2"), recorded().stream().map(SignInRecorded::signInId).toList());
    clock.advance(Duration.ofMinutes(1));
    daemon.cycle(true);
    List<JsonNode> malformed = hook.accepted().stream().filter(a -> a.path("kind").asText()
        .equals("MALFORMED_SIGN_IN")).toList();
    assertEquals(1, malformed.size());
    assertTrue(malformed.get(0).path("title").asText().contains("m-1"), malformed.get(0).toString());
    assertTrue(log.stream().anyMatch(l -> l.startsWith("warn: unreadable sign-in record skipped m-1")), log.toString());
  }

  @Test
  void aPollAsksGraphOnlyForTheBreakGlassIdentities() throws Exception {
    daemon.cycle(true);
    List<GraphTestServer.Recorded> r = graph.requests("GET", "auditLogs/signIns");
    assertEquals(2, r.size(), "one query for the users, one for the app");
    String filter = r.get(0).query().get("$filter") + " " + r.get(1).query().get("$filter");
    assertTrue(filter.contains("userPrincipalName eq 'bg1@contoso.onmicrosoft.com'"), filter);
    assertTrue(filter.contains("appId eq '" + APP + "'"), filter);
    assertTrue(filter.contains("createdDateTime ge 2026-11-24T09:00:00Z"), filter);
  }

  @Test
  void postureDrift_isAlertedWhenABreakGlassAccountLosesItsConditionalAccessExclusion() throws Exception {
    PeriodicChecks checks = new PeriodicChecks(ledger, clock, () -> List.of("webhook-1"));
    PeriodicChecks.Result baseline = checks.runOnce(Optional.of(entra.directory()));
    assertEquals(Optional.empty(), baseline.postureError());
    clock.advance(Duration.ofHours(6));
    assertTrue(checks.runOnce(Optional.of(entra.directory())).alerted().stream()
        .noneMatch(a -> a.kind() == Alert.Kind.POSTURE_DRIFT), "no change, no drift");
    var policies = graph.document("identity/conditionalAccess/policies").deepCopy();
    for (var p : policies.path("value")) {
      if (p.path("id").asText().equals("6b5e9c2a-0001-4d3e-8f1a-2b3c4d5e6f70")) {
        ((com.fasterxml.jackson.databind.node.ArrayNode) p.path("conditions").path("users").path("excludeUsers"))
            .removeAll(); // someone "tidied up" the exclusions
      }
    }
    graph.put("identity/conditionalAccess/policies", policies.toString());
    clock.advance(Duration.ofHours(6));
    PeriodicChecks.Result r = checks.runOnce(Optional.of(entra.directory()));
    Alert drift = r.alerted().stream().filter(a -> a.kind() == Alert.Kind.POSTURE_DRIFT).findFirst().orElseThrow();
    assertEquals(Alert.Severity.HIGH, drift.severity());
    assertTrue(drift.details().get(0).startsWith("FAIL "), drift.details().toString());
    assertTrue(drift.details().get(0).contains("Require MFA for administrators"), drift.details().toString());
    assertTrue(drift.details().get(0).endsWith("[was WARN]"), drift.details().toString());
  }

  @Test
  void aSessionLeftOpen_explainsNothingAfterItsExpectedEnd() throws Exception {
    ledger.openSession(new SessionRequest(BG1, "Alice", Optional.of("Bob"), "lockout", Optional.empty(), false,
        Duration.ofHours(1)));
    clock.advance(Duration.ofMinutes(30));
    signIn("inside", Duration.ofMinutes(1), 0);
    clock.advance(Duration.ofHours(3)); // nobody closed it
    signIn("long-after", Duration.ofMinutes(1), 0);
    daemon.cycle(true);
    assertEquals(Map.of("inside", SignInVerdict.EXPECTED, "long-after", SignInVerdict.UNEXPLAINED), verdicts());
  }

  @Test
  void aClockThatRanAheadAndWasSetBack_doesNotHideTheSignInsOfThatTime() throws Exception {
    clock.advance(Duration.ofDays(1)); // the host clock jumps a day ahead
    daemon.cycle(true);
    clock.advance(Duration.ofDays(-1).plusHours(3)); // corrected three hours later (real time)
    signIn("during-skew", Duration.ofHours(2), 0);
    daemon.cycle(true);
    assertEquals(Map.of("during-skew", SignInVerdict.UNEXPLAINED), verdicts());
  }

  @Test
  void anUnexpectedError_isReportedAndTheLoopGoesOn() throws Exception {
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    dev.breakglass.entra.SignInSource odd = (u, a, f, t) -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("a record nobody foresaw");
      }
      return entra.signIns().signIns(u, a, f, t);
    };
    DaemonConfig config = DaemonConfig.load(home.resolve("none.conf"), false, List.of(hook.url()));
    Metrics metrics = new Metrics();
    Daemon d = new Daemon(ledger, odd, Optional.empty(), clock, testLog(), metrics, fixed(config), c -> List.of());
    signIn("after-bug", Duration.ofMinutes(1), 0);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
    d.run(stop, wait -> {
      clock.advance(wait);
      if (rounds.incrementAndGet() >= 3) {
        stop.set(true);
      }
    });
    assertTrue(log.stream().anyMatch(l -> l.startsWith("error: internal error: java.lang.IllegalStateException")),
        log.toString());
    assertEquals(1.0, metrics.value("bg_daemon_errors_total", Map.of("where", "bug")));
    assertEquals(Map.of("after-bug", SignInVerdict.UNEXPLAINED), verdicts());
  }

  @Test
  void aConfigChangeThatRemovesEverySink_isRefused() throws Exception {
    DaemonConfig withSink = DaemonConfig.load(home.resolve("none.conf"), false, List.of(hook.url()));
    DaemonConfig none = DaemonConfig.load(home.resolve("none.conf"), false, List.of());
    java.util.concurrent.atomic.AtomicBoolean changed = new java.util.concurrent.atomic.AtomicBoolean();
    Daemon d = new Daemon(ledger, entra.signIns(), Optional.empty(), clock, testLog(), new Metrics(),
        new Daemon.ConfigSource() {
      @Override
      public DaemonConfig current() {
        return withSink;
      }

      @Override
      public Optional<DaemonConfig> changed() {
        return changed.getAndSet(true) ? Optional.empty() : Optional.of(none);
      }
    }, c -> List.of());
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    d.run(stop, wait -> stop.set(true));
    assertTrue(log.contains("error: config change refused, keeping the running config: the changed config has no"
        + " alert sink: sign-ins would be recorded but nobody alerted"), log.toString());
    assertEquals(List.of("webhook-1"), d.config().sinkNames());
  }

  @Test
  void alertsQueuedForASinkNoLongerConfigured_goToTheSinksThereAreNow() throws Exception {
    ledger.enqueue(List.of(new dev.breakglass.custody.ledger.OutboxMessage("a-old", "renamed-away",
        AlertJson.toJson(Alerts.other(Alert.Kind.TEST, Alert.Severity.INFO, "k", "test alert", List.of(),
            ledger.head().orElseThrow(), clock.instant())))), Map.of());
    daemon.cycle(true); // re-queued for the current sinks
    daemon.cycle(false); // and delivered (the loop comes back within 5 s while alerts wait)
    assertTrue(hook.accepted().stream().anyMatch(a -> a.path("title").asText().equals("test alert")));
    assertEquals(0, ledger.outboxStats().pending());
  }
}
