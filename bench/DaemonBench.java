import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.breakglass.entra.GraphTestServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmark of the vault-daemon (bench/README.md, "Daemon"; issue 7): the real {@code bg daemon run}
 * from {@code bg.jar} in its own JVM, polling {@code GraphTestServer} every second and alerting a
 * webhook receiver in this JVM.
 *
 * <pre>
 * java -cp bg.jar:entra-tests.jar DaemonBench run key=value...    (started by bench/daemon.sh)
 * </pre>
 *
 * <p>Measures: seconds from a new sign-in appearing in the test server's log to its alert at the
 * receiver (split at the daemon's first query after it); Graph requests per poll (from the server's
 * record and the daemon's {@code bg_daemon_polls_total}); the daemon process's CPU time
 * ({@code /proc/PID/stat}), RSS ({@code /proc/PID/status}) and heap ({@code jcmd PID GC.heap_info})
 * over an idle window and over the same window with 100,000 unrelated sign-ins in the log; the test
 * server's own time for the daemon's queries. Prints a markdown table on stdout; progress on stderr.
 */
public final class DaemonBench {
  static final String BG1 = "5f1c8a52-3b7e-4a61-9d2c-0c4e8e7b1a01";
  static final String BG1_UPN = "bg1@contoso.onmicrosoft.com";
  static final String BG2 = "5f1c8a52-3b7e-4a61-9d2c-0c4e8e7b1a02";
  static final String BG2_UPN = "bg2@contoso.onmicrosoft.com";
  static final String APP = "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01";
  static final ObjectMapper JSON = new ObjectMapper();

  private DaemonBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !args[0].equals("run")) {
      System.err.println("usage: DaemonBench run key=value...  (see bench/daemon.sh)");
      System.exit(2);
    }
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("expected key=value, got " + args[i]);
      }
      opts.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    // The JDK server otherwise waits ~40 ms per response for Nagle's algorithm (the receiver's too).
    System.setProperty("sun.net.httpserver.nodelay", "true");
    Driver d = new Driver(opts);
    try {
      d.run();
    } finally {
      d.close();
    }
  }

  static void say(String s) {
    System.err.println("bench: " + s);
  }

  static final class Driver {
    final Path tmp;
    final Path bgJar;
    final String java;
    final String jcmd;
    final String jstat;
    final long clockTicks;
    final int interval;
    final int samples;
    final int bulkSamples;
    final int windowSeconds;
    final int bulk;
    final int replays;
    final List<String> daemonOpts;
    final Path home;
    final Path token;
    final Path daemonLog;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final Random random = new Random(7);
    final List<String[]> rows = new ArrayList<>();

    GraphTestServer graph;
    HttpServer receiver;
    final Map<String, Long> arrivals = new ConcurrentHashMap<>();
    final AtomicInteger otherAlerts = new AtomicInteger();
    final Map<String, Integer> alertKinds = new ConcurrentHashMap<>();
    Process daemon;
    long pid;
    int healthPort;
    String tokenText;

    Driver(Map<String, String> o) {
      tmp = Path.of(req(o, "tmp"));
      bgJar = Path.of(req(o, "bgjar"));
      java = req(o, "java");
      jcmd = req(o, "jcmd");
      jstat = req(o, "jstat");
      clockTicks = Long.parseLong(req(o, "clk"));
      interval = Integer.parseInt(req(o, "interval"));
      samples = Integer.parseInt(req(o, "samples"));
      bulkSamples = Integer.parseInt(req(o, "bulksamples"));
      windowSeconds = Integer.parseInt(req(o, "window"));
      bulk = Integer.parseInt(req(o, "bulk"));
      replays = Integer.parseInt(req(o, "replays"));
      String jo = o.getOrDefault("daemonopts", "").strip();
      daemonOpts = jo.isEmpty() ? List.of() : List.of(jo.split("\\s+"));
      home = tmp.resolve("home");
      token = tmp.resolve("token.jwt");
      daemonLog = tmp.resolve("daemon.log");
    }

    static String req(Map<String, String> o, String k) {
      String v = o.get(k);
      if (v == null) {
        throw new IllegalArgumentException("missing " + k + "=...");
      }
      return v;
    }

    void run() throws Exception {
      graph = GraphTestServer.start(GraphTestServer.CONTOSO);
      startReceiver();
      tokenText = GraphTestServer.fakeJwt(Instant.now().plus(Duration.ofDays(1)));
      Files.writeString(token, tokenText + "\n");
      Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));

      say("setting up a home with bg1 (CLI: init, identity add)");
      bg("init", "--home", home.toString());
      bg("identity", "add", "--home", home.toString(), "--user", BG1_UPN, "--object-id", BG1);
      healthPort = freePort();
      Path conf = tmp.resolve("daemon.conf");
      Files.writeString(conf, "poll.interval-seconds = " + interval + "\nhealth.listen = 127.0.0.1:" + healthPort
          + "\n");

      List<String> cmd = new ArrayList<>();
      cmd.add(java);
      cmd.addAll(daemonOpts);
      cmd.addAll(List.of("-Djava.io.tmpdir=" + tmp.resolve("java-tmp"), "-Dorg.sqlite.tmpdir=" + tmp.resolve(
          "java-tmp"), "-jar", bgJar.toString(), "daemon", "run", "--home", home.toString(), "--graph-url",
          graph.url().toString(), "--access-token-file", token.toString(), "--webhook", hookUrl().toString(),
          "--config", conf.toString()));
      say("starting the daemon: " + String.join(" ", cmd.subList(0, cmd.indexOf("-jar") + 4)) + " ...");
      long spawn = System.nanoTime();
      daemon = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(daemonLog.toFile()).start();
      pid = daemon.pid();
      Files.writeString(tmp.resolve("daemon.pid"), pid + "\n");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        if (daemon.isAlive()) {
          daemon.destroyForcibly();
        }
      }));
      waitFor(() -> metric("bg_daemon_polls_total", "result=\"ok\"") >= 1, Duration.ofSeconds(60),
          "the daemon's first poll");
      double firstPoll = (System.nanoTime() - spawn) / 1e9;
      // Let the first cycle's periodic checks (posture through Graph) and the JIT's first wave pass.
      Thread.sleep(3000);
      String startup = String.format(Locale.ROOT, "%.1f s from process start to the first poll counted", firstPoll);

      // --- requests per poll with 1 user --------------------------------------------------------
      int shortWindow = Math.max(5, windowSeconds / 3);
      say("requests per poll and poll period, 1 break-glass user (" + shortWindow + " s)");
      Snap a = aligned();
      List<Long> periods = pollPeriods(shortWindow);
      Snap b = aligned();
      Counts oneUser = counts(a, b);

      // --- add bg2 and the app while the daemon runs ---------------------------------------------
      say("adding bg2 and the app (CLI: identity add, while the daemon runs)");
      bg("identity", "add", "--home", home.toString(), "--user", BG2_UPN, "--object-id", BG2);
      bg("identity", "add", "--home", home.toString(), "--app", APP);
      Thread.sleep(2000L * interval);

      // --- latency -------------------------------------------------------------------------------
      say("alert latency: " + samples + " sign-ins of bg1, one at a time");
      Latency idleLat = latency("idle", samples);

      // --- idle window ---------------------------------------------------------------------------
      say("idle window: " + windowSeconds + " s");
      Usage idle = window(windowSeconds);
      Map<String, double[]> idleReplay = replay();

      // --- 100,000 unrelated sign-ins ------------------------------------------------------------
      say("adding " + bulk + " unrelated sign-ins in one batch");
      Instant now = Instant.now();
      Instant hourAgo = now.minus(Duration.ofMinutes(61));
      List<ObjectNode> batch = new ArrayList<>(bulk);
      Random r = new Random(42);
      List<String> users = new ArrayList<>();
      for (int i = 0; i < 5000; i++) {
        users.add(new UUID(r.nextLong(), r.nextLong()).toString());
      }
      List<String> apps = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        apps.add(new UUID(r.nextLong(), r.nextLong()).toString());
      }
      int inOverlap = 0;
      int servicePrincipal = 0;
      for (int i = 0; i < bulk; i++) {
        Instant created = now.minusSeconds(60 + (long) (r.nextDouble() * (86_400 - 60)));
        if (created.isAfter(hourAgo)) {
          inOverlap++;
        }
        String id = new UUID(r.nextLong(), r.nextLong()).toString();
        if (i % 5 == 4) {
          int k = r.nextInt(apps.size());
          batch.add(GraphTestServer.servicePrincipalSignIn(id, created, apps.get(k), new UUID(k, 1).toString(), 0));
          servicePrincipal++;
        } else {
          int u = r.nextInt(users.size());
          batch.add(GraphTestServer.signIn(id, created, users.get(u), String.format(Locale.ROOT,
              "user%04d@contoso.onmicrosoft.com", u), r.nextInt(10) == 0 ? 50126 : 0, "203.0.113." + (1 + u % 250)));
        }
      }
      long t0 = System.nanoTime();
      graph.addSignIns(batch);
      double addSeconds = (System.nanoTime() - t0) / 1e9;
      batch = null;
      Thread.sleep(3000L * interval);

      say("window with " + bulk + " sign-ins: " + windowSeconds + " s");
      Usage loaded = window(windowSeconds);
      Map<String, double[]> loadedReplay = replay();
      say("alert latency with " + bulk + " sign-ins: " + bulkSamples + " more");
      Latency loadedLat = latency("bulk", bulkSamples);

      // --- stop and check ------------------------------------------------------------------------
      long pollsOk = metric("bg_daemon_polls_total", "result=\"ok\"");
      long pollsErr = Math.max(0, metric("bg_daemon_polls_total", "result=\"error\""));
      long delivered = metricSum("bg_daemon_alerts_delivered_total");
      say("stopping the daemon (SIGTERM)");
      daemon.destroy();
      boolean exited = daemon.waitFor(30, TimeUnit.SECONDS);
      int exit = exited ? daemon.exitValue() : -1;
      if (!exited) {
        daemon.destroyForcibly();
      }
      long failedPolls = Files.readAllLines(daemonLog).stream().filter(l -> l.contains("poll failed")).count();

      // --- table ---------------------------------------------------------------------------------
      String ids1 = "1 user";
      String ids3 = "2 users + 1 app";
      row("Alert latency, idle tenant (" + ids3 + ")", latencyText(idleLat),
          "from a bg1 sign-in (created 30 s earlier) appearing in the server's log until its alert reaches the"
              + " receiver; " + samples + " sign-ins, one at a time, each after a random 0-" + interval + " s pause");
      row("&nbsp;&nbsp;wait for the next poll", split(idleLat.waitNanos), "until the daemon's next users' query reaches"
          + " the server (median, min-max)");
      row("&nbsp;&nbsp;poll to alert", split(idleLat.restNanos), "from that query until the alert reaches the"
          + " receiver: the query, parsing, correlation, the ledger transaction, the webhook POST");
      row("Alert latency, " + fmt(bulk) + " unrelated sign-ins in the log", latencyText(loadedLat), bulkSamples
          + " more sign-ins, as above");
      row("&nbsp;&nbsp;wait for the next poll", split(loadedLat.waitNanos), "");
      row("&nbsp;&nbsp;poll to alert", split(loadedLat.restNanos), "");
      row("Graph requests per poll, " + ids1, perPoll(oneUser), oneUser.byResource);
      long late = periods.stream().filter(p -> p > TimeUnit.MILLISECONDS.toNanos(interval * 1000L + 100)).count();
      row("Poll period, " + ids1, split(periods) + "; " + late + " of " + periods.size() + " over " + interval
          + ".1 s", "time between the daemon's successive sign-in queries at the server (harness looks every"
          + " millisecond), during the row above");
      row("Graph requests per poll, " + ids3 + ", idle", perPoll(idle.counts), idle.counts.byResource);
      row("Graph requests per poll, " + ids3 + ", " + fmt(bulk) + " sign-ins", perPoll(loaded.counts),
          loaded.counts.byResource);
      usageRows("idle", idle);
      usageRows(fmt(bulk) + " sign-ins", loaded);
      row("Test server time per daemon query, idle", replayText(idleReplay), "the daemon's last users' and apps'"
          + " queries sent again from the harness, " + replays + " times each after " + REPLAY_WARMUP
          + " untimed (median)");
      row("Test server time per daemon query, " + fmt(bulk) + " sign-ins", replayText(loadedReplay),
          "same (" + fmt(inOverlap) + " of the unrelated sign-ins fall inside the"
              + " queries' 61-minute window, none of them matches their identities)");
      row("Adding the " + fmt(bulk) + " sign-ins", f1(addSeconds) + " s", fmt(bulk - servicePrincipal) + " users' ("
          + "5,000 users) and " + fmt(servicePrincipal) + " service principals' (50 apps) sign-ins over the last 24 h,"
          + " one addSignIns call (harness)");
      row("Start-up", startup, "JVM start, ledger, Graph connection, first poll");
      row("Checks", "polls ok " + fmt(pollsOk) + ", failed " + pollsErr + " (log: " + failedPolls + "); alerts "
          + fmt(delivered) + " delivered, " + fmt(arrivals.size()) + " sign-in alerts received; exit " + exit
          + " on SIGTERM", "other alerts received: " + (alertKinds.isEmpty() ? "none" : alertKinds));

      System.out.printf(Locale.ROOT, "Daemon benchmark, %s: `bg daemon run` (%s) with poll.interval-seconds = %d,"
          + " GraphTestServer (contoso) and a webhook receiver in the harness JVM; %s %s, %d cores%n%n",
          Instant.now().truncatedTo(ChronoUnit.SECONDS), String.join(" ", daemonOpts), interval,
          System.getProperty("java.vm.name"), System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors());
      System.out.println("| Measure | Result | How |");
      System.out.println("|---|---|---|");
      for (String[] row : rows) {
        System.out.println("| " + String.join(" | ", row) + " |");
      }
      if (pollsErr > 0 || failedPolls > 0 || exit != 0 && exit != 143) {
        say("WARNING: the daemon logged failed polls or did not exit cleanly; see the numbers above");
      }
    }

    void usageRows(String label, Usage u) {
      row("Daemon CPU, " + label, String.format(Locale.ROOT, "%.2f%% of one core (%.1f ms a poll)",
          100.0 * u.cpuSeconds / u.counts.seconds, 1000.0 * u.cpuSeconds / Math.max(1, u.counts.polls)),
          String.format(Locale.ROOT, "utime+stime from /proc/%d/stat over %.1f s (%d ticks of 1/%d s)", pid,
              u.counts.seconds, u.cpuTicks, clockTicks));
      row("Daemon RSS, " + label, mib(u.rssMeanKb * 1024) + " mean, " + mib(u.rssMaxKb * 1024) + " max",
          "VmRSS of /proc/" + pid + "/status each second of the window");
      GcStats g = u.gc;
      row("Daemon heap, " + label, "used " + mib(g.usedMeanKb * 1024) + " mean, " + mib(g.usedMaxKb * 1024)
          + " max, of " + mib(g.committedKb * 1024) + " committed; live " + mib(u.live.usedKb * 1024)
          + "; metaspace " + mib(u.live.metaspaceKb * 1024), "jstat -gc each second of the window (" + g.samples
          + " samples); live: jcmd GC.run then GC.heap_info, after the window");
      row("Daemon allocation, " + label, String.format(Locale.ROOT, "%.1f MiB/s (%.0f KiB a poll); %d young"
          + " collections, %d full", g.allocatedKb / 1024 / u.counts.seconds, g.allocatedKb / Math.max(1,
          u.counts.polls), g.youngGcs, g.fullGcs), "from jstat's eden figures (growth between samples; across a"
          + " collection, eden's free space before it plus its use after)");
      row("Harness JVM CPU (test server), " + label, String.format(Locale.ROOT, "%.1f%% of one core",
          100.0 * u.harnessCpuSeconds / u.counts.seconds), "this JVM: the test server answering the daemon, the"
          + " receiver, the sampling");
    }

    void row(String measure, String result, String how) {
      rows.add(new String[] {measure, result, how});
    }

    // ------------------------------------------------------------------------------- latency

    record Latency(List<Long> totalNanos, List<Long> waitNanos, List<Long> restNanos) {}

    Latency latency(String tag, int n) throws Exception {
      List<Long> total = new ArrayList<>();
      List<Long> waits = new ArrayList<>();
      List<Long> rests = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Thread.sleep(random.nextInt(interval * 1000));
        String id = new UUID(tag.hashCode(), i).toString();
        ObjectNode s = GraphTestServer.signIn(id, Instant.now().minusSeconds(30), BG1, BG1_UPN, 0, "198.51.100.7");
        int seen = graph.requests().size();
        graph.addSignIn(s);
        long t0 = System.nanoTime();
        long tQuery = -1;
        long deadline = t0 + TimeUnit.SECONDS.toNanos(30L + 5L * interval);
        Long t1;
        while ((t1 = arrivals.get(id)) == null) {
          if (tQuery < 0) {
            List<GraphTestServer.Recorded> rs = graph.requests();
            for (int k = seen; k < rs.size(); k++) {
              GraphTestServer.Recorded q = rs.get(k);
              if (q.resource().startsWith(GraphTestServer.SIGN_INS)
                  && q.query().getOrDefault("$filter", "").contains("userId eq")) {
                tQuery = System.nanoTime();
                break;
              }
            }
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("no alert for sign-in " + id + " within " + (deadline - t0) / 1_000_000_000
                + " s; daemon log: " + daemonLog);
          }
          Thread.sleep(1);
        }
        total.add(t1 - t0);
        if (tQuery > 0 && tQuery <= t1) {
          waits.add(tQuery - t0);
          rests.add(t1 - tQuery);
        }
      }
      return new Latency(total, waits, rests);
    }

    String latencyText(Latency l) {
      List<Long> s = new ArrayList<>(l.totalNanos);
      Collections.sort(s);
      return String.format(Locale.ROOT, "median %.2f s, p95 %.2f s (min %.2f, max %.2f; n=%d)", median(s) / 1e9,
          percentile(s, 95) / 1e9, s.get(0) / 1e9, s.get(s.size() - 1) / 1e9, s.size());
    }

    static String split(List<Long> nanos) {
      if (nanos.isEmpty()) {
        return "n/a";
      }
      List<Long> s = new ArrayList<>(nanos);
      Collections.sort(s);
      return String.format(Locale.ROOT, "%.3f s (%.3f-%.3f)", median(s) / 1e9, s.get(0) / 1e9,
          s.get(s.size() - 1) / 1e9);
    }

    static double median(List<Long> sorted) {
      int n = sorted.size();
      return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }

    /** Nearest-rank percentile of a sorted list. */
    static double percentile(List<Long> sorted, int p) {
      int rank = (int) Math.ceil(p / 100.0 * sorted.size());
      return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    // ------------------------------------------------------------------------------- windows

    /**
     * For {@code seconds}: the time between the arrivals of successive sign-in queries of users at
     * the server (one a poll), seen by looking at the server's record every millisecond.
     */
    List<Long> pollPeriods(int seconds) throws Exception {
      List<Long> arrivals = new ArrayList<>();
      int seen = graph.requests().size();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        List<GraphTestServer.Recorded> rs = graph.requests();
        long now = System.nanoTime();
        for (int k = seen; k < rs.size(); k++) {
          GraphTestServer.Recorded q = rs.get(k);
          if (q.resource().startsWith(GraphTestServer.SIGN_INS)
              && q.query().getOrDefault("$filter", "").contains("userId eq")) {
            arrivals.add(now);
          }
        }
        seen = rs.size();
        Thread.sleep(1);
      }
      List<Long> out = new ArrayList<>();
      for (int i = 1; i < arrivals.size(); i++) {
        out.add(arrivals.get(i) - arrivals.get(i - 1));
      }
      return out;
    }

    /** A moment just after a poll: the requests the server has recorded and the polls the daemon has counted. */
    record Snap(long nanos, int requests, long polls, long cpuTicks, long harnessCpuNanos) {}

    record Counts(long polls, double seconds, int requests, int signInRequests, String byResource) {}

    record Heap(long usedKb, long committedKb, long metaspaceKb) {}

    /** From {@code jstat -gc} each second (kB): heap used, committed, young collections, bytes allocated. */
    record GcStats(int samples, double usedMeanKb, double usedMaxKb, double committedKb, long youngGcs,
        long fullGcs, double allocatedKb) {}

    record Usage(Counts counts, long cpuTicks, double cpuSeconds, double harnessCpuSeconds, long rssMeanKb,
        long rssMaxKb, GcStats gc, Heap live) {}

    /**
     * Waits for a poll to start (a request reaches the server) and end (no request for 300 ms), then
     * reads the daemon's poll counter: between two such moments the polls counted and the requests
     * recorded belong to the same polls.
     */
    Snap aligned() throws Exception {
      int n0 = graph.requests().size();
      waitFor(() -> graph.requests().size() > n0, Duration.ofSeconds(10L + 5L * interval), "a poll");
      int n = graph.requests().size();
      long stableSince = System.nanoTime();
      while (System.nanoTime() - stableSince < 300_000_000L) {
        Thread.sleep(10);
        int m = graph.requests().size();
        if (m != n) {
          n = m;
          stableSince = System.nanoTime();
        }
      }
      long polls = metric("bg_daemon_polls_total", "result=\"ok\"");
      return new Snap(System.nanoTime(), graph.requests().size(), polls, cpuTicks(), harnessCpu());
    }

    Counts counts(Snap a, Snap b) {
      List<GraphTestServer.Recorded> rs = graph.requests().subList(a.requests, b.requests);
      Map<String, Integer> by = new LinkedHashMap<>();
      int signIns = 0;
      for (GraphTestServer.Recorded q : rs) {
        String what = q.resource();
        if (what.startsWith(GraphTestServer.SIGN_INS)) {
          signIns++;
          String f = q.query().getOrDefault("$filter", "");
          what = f.contains("servicePrincipal") ? "signIns (apps)" : f.contains("userId") ? "signIns (users)"
              : "signIns (other)";
        }
        by.merge(q.method() + " " + what, 1, Integer::sum);
      }
      StringBuilder s = new StringBuilder();
      by.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append(": ").append(v));
      long polls = b.polls - a.polls;
      double seconds = (b.nanos - a.nanos) / 1e9;
      return new Counts(polls, seconds, rs.size(), signIns, String.format(Locale.ROOT, "%d polls in %.1f s (one"
          + " every %.2f s); ", polls, seconds, seconds / Math.max(1, polls)) + (s.length() == 0 ? "no requests"
          : s.toString()));
    }

    static String perPoll(Counts c) {
      return String.format(Locale.ROOT, "%.2f (%d requests / %d polls; sign-in queries %.2f)", c.requests
          / (double) Math.max(1, c.polls), c.requests, c.polls, c.signInRequests / (double) Math.max(1, c.polls));
    }

    Usage window(int seconds) throws Exception {
      // jstat reads the JVM's perf-data file: unlike jcmd it does not run anything in the daemon.
      Process jstatProcess = new ProcessBuilder(jstat, "-gc", Long.toString(pid), "1000").redirectErrorStream(true)
          .start();
      List<Object[]> gcLines = Collections.synchronizedList(new ArrayList<>());
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(jstatProcess.getInputStream(),
            StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            gcLines.add(new Object[] {System.nanoTime(), line});
          }
        } catch (IOException ignored) {
          // the process was stopped
        }
      }, "jstat-reader");
      reader.setDaemon(true);
      reader.start();
      Snap a = aligned();
      long rssSum = 0;
      long rssMax = 0;
      int rssN = 0;
      long end = a.nanos + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        long rss = rssKb();
        rssSum += rss;
        rssMax = Math.max(rssMax, rss);
        rssN++;
        Thread.sleep(Math.max(1, Math.min(1000, (end - System.nanoTime()) / 1_000_000)));
      }
      Snap b = aligned();
      jstatProcess.destroy();
      jstatProcess.waitFor(5, TimeUnit.SECONDS);
      reader.join(5000);
      GcStats gc = gcStats(gcLines, a.nanos, b.nanos);
      Heap live = liveHeap();
      long ticks = b.cpuTicks - a.cpuTicks;
      return new Usage(counts(a, b), ticks, ticks / (double) clockTicks, (b.harnessCpuNanos - a.harnessCpuNanos)
          / 1e9, rssSum / Math.max(1, rssN), rssMax, gc, live);
    }

    /**
     * The {@code jstat -gc} samples taken between {@code from} and {@code to}. Allocation is estimated
     * from eden: its growth between two samples, or, across a young collection, what eden still had
     * free before it plus what it holds after.
     */
    static GcStats gcStats(List<Object[]> lines, long from, long to) {
      List<String> header = null;
      List<Map<String, Double>> rows = new ArrayList<>();
      synchronized (lines) {
        for (Object[] l : lines) {
          List<String> f = List.of(((String) l[1]).strip().split("\\s+"));
          if (f.contains("EU")) {
            header = f;
          } else if (header != null && f.size() == header.size() && (long) l[0] >= from && (long) l[0] <= to) {
            Map<String, Double> row = new HashMap<>();
            for (int i = 0; i < f.size(); i++) {
              try {
                row.put(header.get(i), Double.parseDouble(f.get(i)));
              } catch (NumberFormatException e) {
                row.put(header.get(i), 0.0); // "-": a collector that is not in use
              }
            }
            rows.add(row);
          }
        }
      }
      if (rows.size() < 2) {
        throw new IllegalStateException("jstat -gc gave " + rows.size() + " samples in the window: " + lines.stream()
            .map(l -> (String) l[1]).toList());
      }
      double sum = 0;
      double max = 0;
      double alloc = 0;
      Map<String, Double> prev = null;
      for (Map<String, Double> r : rows) {
        double used = r.get("S0U") + r.get("S1U") + r.get("EU") + r.get("OU");
        sum += used;
        max = Math.max(max, used);
        if (prev != null) {
          alloc += r.get("YGC").equals(prev.get("YGC")) && r.get("FGC").equals(prev.get("FGC"))
              ? Math.max(0, r.get("EU") - prev.get("EU")) : prev.get("EC") - prev.get("EU") + r.get("EU");
        }
        prev = r;
      }
      Map<String, Double> first = rows.get(0);
      Map<String, Double> last = rows.get(rows.size() - 1);
      double committed = last.get("S0C") + last.get("S1C") + last.get("EC") + last.get("OC");
      return new GcStats(rows.size(), sum / rows.size(), max, committed, (long) (last.get("YGC") - first.get("YGC")),
          (long) (last.get("FGC") - first.get("FGC")), alloc);
    }

    long cpuTicks() throws IOException {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime (14) + stime (15)
    }

    long rssKb() throws IOException {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
      throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
    }

    static long harnessCpu() {
      return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
    }

    static final Pattern GEN = Pattern.compile("generation\\s+total (\\d+)K, used (\\d+)K");
    static final Pattern META = Pattern.compile("Metaspace\\s+used (\\d+)K");

    /**
     * The daemon's live heap: {@code jcmd PID GC.run}, then {@code GC.heap_info} (the serial
     * collector's two generations, and metaspace).
     */
    Heap liveHeap() throws Exception {
      exec(List.of(jcmd, Long.toString(pid), "GC.run"));
      String out = exec(List.of(jcmd, Long.toString(pid), "GC.heap_info"));
      long used = 0;
      long committed = 0;
      int gens = 0;
      Matcher m = GEN.matcher(out);
      while (m.find()) {
        committed += Long.parseLong(m.group(1));
        used += Long.parseLong(m.group(2));
        gens++;
      }
      Matcher mm = META.matcher(out);
      if (gens == 0 || !mm.find()) {
        throw new IllegalStateException("cannot read jcmd GC.heap_info (a collector other than -XX:+UseSerialGC?):\n"
            + out);
      }
      return new Heap(used, committed, Long.parseLong(mm.group(1)));
    }

    // ------------------------------------------------------------------------------- replay

    static final int REPLAY_WARMUP = 10;

    /** The daemon's last users' and apps' queries, sent again from here: the server's own time. */
    Map<String, double[]> replay() throws Exception {
      List<GraphTestServer.Recorded> rs = graph.requests();
      Map<String, GraphTestServer.Recorded> last = new LinkedHashMap<>();
      for (GraphTestServer.Recorded q : rs) {
        if (q.resource().startsWith(GraphTestServer.SIGN_INS) && q.rawQuery().isPresent()) {
          String f = q.query().getOrDefault("$filter", "");
          last.put(f.contains("servicePrincipal") ? "apps" : "users", q);
        }
      }
      Map<String, double[]> out = new LinkedHashMap<>();
      for (Map.Entry<String, GraphTestServer.Recorded> e : last.entrySet()) {
        URI u = URI.create(graph.url() + e.getValue().path() + "?" + e.getValue().rawQuery().get());
        HttpRequest get = HttpRequest.newBuilder(u).header("Authorization", "Bearer " + tokenText).GET().build();
        List<Long> times = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < replays + REPLAY_WARMUP; i++) {
          long t0 = System.nanoTime();
          HttpResponse<byte[]> r = http.send(get, HttpResponse.BodyHandlers.ofByteArray());
          long dt = System.nanoTime() - t0;
          if (r.statusCode() != 200) {
            throw new IllegalStateException("replay of " + u + " answered " + r.statusCode());
          }
          bytes = r.body().length;
          if (i >= REPLAY_WARMUP) {
            times.add(dt);
          }
        }
        Collections.sort(times);
        out.put(e.getKey(), new double[] {median(times) / 1e6, bytes});
      }
      return out;
    }

    static String replayText(Map<String, double[]> m) {
      List<String> parts = new ArrayList<>();
      m.forEach((k, v) -> parts.add(String.format(Locale.ROOT, "%s' query %.1f ms (%,d bytes)", k, v[0],
          (long) v[1])));
      return String.join("; ", parts);
    }

    // ------------------------------------------------------------------------------- plumbing

    void startReceiver() throws IOException {
      receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      receiver.setExecutor(Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "webhook-receiver");
        t.setDaemon(true);
        return t;
      }));
      receiver.createContext("/hook", ex -> {
        byte[] body = ex.getRequestBody().readAllBytes();
        long at = System.nanoTime();
        try {
          JsonNode alert = JSON.readTree(new String(body, StandardCharsets.UTF_8));
          String signInId = alert.path("signIn").path("id").asText("");
          if (!signInId.isEmpty()) {
            arrivals.putIfAbsent(signInId, at);
          } else {
            otherAlerts.incrementAndGet();
            alertKinds.merge(alert.path("kind").asText("?"), 1, Integer::sum);
          }
          ex.sendResponseHeaders(200, -1);
        } catch (IOException e) {
          ex.sendResponseHeaders(400, -1);
        } finally {
          ex.close();
        }
      });
      receiver.start();
    }

    URI hookUrl() {
      return URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
    }

    static int freePort() throws IOException {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      }
    }

    /** Runs {@code bg ARGS} with bg.jar in a fresh JVM (./bg's JIT and collector options); fails unless exit 0. */
    void bg(String... args) throws Exception {
      List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-Djava.io.tmpdir=" + tmp.resolve("java-tmp"), "-jar", bgJar.toString()));
      cmd.addAll(List.of(args));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().put("BG_HOME", home.toString());
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException("bg " + String.join(" ", args) + " exited " + p.exitValue() + ":\n" + out);
      }
    }

    static String exec(List<String> cmd) throws Exception {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + out);
      }
      return out;
    }

    static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)");

    /** The value of {@code name} with a label set containing {@code label} in /metrics; -1 when absent. */
    long metric(String name, String label) throws Exception {
      long v = -1;
      for (String[] s : scrape()) {
        if (s[0].equals(name) && s[1].contains(label)) {
          v = Math.max(v, 0) + (long) Double.parseDouble(s[2]);
        }
      }
      return v;
    }

    long metricSum(String name) throws Exception {
      long v = 0;
      for (String[] s : scrape()) {
        if (s[0].equals(name)) {
          v += (long) Double.parseDouble(s[2]);
        }
      }
      return v;
    }

    List<String[]> scrape() throws Exception {
      if (daemon != null && !daemon.isAlive()) {
        throw new IllegalStateException("the daemon exited with " + daemon.exitValue() + "; its log:\n"
            + tail(daemonLog, 30));
      }
      HttpResponse<String> r;
      try {
        r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/metrics"))
            .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        return List.of(); // not listening yet
      }
      List<String[]> out = new ArrayList<>();
      for (String line : r.body().split("\n")) {
        Matcher m = SAMPLE.matcher(line);
        if (!line.startsWith("#") && m.find()) {
          out.add(new String[] {m.group(1), m.group(2) == null ? "" : m.group(2), m.group(3)});
        }
      }
      return out;
    }

    interface Check {
      boolean ok() throws Exception;
    }

    void waitFor(Check c, Duration timeout, String what) throws Exception {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!c.ok()) {
        if (daemon != null && !daemon.isAlive()) {
          throw new IllegalStateException("the daemon exited with " + daemon.exitValue() + " while waiting for "
              + what + "; its log:\n" + tail(daemonLog, 30));
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no " + what + " within " + timeout.toSeconds() + " s; daemon log:\n"
              + tail(daemonLog, 30));
        }
        Thread.sleep(20);
      }
    }

    static String tail(Path p, int n) {
      try {
        List<String> l = Files.readAllLines(p);
        return String.join("\n", l.subList(Math.max(0, l.size() - n), l.size()));
      } catch (IOException e) {
        return "(unreadable: " + e.getMessage() + ")";
      }
    }

    void close() {
      if (daemon != null && daemon.isAlive()) {
        daemon.destroy();
        try {
          if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
            daemon.destroyForcibly();
          }
        } catch (InterruptedException e) {
          daemon.destroyForcibly();
        }
      }
      if (receiver != null) {
        receiver.stop(0);
      }
      if (graph != null) {
        graph.close();
      }
    }

    static String f1(double v) {
      return String.format(Locale.ROOT, "%,.1f", v);
    }

    static String fmt(long v) {
      return String.format(Locale.ROOT, "%,d", v);
    }

    static String mib(double bytes) {
      return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
  }
}
