package dev.breakglass.cli.ca;

import dev.breakglass.cli.Secrets;
import dev.breakglass.cli.UsageException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --passphrase-file} and {@code --pfx-password-file}, for the commands that use the CA key. */
public final class SecretFiles {
  @Option(names = "--passphrase-file", paramLabel = "FILE",
      description = "Read the CA passphrase from FILE (mode 600) instead of the terminal.")
  Path passphraseFile;

  @Option(names = "--pfx-password-file", paramLabel = "FILE",
      description = "Read the password for the new PFX and key (8+ characters) from FILE (mode 600) instead of"
          + " the terminal.")
  Path pfxPasswordFile;

  /** Work that needs the CA passphrase and a new PFX password. */
  @FunctionalInterface
  interface Work {
    void run(char[] caPassphrase, char[] pfxPassword) throws Exception;
  }

  /** Reads both secrets, runs {@code work}, and wipes both whatever happens. */
  void use(Work work) throws Exception {
    char[] ca = caPassphrase();
    char[] pfx = null;
    try {
      pfx = pfxPassword();
      work.run(ca, pfx);
    } finally {
      Arrays.fill(ca, '\0');
      if (pfx != null) {
        Arrays.fill(pfx, '\0');
      }
    }
  }

  char[] caPassphrase() throws UsageException {
    return Secrets.read(Optional.ofNullable(passphraseFile), "CA passphrase", "--passphrase-file", false);
  }

  char[] pfxPassword() throws UsageException {
    return Secrets.read(Optional.ofNullable(pfxPasswordFile), "PFX password", "--pfx-password-file", true);
  }
}
