package dev.breakglass.cli.password;

import dev.breakglass.custody.secret.PasswordCustody.Created;
import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;

/** What new and rotate print; the password itself only on the console, once. */
final class CreatedOutput {
  private CreatedOutput() {}

  static void print(PrintWriter out, String identity, Created c) {
    out.printf("password version %d of %s: %d characters, %d bits of entropy, %s (event %d)%n", c.version(), identity,
        c.length(), c.entropyBits(), c.layout().equals("single") ? "not split" : "shares " + c.layout()
            + c.shareSet().map(s -> ", set " + s).orElse(""), c.event());
    for (Path f : c.files()) {
      out.printf("  %s%n", f);
    }
    out.flush();
    c.password().ifPresent(p -> {
      Console console = System.console();
      try {
        if (console != null) {
          console.writer().print("password (shown once): ");
          console.writer().write(p); // as characters: no String copy of the password is made
          console.writer().println();
          console.flush();
        }
      } finally {
        Arrays.fill(p, '\0');
      }
    });
  }
}
