package dev.breakglass.cli.unlock;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.key.CeremonyOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "unlock",
    description = "The emergency procedure, step by step: 1. opens an unlock session (reason, ticket, who, expected"
        + " duration); 2. the two-person quorum: both custodians prove presence with their own enrolled keys in the"
        + " browser (or, with unlock.allow-named-witness, the second is named); 3. checks out the items that unlock"
        + " the identity, confirming seal numbers and verifying the break-glass key; 4. rebuilds the password from K"
        + " shares and shows it once; 5. prints the runbook. Interrupted, it resumes: run it again (or with --session"
        + " ID) and it continues the identity's open session. Every prompt has an option, so it also runs unattended."
        + " Lock with 'bg lock --session ID' when done. See docs/responder-runbook.md.",
    footerHeading = "%nExample:%n",
    footer = "  bg unlock --identity bg1@contoso.onmicrosoft.com --reason \"MFA outage, no admin can sign in\""
        + " --ticket INC-4711 --by Alice --witness Bob --seal bg1-key=TB-000123 --share s1.txt --share s3.txt")
public final class UnlockCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin CeremonyOptions ceremony;
  @Mixin UnlockOptions options;

  @Option(names = "--drill", description = "A rehearsal: the daemon reports the sign-ins as DRILL (same as bg drill).")
  boolean drill;

  @Override
  public Integer call() throws Exception {
    return new UnlockRun(spec, ledger, ceremony, options).run(drill, null);
  }
}
