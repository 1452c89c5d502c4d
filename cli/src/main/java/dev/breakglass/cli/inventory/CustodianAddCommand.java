package dev.breakglass.cli.inventory;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.custody.ledger.Custodian;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Ledger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "add", description = "Registers a custodian.",
    footerHeading = "%nExample:%n",
    footer = "  bg custodian add Alice --contact \"+44 20 7946 0001\"")
public final class CustodianAddCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;

  @Parameters(paramLabel = "NAME", description = "The custodian's name, unique.")
  String name;

  @Option(names = "--contact", required = true, paramLabel = "TEXT",
      description = "How to reach them outside the tenant (phone, external mail).")
  String contact;

  @Override
  public Integer call() throws Exception {
    Custodian c = Checked.of(() -> new Custodian(name, contact));
    try (Ledger l = ledger.open()) {
      Event e = l.addCustodian(c, by.actor(ledger));
      spec.commandLine().getOut().printf("added custodian '%s', event %d%n", c.name(), e.seq());
    }
    return 0;
  }
}
