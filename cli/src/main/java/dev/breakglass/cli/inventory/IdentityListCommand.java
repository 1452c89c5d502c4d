package dev.breakglass.cli.inventory;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.Ledger;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "Lists the break-glass identities.")
public final class IdentityListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin JsonOption json;

  @Override
  public Integer call() throws Exception {
    List<Identity> all;
    try (Ledger l = ledger.openReadOnly()) {
      all = l.identities();
    }
    Out.list(spec.commandLine().getOut(), json.json, all, Out::identity, List.of("KIND", "IDENTITY", "OBJECT-ID", "DISPLAY-NAME"),
        i -> List.of(i.kind().wireName(), i.ref(), Out.or(i.objectId()), Out.or(i.displayName())));
    return 0;
  }
}
