package dev.breakglass.cli.daemon;

import dev.breakglass.cli.ExitCodes;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.UsageException;
import dev.breakglass.custody.PrintableText;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.SignInVerdict;
import dev.breakglass.daemon.Correlator;
import dev.breakglass.entra.SignInBatch;
import dev.breakglass.entra.SignInExport;
import dev.breakglass.entra.SignInRecord;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "correlate",
    description = "Judges sign-ins exported from the Entra admin center (Sign-in logs → Download → JSON) or from"
        + " Graph (/auditLogs/signIns JSON) against the ledger, as the daemon does, without any API access: one line"
        + " per sign-in of a break-glass identity with EXPECTED, DRILL or UNEXPLAINED and the custody event that"
        + " explains it. Reads only; records nothing. Exit 5 when any sign-in is UNEXPLAINED.",
    footerHeading = "%nExamples:%n",
    footer = {"  bg correlate --signins InteractiveSignIns_2026-11-25.json",
        "  bg correlate --signins signins.json --json --grace-minutes 30"})
public final class CorrelateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;

  @Option(names = "--signins", paramLabel = "FILE", required = true,
      description = "The exported sign-ins (JSON: an array, or Graph's {\"value\": [...]}).")
  Path file;

  @Option(names = "--grace-minutes", paramLabel = "N", defaultValue = "10",
      description = "How far outside a session or check-out a sign-in still counts as inside (default 10).")
  int graceMinutes;

  @Option(names = "--json", description = "Print one JSON line per sign-in.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (graceMinutes < 0 || graceMinutes > 24 * 60) {
      throw new UsageException("--grace-minutes must be from 0 to 1440, not " + graceMinutes);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SignInBatch batch = SignInExport.read(file);
    List<Correlator.Judgement> judged = new ArrayList<>();
    int others = 0;
    try (Ledger l = ledger.openReadOnly()) {
      Correlator c = new Correlator(l.identities(), l.custodyWindows(), Duration.ofMinutes(graceMinutes));
      for (SignInRecord s : batch.signIns()) {
        Optional<Correlator.Judgement> j = c.judge(s);
        if (j.isPresent()) {
          judged.add(j.get());
        } else {
          others++;
        }
      }
    }
    boolean unexplained = false;
    for (Correlator.Judgement j : judged) {
      unexplained |= j.verdict() == SignInVerdict.UNEXPLAINED;
      if (json) {
        Out.jsonLine(out, g -> {
          g.writeStartObject();
          Judgements.fields(g, j);
          g.writeEndObject();
        });
      } else {
        out.println(Judgements.line(j) + j.signIn().ipAddress().map(ip -> "  " + PrintableText.replaceUnprintable(ip))
            .orElse("") + Judgements.custody(j));
      }
    }
    out.flush();
    for (var k : batch.skipped()) {
      err.println("bg: warning: unreadable sign-in record skipped" + k.id().map(i -> " " + i).orElse("") + ": "
          + k.problem());
    }
    err.println("bg: " + judged.size() + " break-glass sign-in(s) judged, " + judged.stream()
        .filter(j -> j.verdict() == SignInVerdict.UNEXPLAINED).count() + " UNEXPLAINED; " + others
        + " sign-in(s) of other accounts ignored; " + batch.skipped().size() + " unreadable");
    err.flush();
    return unexplained ? ExitCodes.UNEXPLAINED : ExitCodes.OK;
  }
}
