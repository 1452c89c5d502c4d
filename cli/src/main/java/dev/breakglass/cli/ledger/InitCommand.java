package dev.breakglass.cli.ledger;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.custody.KitConfig;
import dev.breakglass.custody.ledger.Ledger;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "init", description = "Creates the home (0700) with an empty ledger (ledger.db, 0600) and a commented bg.conf. Refuses a home that already holds a ledger.",
    footerHeading = "%nExample:%n",
    footer = "  bg init --home /srv/breakglass")
public final class InitCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (Ledger l = Ledger.init(ledger.home(), ledger.root().operator(), ledger.root().clock())) {
      out.printf("initialised %s%n", l.home());
      out.printf("  ledger  %s%n", l.home().resolve(Ledger.LEDGER_FILE));
      out.printf("  config  %s%n", l.home().resolve(KitConfig.FILE_NAME));
      out.printf("  head    %s%n", l.head().map(Object::toString).orElse("-"));
      out.println("next: bg safe add, bg custodian add, bg identity add, bg item add (see bg help)");
    }
    return 0;
  }
}
