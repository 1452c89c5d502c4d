package dev.breakglass.cli.unlock;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.key.CeremonyOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "drill",
    description = "Rehearses the emergency procedure end to end: exactly 'bg unlock', with the session marked as a"
        + " drill (the vault-daemon reports its sign-ins as DRILL, not EXPECTED) and the reason defaulting to"
        + " 'scheduled drill'. Finish it with 'bg lock --session ID' like a real unlock: the keys are verified, the"
        + " password rotated and the items resealed.",
    footerHeading = "%nExample:%n",
    footer = "  bg drill --identity bg1@contoso.onmicrosoft.com --by Alice --witness Bob --seal bg1-key=TB-000123"
        + " --skip-password")
public final class DrillCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin CeremonyOptions ceremony;
  @Mixin UnlockOptions options;

  @Override
  public Integer call() throws Exception {
    return new UnlockRun(spec, ledger, ceremony, options).run(true, "scheduled drill");
  }
}
