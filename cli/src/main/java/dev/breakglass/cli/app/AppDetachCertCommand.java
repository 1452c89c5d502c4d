package dev.breakglass.cli.app;

import dev.breakglass.ca.AppCertificates;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.entra.EntraOptions;
import dev.breakglass.cli.inventory.ByOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "detach-cert",
    description = "Removes a certificate the kit attached from the app registration, keeping every other"
        + " credential, and records why. Revoking it (bg ca revoke) does not remove it: Entra does not check CRLs.",
    footerHeading = "%nExample:%n",
    footer = "  bg app detach-cert --identity 3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01 --serial 5A1F --reason \"rolled over\"")
public final class AppDetachCertCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin EntraOptions entra;
  @Mixin ByOption by;
  @Mixin AppCertOptions cert;

  @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why it is removed.")
  String reason;

  @Override
  public Integer call() throws Exception {
    AppCertificates.Change ch = cert.run(ledger, entra, spec.commandLine().getErr(),
        apps -> apps.detach(cert.identity, cert.serial, reason, by.actor(ledger)));
    spec.commandLine().getOut().printf("detached certificate %s (key credential %s) from app %s, event %d (head %s)%n",
        ch.serial(), ch.keyId(), ch.appId(), ch.event().seq(), ch.event().head());
    return 0;
  }
}
