package dev.breakglass.cli.inventory;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.Ledger;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "Lists every item with where it is and who holds it.")
public final class ItemListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin JsonOption json;

  @Override
  public Integer call() throws Exception {
    List<Item> all;
    try (Ledger l = ledger.openReadOnly()) {
      all = l.items();
    }
    Out.list(spec.commandLine().getOut(), json.json, all, Out::item, List.of("ITEM", "KIND", "SAFE", "STATE", "HOLDER", "SEAL", "IDENTITY", "LAST-REVIEWED"),
        i -> List.of(i.label(), i.kind().wireName(), i.safe(), i.checkedOut() ? "OUT" : "in", Out.or(i.holder()),
            Out.or(i.seal()), Out.or(i.identity()), Out.ts(i.lastReviewed())));
    return 0;
  }
}
