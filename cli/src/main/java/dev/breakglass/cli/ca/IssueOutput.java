package dev.breakglass.cli.ca;

import dev.breakglass.ca.Issued;
import dev.breakglass.cli.Out;
import java.io.PrintWriter;

/** How issue and renew report what they made. */
final class IssueOutput {
  private IssueOutput() {}

  static void print(PrintWriter out, String verb, Issued i) {
    out.printf("%s certificate %s for '%s', valid until %s (event %d)%n", verb, i.serial(), i.subject(),
        Out.ts(i.notAfter()), i.event());
    out.printf("  certificate  %s   <- upload this to the app registration (Certificates & secrets)%n",
        i.certificatePem());
    out.printf("  DER          %s%n", i.certificateCer());
    out.printf("  key          %s (encrypted with the PFX password)%n", i.keyPem());
    out.printf("  PFX          %s%n", i.pfx());
    out.printf("  thumbprint   %s   (SHA-1, as the Entra portal shows it)%n", i.sha1());
    out.printf("  SHA-256      %s%n", i.sha256());
  }
}
