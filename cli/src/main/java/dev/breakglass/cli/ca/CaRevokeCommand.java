package dev.breakglass.cli.ca;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.inventory.ByOption;
import dev.breakglass.ca.Revocation;
import dev.breakglass.custody.ledger.Ledger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "revoke", description = "Records the revocation of a certificate, or of the CA root itself (which then"
    + " signs nothing more). The next 'bg ca crl' lists it. Entra ID does not read CRLs: also remove the"
    + " certificate from the app registration.",
    footerHeading = "%nExample:%n",
    footer = "  bg ca revoke 4F3A9C... --reason \"PFX copy lost\" --code keyCompromise")
public final class CaRevokeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;

  @Parameters(paramLabel = "SERIAL", description = "As 'bg ca list' shows it.")
  String serial;

  @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why, for the ledger.")
  String reason;

  @Option(names = "--code", defaultValue = "unspecified", paramLabel = "CODE",
      description = "RFC 5280 reason for the CRL: unspecified (default), keyCompromise, cACompromise,"
          + " affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn.")
  String code;

  @Override
  public Integer call() throws Exception {
    try (Ledger l = ledger.open()) {
      Revocation r = CaSession.ca(l, ledger).revoke(serial, reason, code, by.actor(ledger));
      String next = r.ofCa()
          ? "it issues and signs nothing more; its certificates stay valid in Entra until removed from the app"
          : r.inNextCrl() ? "run 'bg ca crl' to publish it, and remove it from the app registration"
          : "its CA is no longer in service, so no CRL will list it: remove it from the app registration";
      spec.commandLine().getOut().printf("revoked %s%s (%s), event %d; %s%n", r.ofCa() ? "CA " : "", r.serial(),
          code, r.event(), next);
    }
    return 0;
  }
}
