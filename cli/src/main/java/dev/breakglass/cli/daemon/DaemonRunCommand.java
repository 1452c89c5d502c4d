package dev.breakglass.cli.daemon;

import dev.breakglass.cli.ExitCodes;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.entra.EntraOptions;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.daemon.Daemon;
import dev.breakglass.daemon.DaemonConfig;
import dev.breakglass.daemon.DaemonException;
import dev.breakglass.daemon.GuardRail;
import dev.breakglass.daemon.HealthServer;
import dev.breakglass.daemon.Metrics;
import dev.breakglass.entra.EntraConnection;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "run",
    description = "Runs the daemon in the foreground until SIGTERM or SIGINT: polls the sign-in log every"
        + " poll.interval-seconds, records and alerts each break-glass sign-in, retries undelivered alerts, runs the"
        + " periodic checks, pings the heartbeat, serves /healthz and /metrics on health.listen (loopback). Refuses"
        + " to start without an alert sink, or with a mail recipient inside the monitored tenant. The config file is"
        + " re-read when it changes; a wrong or refused change is logged and the running config kept.",
    footerHeading = "%nExamples:%n",
    footer = {"  bg daemon run --config /etc/breakglass/daemon.conf",
        "  bg daemon run --webhook https://alerts.example.net/bg --access-token-file token.json"})
public final class DaemonRunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin EntraOptions entra;
  @Mixin DaemonOptions options;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    var clock = ledger.root().clock();
    DaemonOptions.FileConfig configs = options.configs(ledger.home());
    DaemonConfig config = configs.current();
    if (config.sinks().isEmpty()) {
      throw new DaemonException(DaemonException.Reason.CONFIG, "no alert sink configured: add sink.NAME.type and"
          + " its settings to " + configs.file() + ", or give --webhook URL");
    }
    Metrics metrics = new Metrics();
    java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    try (Ledger l = ledger.open(); EntraConnection c = entra.connect(l, clock, err)) {
      for (String w : GuardRail.check(config, c.directory())) {
        err.println("bg: warning: " + w);
      }
      err.flush();
      Daemon d = new Daemon(l, c.signIns(), Optional.of(c.directory()), clock, DaemonOptions.log(err, clock), metrics,
          configs, next -> GuardRail.check(next, c.directory()));
      Optional<HealthServer> health = Optional.empty();
      if (config.healthListen().isPresent()) {
        health = Optional.of(HealthServer.start(config.healthListen().get(), metrics, d::health));
        err.println("bg: health on http://" + config.healthListen().get().getHostString() + ":" + health.get().port()
            + "/healthz and /metrics");
        err.flush();
      }
      AtomicBoolean stop = new AtomicBoolean();
      Thread main = Thread.currentThread();
      Thread hook = new Thread(() -> {
        stop.set(true);
        main.interrupt();
        try {
          closed.await(10, java.util.concurrent.TimeUnit.SECONDS); // the current transaction ends, the ledger closes
        } catch (InterruptedException ignored) {
          // exiting anyway
        }
      }, "bg-daemon-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        // The stop hook interrupts this wait: end it quietly, so that run() sees stop, logs "stopped" and returns.
        d.run(stop, wait -> {
          try {
            Thread.sleep(Math.max(1, (wait.toNanos() + 999_999) / 1_000_000)); // rounded up: never wake early
          } catch (InterruptedException e) {
            // stop is set: the loop ends
          }
        });
      } catch (InterruptedException e) {
        // stopped by a signal
      } finally {
        health.ifPresent(HealthServer::close);
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook is running: it waits for this thread
        }
      }
      return ExitCodes.OK;
    } finally {
      closed.countDown();
    }
  }
}
