package dev.breakglass.cli.inventory;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.Ledger;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "add", description = "Registers a break-glass identity.",
    footerHeading = "%nExamples:%n",
    footer = {
      "  bg identity add --user bg1@contoso.onmicrosoft.com --display-name \"Break glass 1\"",
      "  bg identity add --app 3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01 --display-name \"Break-glass app\""
    })
public final class IdentityAddCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;

  static final class Which {
    @Option(names = "--user", paramLabel = "UPN", description = "A user account, by its UPN.")
    String upn;

    @Option(names = "--app", paramLabel = "APP_ID", description = "An app registration, by its application (client) id.")
    String appId;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Which which;

  @Option(names = "--object-id", paramLabel = "GUID", description = "The directory object id, if known.")
  String objectId;

  @Option(names = "--display-name", paramLabel = "TEXT", description = "A human name.")
  String displayName;

  @Override
  public Integer call() throws Exception {
    IdentityKind kind = which.upn != null ? IdentityKind.USER : IdentityKind.APP;
    String ref = which.upn != null ? which.upn : which.appId;
    Identity identity = Checked.of(() ->
        new Identity(kind, ref, Optional.ofNullable(objectId), Optional.ofNullable(displayName)));
    try (Ledger l = ledger.open()) {
      Event e = l.addIdentity(identity, by.actor(ledger));
      spec.commandLine().getOut().printf("added %s identity '%s', event %d%n", kind, identity.ref(), e.seq());
    }
    return 0;
  }
}
