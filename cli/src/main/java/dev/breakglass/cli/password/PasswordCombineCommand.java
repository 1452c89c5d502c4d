package dev.breakglass.cli.password;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.UsageException;
import dev.breakglass.cli.inventory.ByOption;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.secret.PasswordCustody;
import dev.breakglass.custody.secret.Verifier;
import java.io.Console;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "combine", description = "Rebuilds the password from K shares, checks it against the ledger, records"
    + " who revealed it and why, and shows it once on this terminal (never on a pipe or in a file).",
    footerHeading = "%nExample:%n",
    footer = "  bg password combine --identity bg1@contoso.onmicrosoft.com --shares s1.txt s2.txt s5.txt"
        + " --reason \"INC-4711 lockout\" --by Alice")
public final class PasswordCombineCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;

  @Option(names = "--identity", required = true, paramLabel = "UPN", description = "The break-glass user account.")
  String identity;

  @Option(names = "--shares", required = true, arity = "1..*", paramLabel = "FILE", description = "Share files.")
  List<Path> shares;

  @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why it is revealed.")
  String reason;

  @Override
  public Integer call() throws Exception {
    Console console = System.console();
    if (console == null) {
      throw new UsageException("combine shows the password only on a terminal; to check shares without seeing the"
          + " password, use 'bg password verify'");
    }
    try (Ledger l = ledger.open()) {
      char[] p = new PasswordCustody(l, new SecureRandom(), Verifier.DEFAULT).combine(identity, shares, reason,
          by.actor(ledger));
      try {
        console.writer().print("password of " + l.identityRef(identity) + " (shown once): ");
        console.writer().write(p); // as characters: no String copy of the password is made
        console.writer().println();
        console.flush();
      } finally {
        Arrays.fill(p, '\0');
      }
    }
    return 0;
  }
}
