package dev.breakglass.cli.key;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.inventory.JsonOption;
import dev.breakglass.custody.ledger.FidoKey;
import dev.breakglass.custody.ledger.Ledger;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "Lists the registered keys: break-glass keys (items) and custodians' keys.")
public final class KeyListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin JsonOption json;

  @Override
  public Integer call() throws Exception {
    List<FidoKey> keys;
    try (Ledger l = ledger.openReadOnly()) {
      keys = l.keys();
    }
    Out.list(spec.commandLine().getOut(), json.json, keys, KeyView::json, KeyView.HEADERS, KeyView::row);
    return 0;
  }
}
