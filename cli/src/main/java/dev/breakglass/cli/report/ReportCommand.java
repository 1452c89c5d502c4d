package dev.breakglass.cli.report;

import dev.breakglass.cli.ExitCodes;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.ledger.LogCommand;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.VerifyReport;
import dev.breakglass.custody.report.AuditReport;
import dev.breakglass.custody.report.HtmlReport;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "report",
    description = "Writes an audit report as one self-contained HTML file (no scripts, nothing loaded from"
        + " elsewhere, printable): a timeline of unlock sessions, check-outs, observed sign-ins with their verdicts"
        + " and reviews; what is out of its safe; kit and item reviews; the CA inventory; alarms (key alarms,"
        + " UNEXPLAINED sign-ins, sessions open past their expected end); and the ledger head with the result of"
        + " 'bg ledger verify'. A ledger that fails verification still gets its report, which says so; the exit"
        + " code is then 3.",
    footerHeading = "%nExamples:%n",
    footer = {"  bg report --html audit-2026-q4.html --since 2026-10-01", "  bg report --html everything.html"})
public final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;

  @Option(names = "--html", required = true, paramLabel = "FILE",
      description = "The report to write: a new file (mode 600); an existing file or link is never replaced.")
  Path html;

  @Option(names = "--since", paramLabel = "DATE",
      description = "Start of the period: YYYY-MM-DD (midnight UTC) or an ISO-8601 instant (default: the whole"
          + " ledger).")
  String since;

  @Override
  public Integer call() throws Exception {
    Optional<Instant> from = since == null ? Optional.empty() : Optional.of(LogCommand.parse(since));
    // Refused before reading the ledger, so that nobody waits for a report that cannot be written.
    HtmlReport.refuseExisting(html);
    AuditReport r;
    try (Ledger l = ledger.openReadOnly()) {
      r = AuditReport.gather(l, from, ledger.root().clock());
    }
    HtmlReport.writeNew(html, r);
    VerifyReport v = r.verify();
    spec.commandLine().getOut().printf("wrote %s: %d event(s), %d unlock session(s), %d sign-in(s) %s; head %s; %s%n",
        html, r.eventCount(), r.sessions().size(), r.signIns().size(),
        r.since().map(s -> "since " + Out.ts(s)).orElse("in the whole ledger"),
        r.head().map(Object::toString).orElse("-"),
        v.ok() ? "ledger verified intact"
            : "ledger verification FAILED" + v.firstBadSeq().map(s -> " at event " + s).orElse(""));
    spec.commandLine().getOut().flush();
    if (!v.ok()) {
      spec.commandLine().getErr().printf("bg: error: ledger verification FAILED%s: %s (the report says so)%n",
          v.firstBadSeq().map(s -> " at event " + s).orElse(""), v.problem().orElse(""));
      spec.commandLine().getErr().flush();
      return ExitCodes.LEDGER_BAD;
    }
    return ExitCodes.OK;
  }
}
