package dev.breakglass.cli.ca;

import dev.breakglass.ca.Issued;
import dev.breakglass.ca.Validity;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.inventory.ByOption;
import dev.breakglass.custody.ledger.Ledger;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "renew", description = "Issues a new key and certificate with the profile of SERIAL (identity, subject,"
    + " key type, lifetime). The old certificate stays valid: upload the new one to Entra, then revoke the old one.",
    footerHeading = "%nExample:%n",
    footer = "  bg ca renew 4F3A9C... --out ./cert")
public final class CaRenewCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;
  @Mixin SecretFiles secrets;

  @Parameters(paramLabel = "SERIAL", description = "The certificate to renew, as 'bg ca list' shows it.")
  String serial;

  @Option(names = "--out", paramLabel = "DIR", description = "Where the files go (default: HOME/issued/SERIAL).")
  Path out;

  @Option(names = "--validity", paramLabel = "PERIOD",
      description = "Ny, Nm or Nd (default: the old certificate's lifetime); not beyond the CA's expiry.")
  String validity;

  @Override
  public Integer call() throws Exception {
    Optional<Validity> period = validity == null ? Optional.empty() : Optional.of(CaSession.validity(validity));
    secrets.use((caPass, pfxPass) -> {
      try (Ledger l = ledger.open()) {
        Issued i = CaSession.ca(l, ledger).renew(serial, period, Optional.ofNullable(out), caPass, pfxPass,
            by.actor(ledger));
        IssueOutput.print(spec.commandLine().getOut(), "renewed " + serial + " as", i);
      }
    });
    return 0;
  }
}
