package dev.breakglass.cli.ca;

import dev.breakglass.ca.CrlIssued;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.Secrets;
import dev.breakglass.cli.inventory.ByOption;
import dev.breakglass.custody.ledger.Ledger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "crl", description = "Signs a CRL of every certificate the CA in service has revoked, with the next"
    + " number and a nextUpdate, and writes it to HOME/ca/SERIAL/crl.pem.",
    footerHeading = "%nExample:%n",
    footer = "  bg ca crl --next-update 30")
public final class CaCrlCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;

  @Option(names = "--next-update", defaultValue = "30", paramLabel = "DAYS",
      description = "Days until the CRL's nextUpdate (default 30).")
  int days;

  @Option(names = "--passphrase-file", paramLabel = "FILE",
      description = "Read the CA passphrase from FILE (mode 600) instead of the terminal.")
  Path passphraseFile;

  @Override
  public Integer call() throws Exception {
    char[] pass = Secrets.read(Optional.ofNullable(passphraseFile), "CA passphrase", "--passphrase-file", false);
    try (Ledger l = ledger.open()) {
      CrlIssued c = CaSession.ca(l, ledger).crl(pass, Duration.ofDays(days), by.actor(ledger));
      spec.commandLine().getOut().printf("CRL %d with %d revoked certificate(s), next update %s: %s (event %d)%n",
          c.number(), c.entries(), Out.ts(c.nextUpdate()), c.file(), c.event());
    } finally {
      Arrays.fill(pass, '\0');
    }
    return 0;
  }
}
