package dev.breakglass.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void render_writesFamiliesSortedByName_seriesSortedByLabels_helpAndTypeOnce() {
    Metrics m = new Metrics();
    m.describe("bg_up", "gauge", "1 while the daemon runs.");
    m.describe("bg_alerts_sent_total", "counter", "Alerts delivered, by sink.");
    m.describe("bg_last_poll_success_timestamp_seconds", "gauge", "Unix time of the last successful poll.");
    m.inc("bg_alerts_sent_total", Map.of("sink", "webhook-1"), 2);
    m.inc("bg_alerts_sent_total", Map.of("sink", "slack"), 1);
    m.inc("bg_alerts_sent_total", Map.of("sink", "slack"), 3);
    m.set("bg_up", Map.of(), 1);
    m.set("bg_last_poll_success_timestamp_seconds", Map.of(), 1767225600.5);

    assertEquals("""
        # HELP bg_alerts_sent_total Alerts delivered, by sink.
        # TYPE bg_alerts_sent_total counter
        bg_alerts_sent_total{sink="slack"} 4
        bg_alerts_sent_total{sink="webhook-1"} 2
        # HELP bg_last_poll_success_timestamp_seconds Unix time of the last successful poll.
        # TYPE bg_last_poll_success_timestamp_seconds gauge
        bg_last_poll_success_timestamp_seconds 1.7672256005E9
        # HELP bg_up 1 while the daemon runs.
        # TYPE bg_up gauge
        bg_up 1
        """, m.render());
    assertEquals(4, m.value("bg_alerts_sent_total", Map.of("sink", "slack")));
    assertEquals(0, m.value("bg_alerts_sent_total", Map.of("sink", "smtp")));
    assertEquals(0, m.value("bg_never_described", Map.of()));
  }

  @Test
  void render_sortsLabelNamesWithinASeries_andSeriesByLabelPairs() {
    Metrics m = new Metrics();
    m.describe("bg_outbox_messages", "gauge", "Alerts waiting in the outbox.");
    Map<String, String> insertionOrder = new LinkedHashMap<>();
    insertionOrder.put("state", "retrying");
    insertionOrder.put("sink", "teams");
    m.set("bg_outbox_messages", insertionOrder, 3);
    m.set("bg_outbox_messages", Map.of("sink", "smtp", "state", "retrying"), 0.25);
    m.set("bg_outbox_messages", Map.of("sink", "smtp"), 7);
    m.set("bg_outbox_messages", Map.of("sink", "smtp", "state", "retrying"), -2.5);

    assertEquals("""
        # HELP bg_outbox_messages Alerts waiting in the outbox.
        # TYPE bg_outbox_messages gauge
        bg_outbox_messages{sink="smtp"} 7
        bg_outbox_messages{sink="smtp",state="retrying"} -2.5
        bg_outbox_messages{sink="teams",state="retrying"} 3
        """, m.render());
  }

  @Test
  void render_escapesLabelValuesAndHelp_andSpellsSpecialValues() {
    Metrics m = new Metrics();
    m.describe("bg_weird", "gauge", "Help with a \\ backslash,\na new line and \"quotes\".");
    m.set("bg_weird", Map.of("v", "a\\b \"q\"\nnext"), Double.NaN);
    m.set("bg_weird", Map.of("v", "inf"), Double.POSITIVE_INFINITY);
    m.set("bg_weird", Map.of("v", "neg"), Double.NEGATIVE_INFINITY);

    assertEquals("# HELP bg_weird Help with a \\\\ backslash,\\na new line and \"quotes\".\n"
        + "# TYPE bg_weird gauge\n"
        + "bg_weird{v=\"a\\\\b \\\"q\\\"\\nnext\"} NaN\n"
        + "bg_weird{v=\"inf\"} +Inf\n"
        + "bg_weird{v=\"neg\"} -Inf\n", m.render());
  }

  @Test
  void render_describedFamilyWithoutSeries_hasMetadataOnly_andEmptyRegistryIsEmpty() {
    Metrics m = new Metrics();
    assertEquals("", m.render());
    m.describe("bg_polls_total", "counter", "Polls of the sign-in log.");
    assertEquals("# HELP bg_polls_total Polls of the sign-in log.\n# TYPE bg_polls_total counter\n", m.render());
    m.inc("bg_polls_total", Map.of(), 0);
    assertEquals("# HELP bg_polls_total Polls of the sign-in log.\n# TYPE bg_polls_total counter\n"
        + "bg_polls_total 0\n", m.render());
  }

  @Test
  void describe_refusesBadNamesAndTypes() {
    Metrics m = new Metrics();
    assertEquals("metric name '1bg' does not match [a-zA-Z_:][a-zA-Z0-9_:]*",
        assertThrows(IllegalArgumentException.class, () -> m.describe("1bg", "gauge", "x")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> m.describe("bg-up", "gauge", "x"));
    assertThrows(IllegalArgumentException.class, () -> m.describe("", "gauge", "x"));
    assertEquals("metric type 'histogram' is neither counter nor gauge",
        assertThrows(IllegalArgumentException.class, () -> m.describe("bg_x", "histogram", "x")).getMessage());
    assertEquals("counter 'bg_polls' must be named ..._total",
        assertThrows(IllegalArgumentException.class, () -> m.describe("bg_polls", "counter", "x")).getMessage());
    m.describe("ns:bg_ok_total", "counter", "colons are allowed in metric names");
    m.describe("bg_odd_total", "gauge", "x");
    assertEquals("metric 'bg_odd_total' is already a gauge, not a counter",
        assertThrows(IllegalArgumentException.class, () -> m.describe("bg_odd_total", "counter", "x")).getMessage());
    m.describe("bg_odd_total", "gauge", "new help replaces the old");
    assertEquals("# HELP bg_odd_total new help replaces the old\n# TYPE bg_odd_total gauge\n"
        + "# HELP ns:bg_ok_total colons are allowed in metric names\n# TYPE ns:bg_ok_total counter\n", m.render());
  }

  @Test
  void incAndSet_refuseBadLabelNames_wrongTypes_undescribedFamilies_andNegativeIncrements() {
    Metrics m = new Metrics();
    m.describe("bg_polls_total", "counter", "Polls.");
    m.describe("bg_up", "gauge", "Up.");
    assertEquals("label name 'sink-name' does not match [a-zA-Z_][a-zA-Z0-9_]*",
        assertThrows(IllegalArgumentException.class, () -> m.inc("bg_polls_total", Map.of("sink-name", "x"), 1))
            .getMessage());
    assertThrows(IllegalArgumentException.class, () -> m.set("bg_up", Map.of("a:b", "x"), 1));
    assertThrows(IllegalArgumentException.class, () -> m.set("bg_up", Map.of("9a", "x"), 1));
    assertEquals("label name '__name__' starts with __, which Prometheus reserves",
        assertThrows(IllegalArgumentException.class, () -> m.set("bg_up", Map.of("__name__", "x"), 1)).getMessage());
    assertEquals("metric 'bg_up' is a gauge: use set()",
        assertThrows(IllegalArgumentException.class, () -> m.inc("bg_up", Map.of(), 1)).getMessage());
    assertEquals("metric 'bg_polls_total' is a counter: use inc()",
        assertThrows(IllegalArgumentException.class, () -> m.set("bg_polls_total", Map.of(), 1)).getMessage());
    assertEquals("metric 'bg_nope_total' is not described: call describe() first",
        assertThrows(IllegalArgumentException.class, () -> m.inc("bg_nope_total", Map.of(), 1)).getMessage());
    assertEquals("counter 'bg_polls_total' cannot go down (by -1)",
        assertThrows(IllegalArgumentException.class, () -> m.inc("bg_polls_total", Map.of(), -1)).getMessage());
    assertEquals("", m.render().lines().filter(l -> !l.startsWith("#")).reduce("", String::concat));
  }

  /** Not a proof of thread safety, but it loses increments quickly when the lock is missing. */
  @Test
  void inc_fromManyThreadsWhileRendering_losesNothing() throws Exception {
    Metrics m = new Metrics();
    m.describe("bg_polls_total", "counter", "Polls.");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CountDownLatch go = new CountDownLatch(1);
      Future<?>[] writers = new Future<?>[3];
      for (int t = 0; t < writers.length; t++) {
        writers[t] = pool.submit(() -> {
          go.await();
          for (int i = 0; i < 10_000; i++) {
            m.inc("bg_polls_total", Map.of("result", i % 2 == 0 ? "ok" : "error"), 1);
          }
          return null;
        });
      }
      Future<?> reader = pool.submit(() -> {
        go.await();
        for (int i = 0; i < 200; i++) {
          m.render();
        }
        return null;
      });
      go.countDown();
      for (Future<?> w : writers) {
        w.get(30, TimeUnit.SECONDS);
      }
      reader.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(15_000, m.value("bg_polls_total", Map.of("result", "ok")));
    assertEquals(15_000, m.value("bg_polls_total", Map.of("result", "error")));
  }
}
