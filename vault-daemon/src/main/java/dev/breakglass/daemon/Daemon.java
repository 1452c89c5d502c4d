package dev.breakglass.daemon;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.ledger.EventHash;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.OutboxStats;
import dev.breakglass.daemon.sink.AlertSink;
import dev.breakglass.entra.SignInSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The vault-daemon: schedules {@link SignInWatcher#pollOnce()}, delivers the outbox, runs the
 * {@link PeriodicChecks}, pings the heartbeat, and keeps the {@link Metrics} and {@link Health}
 * the loopback endpoint serves. {@link #cycle(boolean)} is one round of all of it; {@link #run}
 * repeats it until stopped. The ledger is used from the calling thread only.
 *
 * <p>When Graph cannot be read, polls back off (the interval doubling up to 5 minutes) and the
 * checkpoint stays where it was, so the next successful poll covers the whole outage. After
 * {@code alerts.degraded-after-minutes} without a successful poll one MONITORING_DEGRADED alert
 * goes out, and an INFO alert when polling recovers. The heartbeat is pinged only while polls
 * succeed and no alert has waited in the outbox for more than {@link #HEARTBEAT_OUTBOX_LIMIT}: a
 * daemon that cannot see sign-ins or cannot deliver alerts falls silent, and the dead-man's switch
 * raises the alarm.
 */
public final class Daemon {
  static final Duration MAX_POLL_BACKOFF = Duration.ofMinutes(5);
  static final Duration HEARTBEAT_OUTBOX_LIMIT = Duration.ofMinutes(30);
  static final Duration KEEP_DELIVERED = Duration.ofDays(30);
  static final String DEGRADED = "monitoring.degraded-since";
  static final String CHECKS_RUN = "checks.last-run";

  /** Where the daemon reports what it does: the CLI prints it, tests collect it. */
  public interface Log {
    void info(String message);

    void warn(String message);

    void error(String message);
  }

  /** The current config, and a newer one when the file changed. */
  public interface ConfigSource {
    DaemonConfig current();

    /**
     * A new config when the file changed since the last call (already checked against the guard
     * rail by the caller of {@link Daemon}); empty when unchanged.
     *
     * @throws DaemonException when the changed file is wrong (the daemon keeps the old config)
     */
    Optional<DaemonConfig> changed() throws DaemonException;
  }

  /** Waits between cycles; tests replace it with one that advances a test clock. */
  public interface Waiter {
    void await(Duration d) throws InterruptedException;
  }

  /** Checks a new config before it replaces the running one (the guard rail). */
  public interface ConfigCheck {
    List<String> check(DaemonConfig config) throws DaemonException, DirectoryException;
  }

  /**
   * What one cycle did.
   *
   * @param poll the poll, when one was due and succeeded
   * @param pollError why the poll failed, when it did
   * @param checks the periodic checks, when they were due
   * @param heartbeat whether the heartbeat was pinged successfully, when one was due
   */
  public record Cycle(Optional<SignInWatcher.PollResult> poll, Optional<String> pollError,
      List<OutboxSender.Attempt> deliveries, Optional<PeriodicChecks.Result> checks, Optional<Boolean> heartbeat) {}

  private final Ledger ledger;
  private final SignInSource source;
  private final Optional<DirectoryReader> directory;
  private final Clock clock;
  private final Log log;
  private final Metrics metrics;
  private final ConfigSource configs;
  private final ConfigCheck configCheck;
  private final HttpClient http;
  private final SignInWatcher watcher;
  private final OutboxSender sender;
  private final PeriodicChecks checks;
  private final Instant started;

  private volatile DaemonConfig config;
  private Instant nextPoll = Instant.EPOCH;
  private Instant lastHeartbeat = Instant.EPOCH;
  private Instant lastPurge = Instant.EPOCH;
  private int failures;
  private volatile boolean lastPollOk;
  private volatile Optional<Instant> lastSuccess = Optional.empty();
  private volatile String lastError = "no poll yet";

  public Daemon(Ledger ledger, SignInSource source, Optional<DirectoryReader> directory, Clock clock, Log log,
      Metrics metrics, ConfigSource configs, ConfigCheck configCheck) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.source = Objects.requireNonNull(source, "source");
    this.directory = Objects.requireNonNull(directory, "directory");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.log = Objects.requireNonNull(log, "log");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.configs = Objects.requireNonNull(configs, "configs");
    this.configCheck = Objects.requireNonNull(configCheck, "configCheck");
    this.config = configs.current();
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER).build();
    DaemonConfig c = config;
    this.watcher = new SignInWatcher(ledger, source, clock,
        new SignInWatcher.Settings(c.overlap(), c.firstLookback(), c.grace()), () -> config.sinkNames());
    this.sender = new OutboxSender(ledger, clock, this::sinks, c.maxBackoff());
    this.checks = new PeriodicChecks(ledger, clock, () -> config.sinkNames());
    this.started = clock.instant();
    describeMetrics();
  }

  private Map<String, AlertSink> sinks() {
    Map<String, AlertSink> m = new LinkedHashMap<>();
    for (AlertSink s : config.sinks()) {
      m.put(s.name(), s);
    }
    return m;
  }

  public DaemonConfig config() {
    return config;
  }

  /** Runs cycles until {@code stop} is set, waiting between them with {@code waiter}. */
  public void run(AtomicBoolean stop, Waiter waiter) throws InterruptedException {
    log.info("watching " + ledger.home() + ": polling every " + config.pollInterval().toSeconds() + " s, alerts to "
        + (config.sinks().isEmpty() ? "no sink" : String.join(", ", config.sinks().stream().map(AlertSink::describe)
            .toList())));
    while (!stop.get()) {
      reloadConfig();
      try {
        cycle(false);
      } catch (CustodyException e) {
        // The ledger is busy or unreadable: say so and try again; never die silently.
        lastPollOk = false;
        lastError = "ledger: " + e.getMessage();
        log.error(lastError);
        metrics.inc("bg_daemon_errors_total", Map.of("where", "ledger"), 1);
      } catch (RuntimeException e) {
        // A bug or an input nobody foresaw: report it and keep watching rather than crash-loop.
        lastPollOk = false;
        lastError = "internal error: " + e;
        nextPoll = clock.instant().plus(config.pollInterval());
        log.error(lastError);
        metrics.inc("bg_daemon_errors_total", Map.of("where", "bug"), 1);
      }
      if (stop.get()) {
        break;
      }
      waiter.await(untilNext());
    }
    log.info("stopped");
  }

  private void reloadConfig() {
    try {
      Optional<DaemonConfig> changed = configs.changed();
      if (changed.isPresent()) {
        if (changed.get().sinks().isEmpty()) {
          throw new DaemonException(DaemonException.Reason.CONFIG, "the changed config has no alert sink: sign-ins"
              + " would be recorded but nobody alerted");
        }
        List<String> warnings = configCheck.check(changed.get());
        config = changed.get();
        warnings.forEach(log::warn);
        log.info("config reloaded: alerts to " + String.join(", ", config.sinks().stream()
            .map(AlertSink::describe).toList()));
      }
    } catch (DaemonException | DirectoryException e) {
      log.error("config change refused, keeping the running config: " + e.getMessage());
      metrics.inc("bg_daemon_errors_total", Map.of("where", "config"), 1);
    }
  }

  /** The time to wait before the next cycle: the next poll, or sooner while alerts wait. */
  Duration untilNext() throws InterruptedException {
    Instant now = clock.instant();
    Duration toPoll = Duration.between(now, nextPoll);
    Duration d = toPoll;
    try {
      if (ledger.outboxStats().pending() > 0) {
        d = d.compareTo(OutboxSender.FIRST_RETRY) > 0 ? OutboxSender.FIRST_RETRY : d;
      }
    } catch (CustodyException e) {
      d = OutboxSender.FIRST_RETRY;
    }
    // A small floor only: every path that fails moves nextPoll on, so this cannot spin; a large one
    // made the loop wake just before a due poll and then wait the floor again.
    Duration min = Duration.ofMillis(10);
    return d.compareTo(min) < 0 ? min : d;
  }

  /**
   * One round: a poll when due (always when {@code force}), the outbox, the periodic checks when
   * due, the heartbeat when due.
   */
  public Cycle cycle(boolean force) throws CustodyException {
    Instant now = clock.instant();
    Optional<SignInWatcher.PollResult> poll = Optional.empty();
    Optional<String> pollError = Optional.empty();
    if (force || !now.isBefore(nextPoll)) {
      try {
        poll = Optional.of(watcher.pollOnce());
        polled(poll.get());
      } catch (CustodyException e) {
        nextPoll = now.plus(config.pollInterval()); // a busy ledger must not turn into a Graph query storm
        throw e;
      } catch (DirectoryException e) {
        pollError = Optional.of(e.getMessage());
        pollFailed(e);
      }
    }
    Optional<PeriodicChecks.Result> checked = Optional.empty();
    Optional<Instant> lastChecks = ledger.daemonState(CHECKS_RUN).map(EventHash::parseTimestamp);
    if (lastChecks.isEmpty() || !now.isBefore(lastChecks.get().plus(config.checksInterval()))) {
      checked = Optional.of(checks.runOnce(config.posture() ? directory : Optional.empty()));
      ledger.enqueue(List.of(), Map.of(CHECKS_RUN, EventHash.formatTimestamp(now)));
      checked.get().postureError().ifPresent(e -> log.warn("posture check skipped: " + e));
      for (Alert a : checked.get().alerted()) {
        log.warn("alert " + a.id() + ": " + AlertJson.oneLine(a));
      }
    }
    // After the checks, so that what they raised goes out in this round too.
    List<OutboxSender.Attempt> deliveries = sender.deliverDue();
    for (OutboxSender.Attempt a : deliveries) {
      if (a.delivered()) {
        metrics.inc("bg_daemon_alerts_delivered_total", Map.of("sink", a.entry().sink()), 1);
      } else {
        metrics.inc("bg_daemon_delivery_failures_total", Map.of("sink", a.entry().sink()), 1);
        log.warn("alert " + a.entry().alertId() + " not delivered to '" + a.entry().sink() + "' (attempt "
            + (a.entry().attempts() + 1) + "): " + a.error());
      }
    }
    if (Duration.between(lastPurge, now).compareTo(Duration.ofDays(1)) >= 0) {
      ledger.purgeDelivered(now.minus(KEEP_DELIVERED));
      lastPurge = now;
    }
    OutboxStats stats = ledger.outboxStats();
    Optional<Boolean> beat = heartbeat(now, stats);
    gauges(now, stats);
    return new Cycle(poll, pollError, deliveries, checked, beat);
  }

  private void polled(SignInWatcher.PollResult r) throws CustodyException {
    Instant now = clock.instant();
    lastPollOk = true;
    lastSuccess = Optional.of(now);
    failures = 0;
    nextPoll = now.plus(config.pollInterval());
    metrics.inc("bg_daemon_polls_total", Map.of("result", "ok"), 1);
    metrics.set("bg_daemon_last_success_timestamp_seconds", Map.of(), now.getEpochSecond());
    for (SignInWatcher.Recorded rec : r.recorded()) {
      metrics.inc("bg_daemon_signins_total", Map.of("verdict", rec.judgement().verdict().name()), 1);
      String line = rec.judgement().verdict() + " sign-in " + rec.judgement().signIn().id() + " of "
          + rec.judgement().identity() + " at " + EventHash.formatTimestamp(rec.judgement().signIn().createdDateTime())
          + rec.judgement().window().map(w -> " (custody event " + w.seq() + ")").orElse("") + ": ledger event "
          + rec.event().seq();
      if (rec.judgement().verdict() == dev.breakglass.custody.ledger.SignInVerdict.UNEXPLAINED) {
        log.error(line);
      } else {
        log.warn(line);
      }
    }
    if (!r.skipped().isEmpty()) {
      metrics.inc("bg_daemon_signins_skipped_total", Map.of(), r.skipped().size());
      r.skipped().forEach(k -> log.warn("unreadable sign-in record skipped" + k.id().map(i -> " " + i).orElse("")
          + ": " + k.problem()));
    }
    Optional<String> degraded = ledger.daemonState(DEGRADED);
    if (degraded.isPresent() && !degraded.get().isEmpty()) {
      Head head = ledger.head().orElseThrow();
      Alert a = Alerts.other(Alert.Kind.MONITORING_DEGRADED, Alert.Severity.INFO, "recovered|" + now,
          "Monitoring recovered: the sign-in log is readable again", List.of("Polls failed from " + degraded.get()
              + " to " + EventHash.formatTimestamp(now) + "; this poll covered " + EventHash.formatTimestamp(r.from())
              + " to " + EventHash.formatTimestamp(r.to()) + ", so no sign-in of that time was missed."), head, now);
      ledger.enqueue(SignInWatcher.messages(a, config.sinkNames()), Map.of(DEGRADED, ""));
      log.info("monitoring recovered after failures since " + degraded.get());
    }
  }

  private void pollFailed(DirectoryException e) throws CustodyException {
    Instant now = clock.instant();
    lastPollOk = false;
    failures++;
    lastError = e.getMessage();
    Duration wait = config.pollInterval().multipliedBy(1L << Math.min(failures - 1, 10));
    Duration cap = config.pollInterval().compareTo(MAX_POLL_BACKOFF) > 0 ? config.pollInterval() : MAX_POLL_BACKOFF;
    nextPoll = now.plus(wait.compareTo(cap) > 0 ? cap : wait);
    metrics.inc("bg_daemon_polls_total", Map.of("result", "error"), 1);
    log.error("poll failed (" + failures + " in a row, next in " + Duration.between(now, nextPoll).toSeconds()
        + " s): " + e.getMessage());
    Instant since = lastSuccess.orElseGet(() -> {
      try {
        return watcher.checkpoint().filter(c -> c.isAfter(started)).orElse(started);
      } catch (CustodyException x) {
        return started;
      }
    });
    Optional<String> degraded = ledger.daemonState(DEGRADED);
    boolean alerted = degraded.isPresent() && !degraded.get().isEmpty();
    if (!alerted && Duration.between(since, now).compareTo(config.degradedAfter()) >= 0) {
      Head head = ledger.head().orElseThrow();
      Alert a = Alerts.other(Alert.Kind.MONITORING_DEGRADED, Alert.Severity.HIGH, "degraded|" + since,
          "Monitoring degraded: no successful poll of the sign-in log since " + EventHash.formatTimestamp(since),
          List.of("Last error: " + e.getMessage(), "Break-glass sign-ins of this time are not yet seen; they will be"
              + " when polling recovers. Check the daemon's Graph credential and network."), head, now);
      ledger.enqueue(SignInWatcher.messages(a, config.sinkNames()), Map.of(DEGRADED, EventHash.formatTimestamp(since)));
      log.error("alert " + a.id() + ": " + a.title());
    }
  }

  private Optional<Boolean> heartbeat(Instant now, OutboxStats stats) {
    Optional<URI> url = config.heartbeatUrl();
    if (url.isEmpty() || Duration.between(lastHeartbeat, now).compareTo(config.heartbeatInterval()) < 0) {
      return Optional.empty();
    }
    if (!lastPollOk) {
      return Optional.empty(); // silence is the signal
    }
    if (stats.oldestPending().map(t -> Duration.between(t, now).compareTo(HEARTBEAT_OUTBOX_LIMIT) > 0)
        .orElse(false)) {
      log.warn("heartbeat withheld: an alert has waited in the outbox since " + EventHash.formatTimestamp(
          stats.oldestPending().get()));
      return Optional.empty();
    }
    lastHeartbeat = now;
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url.get()).timeout(Duration.ofSeconds(10))
          .header("User-Agent", "bg-vault-daemon").GET().build(), HttpResponse.BodyHandlers.discarding());
      boolean ok = r.statusCode() / 100 == 2;
      metrics.inc("bg_daemon_heartbeats_total", Map.of("result", ok ? "ok" : "error"), 1);
      if (!ok) {
        log.warn("heartbeat to " + url.get().getHost() + " answered HTTP " + r.statusCode());
      }
      return Optional.of(ok);
    } catch (java.io.IOException e) {
      metrics.inc("bg_daemon_heartbeats_total", Map.of("result", "error"), 1);
      log.warn("heartbeat to " + url.get().getHost() + " failed: " + e.getClass().getSimpleName());
      return Optional.of(false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of(false);
    }
  }

  private void gauges(Instant now, OutboxStats stats) throws CustodyException {
    Optional<Instant> checkpoint = watcher.checkpoint();
    checkpoint.ifPresent(c -> metrics.set("bg_daemon_lag_seconds", Map.of(),
        Math.max(0, Duration.between(c, now).toMillis() / 1000.0)));
    for (String sink : config.sinkNames()) {
      metrics.set("bg_daemon_outbox_pending", Map.of("sink", sink), stats.pendingBySink().getOrDefault(sink, 0L));
    }
    metrics.set("bg_daemon_outbox_oldest_pending_seconds", Map.of(),
        stats.oldestPending().map(t -> Duration.between(t, now).toMillis() / 1000.0).orElse(0.0));
  }

  private void describeMetrics() {
    metrics.describe("bg_daemon_polls_total", "counter", "Polls of the sign-in log, by result.");
    metrics.describe("bg_daemon_signins_total", "counter", "Break-glass sign-ins recorded, by verdict.");
    metrics.describe("bg_daemon_signins_skipped_total", "counter", "Unreadable sign-in records skipped.");
    metrics.describe("bg_daemon_last_success_timestamp_seconds", "gauge", "When the last poll succeeded.");
    metrics.describe("bg_daemon_lag_seconds", "gauge", "Now minus the checkpoint: how far behind the watch is.");
    metrics.describe("bg_daemon_outbox_pending", "gauge", "Alerts waiting for delivery, by sink.");
    metrics.describe("bg_daemon_outbox_oldest_pending_seconds", "gauge", "Age of the oldest undelivered alert.");
    metrics.describe("bg_daemon_alerts_delivered_total", "counter", "Alerts delivered, by sink.");
    metrics.describe("bg_daemon_delivery_failures_total", "counter", "Failed deliveries, by sink.");
    metrics.describe("bg_daemon_heartbeats_total", "counter", "Heartbeat pings, by result.");
    metrics.describe("bg_daemon_errors_total", "counter", "Errors outside polls, by where.");
  }

  /** For /healthz: healthy while the last poll succeeded recently enough. */
  public Health health() {
    Instant now = clock.instant();
    Duration stale = config.pollInterval().multipliedBy(3);
    if (stale.compareTo(Duration.ofMinutes(2)) < 0) {
      stale = Duration.ofMinutes(2);
    }
    Optional<Instant> ok = lastSuccess;
    if (lastPollOk && ok.isPresent() && Duration.between(ok.get(), now).compareTo(stale) <= 0) {
      return new Health(true, "last successful poll " + EventHash.formatTimestamp(ok.get()));
    }
    return new Health(false, "no successful poll " + ok.map(t -> "since " + EventHash.formatTimestamp(t))
        .orElse("yet") + ": " + lastError);
  }
}
