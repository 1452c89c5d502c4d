package dev.breakglass.cli.ledger;

import dev.breakglass.cli.ExitCodes;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.UsageException;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.VerifyReport;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", description = "Recomputes the hash chain from the first event and rebuilds the inventory from the events; names the first event where the ledger was changed, removed or reordered (exit code 3). With --head, a head recorded earlier elsewhere, it also proves the ledger was not cut back or rewritten since then.",
    footerHeading = "%nExample:%n",
    footer = "  bg ledger verify --head 42:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
public final class LedgerVerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;

  @Option(names = "--head", paramLabel = "SEQ:HASH", description = "A head printed earlier by 'bg ledger head'.")
  String head;

  @Override
  public Integer call() throws Exception {
    Optional<Head> expected = Optional.empty();
    if (head != null) {
      try {
        expected = Optional.of(Head.parse(head));
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
    }
    VerifyReport r;
    try (Ledger l = ledger.openReadOnly()) {
      r = l.verify(expected);
    }
    if (!r.ok()) {
      spec.commandLine().getErr().printf("bg: error: ledger verification FAILED%s: %s%n",
          r.firstBadSeq().map(seq -> " at event " + seq).orElse(""), r.problem().get());
      spec.commandLine().getErr().flush();
      return ExitCodes.LEDGER_BAD;
    }
    spec.commandLine().getOut().printf("ledger OK: %d events, head %s%s%n", r.events(),
        r.head().map(Object::toString).orElse("-"),
        expected.map(h -> "; contains the recorded head " + h.seq()).orElse(""));
    return 0;
  }
}
