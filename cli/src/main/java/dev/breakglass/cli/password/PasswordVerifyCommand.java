package dev.breakglass.cli.password;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.UsageException;
import dev.breakglass.cli.inventory.ByOption;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.PasswordRecord;
import dev.breakglass.custody.secret.PasswordCustody;
import dev.breakglass.custody.secret.Verifier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", description = "Checks, without showing it, that K shares (or a password on standard input)"
    + " rebuild the recorded password, and records the outcome. Exit code 1 if it does not match.",
    footerHeading = "%nExamples:%n",
    footer = {"  bg password verify --identity bg1@contoso.onmicrosoft.com --shares s1.txt s3.txt s4.txt",
        "  bg password verify --identity bg1@contoso.onmicrosoft.com --stdin < password.txt"})
public final class PasswordVerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;

  @Option(names = "--identity", required = true, paramLabel = "UPN", description = "The break-glass user account.")
  String identity;

  @Option(names = "--shares", arity = "1..*", paramLabel = "FILE", description = "Share files (at least K).")
  List<Path> shares;

  @Option(names = "--stdin", description = "Read the password from standard input (one line).")
  boolean stdin;

  @Override
  public Integer call() throws Exception {
    if (stdin == (shares != null && !shares.isEmpty())) {
      throw new UsageException("give either --shares FILE... or --stdin");
    }
    Optional<char[]> typed = stdin ? Optional.of(typedPassword()) : Optional.empty();
    try (Ledger l = ledger.open()) {
      PasswordRecord r = new PasswordCustody(l, new SecureRandom(), Verifier.DEFAULT).verify(identity, typed,
          shares == null ? List.of() : shares, by.actor(ledger));
      spec.commandLine().getOut().printf("matches password version %d of %s%s%n", r.version(), r.identity(),
          r.current() ? "" : " (superseded: a newer version exists)");
    } finally {
      typed.ifPresent(p -> Arrays.fill(p, '\0'));
    }
    return 0;
  }

  /** From the terminal without echo, or one line of standard input when it is not a terminal. */
  private static char[] typedPassword() throws IOException, UsageException {
    java.io.Console console = System.console();
    char[] p = console != null ? console.readPassword("Password: ") : readLine(System.in);
    if (p == null || p.length == 0) {
      throw new UsageException("no password was given on standard input");
    }
    return p;
  }

  /** One line of ASCII from {@code in} (at most 257 bytes), without the line break, never as a String. */
  static char[] readLine(InputStream in) throws IOException, UsageException {
    byte[] bytes = new byte[258];
    int n = 0;
    int b;
    try {
      while ((b = in.read()) >= 0 && b != '\n') {
        if (n == bytes.length) {
          throw new UsageException("the line on standard input is longer than a password can be (256 characters)");
        }
        bytes[n++] = (byte) b;
      }
      if (n > 0 && bytes[n - 1] == '\r') {
        n--;
      }
      char[] out = new char[n];
      for (int i = 0; i < n; i++) {
        out[i] = (char) (bytes[i] & 0xff);
      }
      return out;
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }
}
