package dev.breakglass.cli.key;

import dev.breakglass.cli.CustodianOptions;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.custody.fido.KeyCeremonies;
import dev.breakglass.custody.fido.LoopbackCeremony;
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

@Command(name = "register",
    description = "Registers the security key of a fido2-key item with the kit through a WebAuthn ceremony in"
        + " your browser, checks its model against the attestation policy in bg.conf, and records it. The key"
        + " gets its own credential for the kit; its Entra registration is not touched.",
    footerHeading = "%nExample:%n",
    footer = "  bg key register bg1-key --by Alice --witness Bob")
public final class KeyRegisterCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin CustodianOptions people;
  @Mixin CeremonyOptions ceremony;

  @Parameters(paramLabel = "ITEM", description = "The fido2-key item whose key is registered.")
  String item;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (Ledger l = ledger.open()) {
      Duration timeout = ceremony.timeout(l.config());
      KeyCeremonies keys = ceremony.keys(l, ledger.root().clock());
      // Refuse before a server starts or anyone touches a key: the item, its safe's rules, the people.
      l.requireKeyPeople(KeyOwner.item(item), people.by(), people.witness(), true);
      try (LoopbackCeremony c = ceremony.open(l)) {
        KeyCeremonies.Registration reg = keys.startRegistration(KeyOwner.item(item), c.origin(), timeout);
        KeyCeremonies.Registered r = c.run(reg.page(),
            json -> keys.finishRegistration(reg, json, people.by(), people.witness()),
            x -> "Registered " + x.key().model().orElse("a key") + " for item '" + x.key().owner().name()
                + "' (event " + x.event().seq() + "). You can close this page.",
            timeout, ceremony.announce(timeout));
        for (String w : r.warnings()) {
          spec.commandLine().getErr().println("bg: warning: " + w);
        }
        spec.commandLine().getErr().flush();
        out.printf("registered key %s (%s, AAGUID %s, attestation %s, counter %s) for item '%s', event %d (head %s)%n",
            r.key().credentialId(), r.key().model().orElse("unknown model"), r.key().aaguid(),
            KeyView.attestation(r.key()), KeyView.counter(r.key()), r.key().owner().name(), r.event().seq(),
            r.event().head());
        String label = r.key().owner().name();
        // A check-in is refused for an item in its safe: name the step that fits where the item is.
        out.println(l.item(label).checkedOut()
            ? "next: check it in with its baseline: 'bg checkin " + label + " --new-seal N --verify-key'"
            : "next: seal the key and record its baseline with 'bg key verify " + label + "'");
      }
    }
    return 0;
  }
}
