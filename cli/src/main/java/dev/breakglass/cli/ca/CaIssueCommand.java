package dev.breakglass.cli.ca;

import dev.breakglass.ca.IssueRequest;
import dev.breakglass.ca.Issued;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Secrets;
import dev.breakglass.cli.inventory.ByOption;
import dev.breakglass.cli.inventory.Checked;
import dev.breakglass.custody.ledger.Ledger;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "issue", description = "Issues a client-authentication certificate (RSA, as Entra ID requires) for a"
    + " break-glass app identity: the certificate to upload (.pem and .cer), its key encrypted, and a PFX"
    + " (AES-256, PBES2) that OpenSSL 3, keytool and Windows open. Prints the SHA-1 thumbprint as Entra shows it.",
    footerHeading = "%nExample:%n",
    footer = "  bg ca issue --identity 3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01 --cn \"Break-glass app\" --out ./cert")
public final class CaIssueCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;
  @Mixin SecretFiles secrets;

  @Option(names = "--identity", required = true, paramLabel = "APP_ID",
      description = "The app identity (bg identity add --app) the certificate is for.")
  String identity;

  @Option(names = "--cn", required = true, paramLabel = "TEXT", description = "The certificate's common name.")
  String cn;

  @Option(names = "--key", defaultValue = "rsa-3072", paramLabel = "TYPE",
      description = "rsa-2048, rsa-3072 (default) or rsa-4096.")
  String key;

  @Option(names = "--validity", defaultValue = "1y", paramLabel = "PERIOD",
      description = "Ny, Nm or Nd (default 1y); not beyond the CA's own expiry.")
  String validity;

  @Option(names = "--out", paramLabel = "DIR", description = "Where the files go (default: HOME/issued/SERIAL).")
  Path out;

  @Override
  public Integer call() throws Exception {
    var type = CaSession.keyType(key, false);
    var period = CaSession.validity(validity);
    secrets.use((caPass, pfxPass) -> {
      try (Ledger l = ledger.open()) {
        Issued i = CaSession.ca(l, ledger).issue(Checked.of(() -> new IssueRequest(identity, cn, type, period,
            Optional.ofNullable(out), caPass, pfxPass, by.actor(ledger))));
        IssueOutput.print(spec.commandLine().getOut(), "issued", i);
      }
    });
    return 0;
  }
}
