package dev.breakglass.cli.password;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.inventory.ByOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "rotate", description = "Makes the next password version of a break-glass user, like 'new', and marks"
    + " the previous version superseded. With --set-in-entra the kit sets it on the account first (if Entra refuses,"
    + " nothing is recorded and the previous version stays in force); without, an admin sets it from the shares, the"
    + " file or the terminal.",
    footerHeading = "%nExample:%n",
    footer = "  bg password rotate --identity bg1@contoso.onmicrosoft.com --shares 3-of-5 --out ./shares-v2 --set-in-entra")
public final class PasswordRotateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;
  @Mixin NewPasswordOptions options;

  @Override
  public Integer call() throws Exception {
    var c = options.create(ledger, by.actor(ledger), true, spec.commandLine().getOut(), spec.commandLine().getErr());
    if (options.setInEntra()) {
      spec.commandLine().getOut().println("set version " + c.version() + " on the account in Entra ID");
    } else {
      spec.commandLine().getErr().println("bg: note: version " + c.version() + " is not set in Entra yet: until an"
          + " admin sets it on the account (or you rotate with --set-in-entra), the password in force there stays"
          + " the previous one");
    }
    return 0;
  }
}
