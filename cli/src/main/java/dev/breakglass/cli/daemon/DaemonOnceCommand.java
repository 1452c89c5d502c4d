package dev.breakglass.cli.daemon;

import dev.breakglass.cli.ExitCodes;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.entra.EntraOptions;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.SignInVerdict;
import dev.breakglass.daemon.Daemon;
import dev.breakglass.daemon.DaemonConfig;
import dev.breakglass.daemon.GuardRail;
import dev.breakglass.daemon.Metrics;
import dev.breakglass.daemon.SignInWatcher;
import dev.breakglass.entra.EntraConnection;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "once",
    description = "One round of the daemon, for cron and tests: polls the sign-in log from the checkpoint (minus"
        + " the overlap) to now, records each new sign-in with its verdict, queues and delivers the alerts, runs"
        + " the periodic checks when due and pings the heartbeat. Exit 5 when a new sign-in is UNEXPLAINED.",
    footerHeading = "%nExamples:%n",
    footer = {"  bg daemon once --json --webhook https://alerts.example.net/bg",
        "  */5 * * * *  bg --home /var/lib/breakglass daemon once --config /etc/breakglass/daemon.conf"})
public final class DaemonOnceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin EntraOptions entra;
  @Mixin DaemonOptions options;

  @Option(names = "--json", description = "Print one JSON line per new sign-in (verdict, custody event, alert).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    var clock = ledger.root().clock();
    DaemonOptions.FileConfig configs = options.configs(ledger.home());
    try (Ledger l = ledger.open(); EntraConnection c = entra.connect(l, clock, err)) {
      DaemonConfig config = configs.current();
      for (String w : GuardRail.check(config, c.directory())) {
        err.println("bg: warning: " + w);
      }
      if (config.sinks().isEmpty()) {
        err.println("bg: warning: no alert sink configured: sign-ins are recorded but nobody is alerted"
            + " (add sink.NAME.* to " + configs.file() + " or --webhook URL)");
      }
      err.flush();
      Daemon d = new Daemon(l, c.signIns(), Optional.of(c.directory()), clock, DaemonOptions.log(err, clock),
          new Metrics(), configs, next -> GuardRail.check(next, c.directory()));
      Daemon.Cycle cycle = d.cycle(true);
      boolean unexplained = false;
      for (SignInWatcher.Recorded r : cycle.poll().map(SignInWatcher.PollResult::recorded).orElse(java.util.List.of())) {
        unexplained |= r.judgement().verdict() == SignInVerdict.UNEXPLAINED;
        if (json) {
          Out.jsonLine(out, g -> {
            g.writeStartObject();
            Judgements.fields(g, r.judgement());
            g.writeNumberField("ledgerEvent", r.event().seq());
            if (r.alertId().isPresent()) {
              g.writeStringField("alertId", r.alertId().get());
            }
            g.writeEndObject();
          });
        } else {
          out.println(Judgements.line(r.judgement()) + Judgements.custody(r.judgement()) + "  ledger event "
              + r.event().seq());
        }
      }
      out.flush();
      if (cycle.pollError().isPresent()) {
        throw new DirectoryException(DirectoryException.Reason.UNAVAILABLE, "poll failed: "
            + cycle.pollError().get() + "; nothing was recorded, the next run covers this window too");
      }
      long undelivered = l.outboxStats().pending();
      if (undelivered > 0) {
        err.println("bg: warning: " + undelivered + " alert(s) not delivered yet: they stay in the outbox and the"
            + " next run tries again");
        err.flush();
      }
      return unexplained ? ExitCodes.UNEXPLAINED : ExitCodes.OK;
    }
  }
}
