package dev.breakglass.cli.inventory;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.ItemKind;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.NewItem;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "add", description = "Adds an item to a safe's inventory; it starts checked in.",
    footerHeading = "%nExample:%n",
    footer = "  bg item add bg1-key --kind fido2-key --safe hq-safe --serial 23456789"
        + " --identity bg1@contoso.onmicrosoft.com --seal TB-000123")
public final class ItemAddCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;

  @Parameters(paramLabel = "LABEL", description = "Unique label, used by every other command.")
  String label;

  @Option(names = "--kind", required = true, paramLabel = "KIND", converter = ItemKindConverter.class,
      description = "fido2-key, password-envelope, password-share, certificate-media or other.")
  ItemKind kind;

  @Option(names = "--safe", required = true, paramLabel = "SAFE", description = "The safe it lives in.")
  String safe;

  @Option(names = "--serial", paramLabel = "TEXT", description = "Manufacturer's serial number.")
  String serial;

  @Option(names = "--identity", paramLabel = "UPN|APP_ID", description = "The break-glass identity it unlocks.")
  String identity;

  @Option(names = "--seal", paramLabel = "N", description = "Number of the tamper-evident bag it is sealed in.")
  String seal;

  @Override
  public Integer call() throws Exception {
    NewItem item = Checked.of(() -> new NewItem(label, kind, Optional.ofNullable(serial),
        Optional.ofNullable(identity), safe, Optional.ofNullable(seal)));
    try (Ledger l = ledger.open()) {
      Event e = l.addItem(item, by.actor(ledger));
      spec.commandLine().getOut().printf("added %s '%s' to safe '%s', event %d%n", kind, item.label(), item.safe(),
          e.seq());
    }
    return 0;
  }
}
