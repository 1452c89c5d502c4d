package dev.breakglass.cli.export;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.UsageException;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.export.BreakGlassExport;
import dev.breakglass.custody.export.ExportIdentity;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.Ledger;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "export",
    description = "Writes the break-glass accounts in the format another tool reads, so that it checks the same"
        + " accounts: maester (maester-config.json's EmergencyAccessAccounts), scubagear (the Aad exclusions to"
        + " merge into a ScubaGear config; needs object ids) or sentinel-watchlist (a CSV for Microsoft Sentinel's"
        + " VIP Users watchlist). Apps have no place in these formats and are named on standard error.",
    footerHeading = "%nExamples:%n",
    footer = {"  bg export maester > maester-config.json",
        "  bg export sentinel-watchlist --out breakglass-watchlist.csv"})
public final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;

  @Parameters(paramLabel = "FORMAT", description = "maester, scubagear or sentinel-watchlist.")
  String format;

  @Option(names = "--out", paramLabel = "FILE", description = "Write a new file instead of standard output.")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (!List.of("maester", "scubagear", "sentinel-watchlist").contains(format)) {
      throw new UsageException("unknown format '" + format + "': use maester, scubagear or sentinel-watchlist");
    }
    String text;
    List<ExportIdentity> skipped;
    try (Ledger l = ledger.openReadOnly()) {
      List<ExportIdentity> ids = BreakGlassExport.from(l);
      Head head = l.head().orElseThrow(() -> new CustodyException(CustodyException.Reason.CORRUPT,
          "the ledger holds no events: run 'bg ledger verify'"));
      text = switch (format) {
        case "maester" -> BreakGlassExport.maester(ids);
        case "scubagear" -> BreakGlassExport.scubaGear(ids, head);
        default -> BreakGlassExport.sentinelWatchlist(ids, head);
      };
      skipped = BreakGlassExport.notExported(ids);
    }
    if (out == null) {
      spec.commandLine().getOut().print(text);
      spec.commandLine().getOut().flush();
      note(skipped);
      return 0;
    }
    try {
      Files.writeString(out, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (FileAlreadyExistsException e) {
      throw new UsageException(out + " exists: give a new file name (nothing was written)");
    } catch (IOException e) {
      throw new CustodyException(CustodyException.Reason.IO, "cannot write " + out + ": " + e.getMessage(), e);
    }
    spec.commandLine().getOut().println("wrote " + out);
    note(skipped);
    return 0;
  }

  private void note(List<ExportIdentity> skipped) {
    PrintWriter err = spec.commandLine().getErr();
    for (ExportIdentity s : skipped) {
      err.println("bg: note: app " + s.upnOrAppId() + " is not in the export: " + format + " has no place for apps");
    }
    err.flush();
  }
}
