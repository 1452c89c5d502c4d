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

@Command(name = "attach-cert",
    description = "Adds a certificate our CA issued for the app to its app registration in Entra ID as a key"
        + " credential, keeping every credential the app has, and records it. Needs Application.ReadWrite.All"
        + " (or .OwnedBy).",
    footerHeading = "%nExample:%n",
    footer = "  bg app attach-cert --identity 3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01 --serial 5A1F")
public final class AppAttachCertCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin EntraOptions entra;
  @Mixin ByOption by;
  @Mixin AppCertOptions cert;

  @Override
  public Integer call() throws Exception {
    AppCertificates.Change ch = cert.run(ledger, entra, spec.commandLine().getErr(),
        apps -> apps.attach(cert.identity, cert.serial, by.actor(ledger)));
    spec.commandLine().getOut().printf("attached certificate %s to app %s as key credential %s, event %d (head %s)%n",
        ch.serial(), ch.appId(), ch.keyId(), ch.event().seq(), ch.event().head());
    return 0;
  }
}
