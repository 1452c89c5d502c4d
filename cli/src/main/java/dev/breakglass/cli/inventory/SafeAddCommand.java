package dev.breakglass.cli.inventory;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.Safe;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "add", description = "Registers a safe.",
    footerHeading = "%nExample:%n",
    footer = "  bg safe add hq-safe --location \"HQ, room 4.12\" --two-person")
public final class SafeAddCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;

  @Parameters(paramLabel = "NAME", description = "Unique name of the safe.")
  String name;

  @Option(names = "--location", required = true, paramLabel = "TEXT", description = "Where the safe stands.")
  String location;

  @Option(names = "--two-person", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Every check-out and check-in needs a second custodian as witness (default: on;"
          + " --no-two-person turns it off).")
  boolean twoPerson;

  @Override
  public Integer call() throws Exception {
    Safe safe = Checked.of(() -> new Safe(name, location, twoPerson));
    try (Ledger l = ledger.open()) {
      Event e = l.addSafe(safe, by.actor(ledger));
      spec.commandLine().getOut().printf("added safe '%s' (two-person rule %s), event %d%n",
          safe.name(), safe.twoPersonRule() ? "on" : "off", e.seq());
    }
    return 0;
  }
}
