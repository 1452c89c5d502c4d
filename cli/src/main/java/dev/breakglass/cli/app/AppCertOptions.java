package dev.breakglass.cli.app;

import dev.breakglass.ca.AppCertificates;
import dev.breakglass.ca.CertificateAuthority;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.entra.EntraOptions;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.entra.EntraConnection;
import java.io.PrintWriter;
import java.security.SecureRandom;
import picocli.CommandLine.Option;

/** {@code --identity} and {@code --serial}, and the session both app certificate commands open. */
public final class AppCertOptions {
  @Option(names = "--identity", required = true, paramLabel = "APP_ID", description = "The app's client id.")
  String identity;

  @Option(names = "--serial", required = true, paramLabel = "SERIAL",
      description = "The certificate (bg ca list, bg app list).")
  String serial;

  /** One change to the app, given the ledger's and Graph's view of it. */
  @FunctionalInterface
  interface Step {
    AppCertificates.Change apply(AppCertificates apps) throws Exception;
  }

  AppCertificates.Change run(LedgerOptions ledger, EntraOptions entra, PrintWriter err, Step step) throws Exception {
    try (Ledger l = ledger.open(); EntraConnection c = entra.connect(l, ledger.root().clock(), err)) {
      return step.apply(new AppCertificates(l, new CertificateAuthority(l, ledger.root().clock(), new SecureRandom()),
          c.directory(), c.directory()));
    }
  }
}
