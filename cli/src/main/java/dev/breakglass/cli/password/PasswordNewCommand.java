package dev.breakglass.cli.password;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.inventory.ByOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "new", description = "Generates the first password of a break-glass user (Entra's character set, all"
    + " four character classes) and sends it only where you say: K-of-N share files, one file, or this terminal"
    + " once. The ledger records its version, length, entropy, layout and an Argon2id verifier, never the password.",
    footerHeading = "%nExample:%n",
    footer = "  bg password new --identity bg1@contoso.onmicrosoft.com --shares 3-of-5 --out ./shares")
public final class PasswordNewCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;
  @Mixin NewPasswordOptions options;

  @Override
  public Integer call() throws Exception {
    options.create(ledger, by.actor(ledger), false, spec.commandLine().getOut(), spec.commandLine().getErr());
    return 0;
  }
}
