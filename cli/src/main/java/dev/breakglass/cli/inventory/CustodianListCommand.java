package dev.breakglass.cli.inventory;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.custody.ledger.Custodian;
import dev.breakglass.custody.ledger.Ledger;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "Lists the custodians.")
public final class CustodianListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin JsonOption json;

  @Override
  public Integer call() throws Exception {
    List<Custodian> all;
    try (Ledger l = ledger.openReadOnly()) {
      all = l.custodians();
    }
    Out.list(spec.commandLine().getOut(), json.json, all, Out::custodian, List.of("NAME", "CONTACT"),
        c -> List.of(c.name(), c.contact()));
    return 0;
  }
}
