package dev.breakglass.cli.inventory;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.key.CeremonyOptions;
import dev.breakglass.custody.fido.KeyCeremonies;
import dev.breakglass.custody.fido.LoopbackCeremony;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "enrol",
    description = "Registers a custodian's own security key through a WebAuthn ceremony in the browser (the key's"
        + " PIN is required), so that the custodian can later prove presence for custody events by touching it"
        + " rather than by typing a name. A custodian may enrol more than one key; a key registered anywhere in"
        + " the kit cannot be enrolled again.",
    footerHeading = "%nExample:%n",
    footer = "  bg custodian enrol Alice --witness Bob")
public final class CustodianEnrolCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin CeremonyOptions ceremony;

  @Parameters(paramLabel = "NAME", description = "The registered custodian whose key this is.")
  String name;

  @Option(names = "--witness", paramLabel = "CUSTODIAN", description = "A second, different custodian present.")
  String witness;

  @Override
  public Integer call() throws Exception {
    try (Ledger l = ledger.open()) {
      Duration timeout = ceremony.timeout(l.config());
      KeyCeremonies keys = ceremony.keys(l, ledger.root().clock());
      // Refuse before a server starts: the custodian and the witness must be registered and distinct.
      l.requireKeyPeople(KeyOwner.custodian(name), name, Optional.ofNullable(witness), true);
      try (LoopbackCeremony c = ceremony.open(l)) {
        KeyCeremonies.Registration reg = keys.startRegistration(KeyOwner.custodian(name), c.origin(), timeout);
        KeyCeremonies.Registered r = c.run(reg.page(),
            json -> keys.finishRegistration(reg, json, reg.owner().name(), Optional.ofNullable(witness)),
            x -> "Enrolled " + x.key().model().orElse("a key") + " for custodian '" + x.key().owner().name()
                + "' (event " + x.event().seq() + "). You can close this page.",
            timeout, ceremony.announce(timeout));
        for (String w : r.warnings()) {
          spec.commandLine().getErr().println("bg: warning: " + w);
        }
        spec.commandLine().getErr().flush();
        spec.commandLine().getOut().printf("enrolled key %s (%s, AAGUID %s) for custodian '%s', event %d (head %s)%n",
            r.key().credentialId(), r.key().model().orElse("unknown model"), r.key().aaguid(),
            r.key().owner().name(), r.event().seq(), r.event().head());
      }
    }
    return 0;
  }
}
