package dev.breakglass.cli.ledger;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.Ledger;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "export", description = "Prints every event as one JSON object a line, oldest first, then a last"
    + " line {\"head\":{…}}. Each line carries the stored fields exactly, so the chain can be recomputed from the"
    + " export alone.",
    footerHeading = "%nExample:%n",
    footer = "  bg ledger export > ledger-$(date +%F).jsonl")
public final class LedgerExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (Ledger l = ledger.openReadOnly()) {
      Optional<Head> head = l.head();
      // Only events up to the head read first: a write racing the export cannot slip past the head line.
      l.events(Optional.empty(), Optional.empty(), e -> {
        if (head.isPresent() && e.seq() <= head.get().seq()) {
          Out.jsonLine(out, g -> Out.event(g, e));
        }
      });
      Out.jsonLine(out, g -> {
        g.writeStartObject();
        g.writeFieldName("head");
        Out.head(g, head);
        g.writeEndObject();
      });
    }
    out.flush();
    return 0;
  }
}
