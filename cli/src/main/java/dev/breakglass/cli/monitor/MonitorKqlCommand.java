package dev.breakglass.cli.monitor;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.daemon.MonitorKql;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "kql",
    description = "Prints the Log Analytics (KQL) query for an Azure Monitor log search alert on every sign-in of the"
        + " break-glass identities in the ledger: users in SigninLogs and AADNonInteractiveUserSignInLogs (by object"
        + " id and by UPN), apps in AADServicePrincipalSignInLogs (by application id). A route that keeps alerting"
        + " while the daemon is down. The leading comment says how to set up the rule. Reads only.",
    footerHeading = "%nExamples:%n",
    footer = {"  bg monitor kql > breakglass-signins.kql", "  bg monitor kql --lookback-minutes 10"})
public final class MonitorKqlCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;

  @Option(names = "--lookback-minutes", paramLabel = "N", defaultValue = "15",
      description = "How far back each run of the rule looks, in minutes (default: ${DEFAULT-VALUE}; 10 to 15 for a"
          + " rule that runs every 5 minutes).")
  int lookbackMinutes;

  @Override
  public Integer call() throws Exception {
    List<Identity> identities;
    try (Ledger l = ledger.openReadOnly()) {
      identities = l.identities();
    }
    String kql;
    try {
      kql = MonitorKql.query(identities, Duration.ofMinutes(lookbackMinutes));
    } catch (IllegalArgumentException e) {
      // An empty ledger or a look-back out of range: reported as 'bg export' reports a ledger without users.
      throw new CustodyException(CustodyException.Reason.INVALID_ARGUMENT, e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(kql);
    out.flush();
    return 0;
  }
}
