package dev.breakglass.cli.inventory;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.Safe;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "Lists the safes.")
public final class SafeListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin JsonOption json;

  @Override
  public Integer call() throws Exception {
    List<Safe> all;
    try (Ledger l = ledger.openReadOnly()) {
      all = l.safes();
    }
    Out.list(spec.commandLine().getOut(), json.json, all, Out::safe, List.of("NAME", "TWO-PERSON", "LOCATION"),
        s -> List.of(s.name(), s.twoPersonRule() ? "yes" : "no", s.location()));
    return 0;
  }
}
