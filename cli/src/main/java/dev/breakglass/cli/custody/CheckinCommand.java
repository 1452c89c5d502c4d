package dev.breakglass.cli.custody;

import dev.breakglass.cli.CustodianOptions;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.key.CeremonyOptions;
import dev.breakglass.cli.inventory.Checked;
import dev.breakglass.custody.ledger.CheckinRequest;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Ledger;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "checkin", description = "Puts an item back into its safe, with the number of its new tamper-evident bag. Refused when the item is not out, a custodian is unknown, or the safe's two-person rule is not met.",
    footerHeading = "%nExample:%n",
    footer = "  bg checkin bg1-key --by Alice --witness Bob --new-seal TB-000124")
public final class CheckinCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin CustodianOptions people;
  @Mixin CeremonyOptions ceremony;
  @Mixin KeyCheckOptions keyCheck;

  @Parameters(paramLabel = "ITEM", description = "The item's label.")
  String item;

  @Option(names = "--new-seal", paramLabel = "N",
      description = "Number of the new tamper-evident bag; without it the item is recorded as unsealed.")
  String newSeal;

  @Option(names = "--reason", paramLabel = "TEXT", description = "A note, e.g. what the item was used for.")
  String reason;

  @Option(names = "--ticket", paramLabel = "ID", description = "Incident or change ticket.")
  String ticket;

  @Override
  public Integer call() throws Exception {
    boolean verifyKey = keyCheck.verify();
    CheckinRequest r = Checked.of(() -> new CheckinRequest(item, people.by(), people.witness(),
        Optional.ofNullable(newSeal), Optional.ofNullable(reason), Optional.ofNullable(ticket))
        .withSkipKeyCheck(keyCheck.skipReason()));
    try (Ledger l = ledger.open()) {
      Event e;
      if (verifyKey) {
        l.checkinAllowed(r); // refuse before anyone touches the key
        e = VerifyKey.run(l, ceremony, ledger.root().clock(), item, a -> l.checkin(r.withKey(a)));
      } else {
        e = l.checkin(r);
      }
      spec.commandLine().getOut().printf("checked in '%s' by %s%s at %s, %s, event %d (head %s)%n",
          e.item().orElse(item), e.actor().orElse(people.by()), e.witness().map(w -> ", witness " + w).orElse(""),
          Out.ts(e.timestamp()), r.newSeal().map(s -> "sealed in " + s).orElse("UNSEALED"), e.seq(), e.head());
      return VerifyKey.report(e, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
  }
}
