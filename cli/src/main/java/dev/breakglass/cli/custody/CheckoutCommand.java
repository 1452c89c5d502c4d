package dev.breakglass.cli.custody;

import dev.breakglass.cli.CustodianOptions;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.key.CeremonyOptions;
import dev.breakglass.cli.inventory.Checked;
import dev.breakglass.custody.ledger.CheckoutRequest;
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

@Command(name = "checkout", description = "Takes an item out of its safe and records who, with whom as witness, and why. Refused when the item is already out, a custodian is unknown, the safe's two-person rule is not met, or the seal read off the bag does not match the one on record (unless --seal-broken says why).",
    footerHeading = "%nExample:%n",
    footer = "  bg checkout bg1-key --by Alice --witness Bob --reason \"tenant lockout\" --ticket INC-4711 --seal TB-000123")
public final class CheckoutCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin CustodianOptions people;
  @Mixin CeremonyOptions ceremony;
  @Mixin KeyCheckOptions keyCheck;

  @Parameters(paramLabel = "ITEM", description = "The item's label.")
  String item;

  @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why it is taken out.")
  String reason;

  @Option(names = "--ticket", paramLabel = "ID", description = "Incident or change ticket.")
  String ticket;

  @Option(names = "--seal", paramLabel = "N",
      description = "The seal number read off the bag (required when a seal is on record).")
  String seal;

  @Option(names = "--seal-broken", paramLabel = "REASON",
      description = "Why the seal cannot be confirmed (broken, missing, different); recorded in the ledger.")
  String sealBroken;

  @Override
  public Integer call() throws Exception {
    boolean verifyKey = keyCheck.verify();
    CheckoutRequest r = Checked.of(() -> new CheckoutRequest(item, people.by(), people.witness(), reason,
        Optional.ofNullable(ticket), Optional.ofNullable(seal), Optional.ofNullable(sealBroken))
        .withSkipKeyCheck(keyCheck.skipReason()));
    try (Ledger l = ledger.open()) {
      Event e;
      if (verifyKey) {
        l.checkoutAllowed(r); // refuse before anyone touches the key
        e = VerifyKey.run(l, ceremony, ledger.root().clock(), item, a -> l.checkout(r.withKey(a)));
      } else {
        e = l.checkout(r);
      }
      spec.commandLine().getOut().printf("checked out '%s' to %s%s at %s, event %d (head %s)%n",
          e.item().orElse(item), e.actor().orElse(people.by()), e.witness().map(w -> ", witness " + w).orElse(""),
          Out.ts(e.timestamp()), e.seq(), e.head());
      return VerifyKey.report(e, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
  }
}
