package dev.breakglass.cli.key;

import dev.breakglass.cli.CustodianOptions;
import dev.breakglass.cli.ExitCodes;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.custody.fido.KeyCeremonies;
import dev.breakglass.custody.fido.LoopbackCeremony;
import dev.breakglass.custody.ledger.KeyCheck;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify",
    description = "Proves that the key in hand is the item's registered key (a WebAuthn assertion in your browser)"
        + " and records its signature counter. A counter that went backwards means a possible clone: refused,"
        + " alarm recorded (exit 4). A counter that moved while the item was in its safe means the key was used"
        + " there: alarm recorded (exit 4). Verifying an item in its safe sets the baseline for the next check.",
    footerHeading = "%nExample:%n",
    footer = "  bg key verify bg1-key --by Alice --witness Bob")
public final class KeyVerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin CustodianOptions people;
  @Mixin CeremonyOptions ceremony;

  @Parameters(paramLabel = "ITEM", description = "The fido2-key item whose key is checked.")
  String item;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (Ledger l = ledger.open()) {
      Duration timeout = ceremony.timeout(l.config());
      KeyCeremonies keys = ceremony.keys(l, ledger.root().clock());
      // Refuse before a server starts or anyone touches a key: the item, its safe's rules, the people.
      l.requireKeyPeople(KeyOwner.item(item), people.by(), people.witness(), false);
      try (LoopbackCeremony c = ceremony.open(l)) {
        KeyCeremonies.Verification v = keys.startVerification(KeyOwner.item(item), c.origin(), timeout);
        KeyCheck k = c.run(v.page(),
            json -> l.recordKeyVerification(v.owner(), keys.finishVerification(v, json), people.by(),
                people.witness()),
            x -> (x.verdict().alarm() ? "ALARM: " : "") + "Verified the key of item '" + x.key().owner().name()
                + "': signature counter " + KeyView.counter(x.key()) + " (" + x.verdict() + "), event "
                + x.event().seq() + ".",
            timeout, ceremony.announce(timeout));
        out.printf("verified key of item '%s': counter %s (was %d, %s), event %d (head %s)%n", k.key().owner().name(),
            KeyView.counter(k.key()), k.previousCount(), k.verdict(), k.event().seq(), k.event().head());
        if (k.alarm().isPresent()) {
          spec.commandLine().getErr().println("bg: ALARM: item '" + k.key().owner().name() + "': "
              + k.alarm().get().reason().orElse("key alarm") + ". Alarm recorded (event " + k.alarm().get().seq()
              + "); see the custodian guide, 'Key alarms'");
          spec.commandLine().getErr().flush();
          return ExitCodes.KEY_ALARM;
        }
      }
    }
    return 0;
  }
}
