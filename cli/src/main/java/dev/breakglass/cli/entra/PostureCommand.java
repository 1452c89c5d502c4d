package dev.breakglass.cli.entra;

import dev.breakglass.cli.ExitCodes;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.inventory.JsonOption;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.posture.Posture;
import dev.breakglass.custody.posture.PostureCheck;
import dev.breakglass.custody.posture.PostureReport;
import dev.breakglass.entra.EntraConnection;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "posture",
    description = "Checks the break-glass setup in Entra ID against the ledger and Microsoft's guidance: one row per"
        + " check with PASS, WARN or FAIL, the evidence and the fix. Exit 1 when any check fails. Reads only;"
        + " needs Directory.Read.All, Policy.Read.All, RoleManagement.Read.Directory, UserAuthenticationMethod.Read.All"
        + " and Application.Read.All.",
    footerHeading = "%nExamples:%n",
    footer = {"  bg posture", "  bg posture --json --access-token-file token.json"})
public final class PostureCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin EntraOptions entra;
  @Mixin JsonOption json;

  @Override
  public Integer call() throws Exception {
    PostureReport report;
    try (Ledger l = ledger.openReadOnly();
        EntraConnection c = entra.connect(l, ledger.root().clock(), spec.commandLine().getErr())) {
      report = Posture.check(l, c.directory(), ledger.root().clock());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json.json) {
      Out.json(out, g -> {
        g.writeStartObject();
        g.writeStringField("checkedAt", Out.ts(report.checkedAt()));
        g.writeBooleanField("failed", report.failed());
        g.writeArrayFieldStart("checks");
        for (PostureCheck r : report.rows()) {
          g.writeStartObject();
          g.writeStringField("check", r.check());
          g.writeStringField("subject", r.subject());
          g.writeStringField("status", r.status().name());
          g.writeStringField("evidence", r.evidence());
          g.writeStringField("fix", r.fix());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      });
    } else {
      Out.table(out, List.of("STATUS", "CHECK", "SUBJECT", "EVIDENCE"), report.rows().stream()
          .map(r -> List.of(r.status().name(), r.check(), r.subject(), r.evidence())).toList());
      List<PostureCheck> toFix = report.rows().stream().filter(r -> !r.fix().isEmpty()).toList();
      if (!toFix.isEmpty()) {
        out.println();
        out.println("TO FIX");
        for (PostureCheck r : toFix) {
          out.printf("- %s %s: %s%n", r.check(), r.subject(), r.fix());
        }
      }
      out.println();
      out.printf("%d PASS, %d WARN, %d FAIL at %s%n", report.count(PostureCheck.Status.PASS),
          report.count(PostureCheck.Status.WARN), report.count(PostureCheck.Status.FAIL), Out.ts(report.checkedAt()));
      out.flush();
    }
    return report.failed() ? ExitCodes.FAILED : ExitCodes.OK;
  }
}
