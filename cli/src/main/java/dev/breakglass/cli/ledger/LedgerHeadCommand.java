package dev.breakglass.cli.ledger;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.custody.ledger.Ledger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "head", description = "Prints the newest event as SEQ:HASH. Copy it into a record outside this machine (a ticket, a printed sheet in the safe); 'bg ledger verify --head SEQ:HASH' later proves nothing before it changed.")
public final class LedgerHeadCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;

  @Override
  public Integer call() throws Exception {
    try (Ledger l = ledger.openReadOnly()) {
      spec.commandLine().getOut().println(l.head().map(Object::toString).orElse("-"));
    }
    return 0;
  }
}
