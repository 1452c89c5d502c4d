package dev.breakglass.cli.ca;

import dev.breakglass.ca.CaCreated;
import dev.breakglass.ca.CaInitRequest;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.Secrets;
import dev.breakglass.cli.inventory.ByOption;
import dev.breakglass.cli.inventory.Checked;
import dev.breakglass.custody.ledger.Ledger;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "init", description = "Creates the CA root: a self-signed certificate (CA, path length 0, keyCertSign and"
    + " cRLSign) and its key, stored only encrypted (PKCS#8, PBKDF2-HMAC-SHA256, AES-256). Prints the root's"
    + " fingerprints: write them down outside this machine. Refused while a CA is in service.",
    footerHeading = "%nExample:%n",
    footer = "  bg ca init --name \"Contoso break-glass CA\" --key rsa-4096 --validity 10y")
public final class CaInitCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin ByOption by;

  @Option(names = "--name", required = true, paramLabel = "TEXT", description = "The root's common name.")
  String name;

  @Option(names = "--key", defaultValue = "rsa-4096", paramLabel = "TYPE",
      description = "rsa-4096 (default), rsa-3072 or ec-p384.")
  String key;

  @Option(names = "--validity", defaultValue = "10y", paramLabel = "PERIOD",
      description = "How long the root is valid: Ny, Nm or Nd (default 10y).")
  String validity;

  @Option(names = "--passphrase-file", paramLabel = "FILE",
      description = "Read the new CA passphrase (12+ characters) from FILE (mode 600) instead of the terminal.")
  Path passphraseFile;

  @Override
  public Integer call() throws Exception {
    var type = CaSession.keyType(key, true);
    var period = CaSession.validity(validity);
    char[] pass = Secrets.read(Optional.ofNullable(passphraseFile), "CA passphrase", "--passphrase-file", true);
    try (Ledger l = ledger.open()) {
      CaCreated c = CaSession.ca(l, ledger).init(Checked.of(() ->
          new CaInitRequest(name, type, period, pass, by.actor(ledger))));
      PrintWriter out = spec.commandLine().getOut();
      out.printf("created CA '%s', serial %s, valid until %s (event %d)%n", c.subject(), c.serial(),
          Out.ts(c.notAfter()), c.event());
      out.printf("  certificate  %s%n", c.certificate());
      out.printf("  key          %s (encrypted)%n", c.key());
      out.printf("  SHA-256      %s%n", CaSession.colons(c.sha256()).toUpperCase(Locale.ROOT));
      out.printf("  SHA-1        %s%n", CaSession.colons(c.sha1()));
      out.println("Record both fingerprints outside this machine; compare them before trusting this root.");
    } finally {
      Arrays.fill(pass, '\0');
    }
    return 0;
  }
}
