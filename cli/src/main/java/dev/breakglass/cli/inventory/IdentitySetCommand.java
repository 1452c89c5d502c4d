package dev.breakglass.cli.inventory;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Ledger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "set", description = "Records the directory object id of an identity added without one (exports"
    + " and Graph lookups need it). An object id never changes: a different one is refused.",
    footerHeading = "%nExample:%n",
    footer = "  bg identity set bg1@contoso.onmicrosoft.com --object-id 0c6b3e2a-5f1d-4b8e-9a7c-2d4e6f8a0b1c")
public final class IdentitySetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;

  @Parameters(paramLabel = "REF", description = "The identity: a user's UPN or an app's client id.")
  String ref;

  @Option(names = "--object-id", required = true, paramLabel = "GUID", description = "The directory object id.")
  String objectId;

  @Override
  public Integer call() throws Exception {
    try (Ledger l = ledger.open()) {
      Event e = l.setIdentityObjectId(ref, objectId, by.actor(ledger));
      spec.commandLine().getOut().printf("recorded object id %s for identity '%s', event %d%n", objectId.strip(),
          ref, e.seq());
    }
    return 0;
  }
}
