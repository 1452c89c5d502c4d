package dev.breakglass.cli.password;

import dev.breakglass.cli.UsageException;
import dev.breakglass.custody.secret.EntraPasswords;
import dev.breakglass.custody.secret.PasswordCustody;
import dev.breakglass.custody.secret.PasswordCustody.Destination;
import dev.breakglass.custody.secret.PasswordCustody.Layout;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options of {@code new} and {@code rotate}: length, shares and where the password goes. */
public final class NewPasswordOptions {
  @Option(names = "--identity", required = true, paramLabel = "UPN", description = "The break-glass user account.")
  String identity;

  @Option(names = "--length", defaultValue = "64", paramLabel = "N",
      description = "Characters, 16 to 256 (default 64).")
  int length;

  @Option(names = "--shares", paramLabel = "K-of-N",
      description = "Split into N shares, any K of which rebuild the password (e.g. 3-of-5); written to --out DIR.")
  String shares;

  @Option(names = "--out", paramLabel = "DIR|FILE",
      description = "With --shares, the directory for the share files; without, a new file (mode 600) for the password.")
  Path out;

  @Option(names = "--reveal", description = "Show the password once on this terminal.")
  boolean reveal;

  @Option(names = "--set-in-entra",
      description = "Also set the new password on the account through Microsoft Graph (entra.* in bg.conf, or"
          + " --access-token-file), so that nobody has to type it; recorded when Graph accepts it.")
  boolean setInEntra;

  @picocli.CommandLine.Mixin dev.breakglass.cli.entra.EntraOptions entra;

  boolean setInEntra() {
    return setInEntra;
  }

  /** Creates the version (a rotation or the first) and prints what was made. */
  PasswordCustody.Created create(dev.breakglass.cli.LedgerOptions ledger, String actor, boolean rotate,
      java.io.PrintWriter out, java.io.PrintWriter err) throws Exception {
    Destination to = destination();
    try (dev.breakglass.custody.ledger.Ledger l = ledger.open()) {
      // Sign in first: a Graph that cannot be reached should stop us before a version is made.
      dev.breakglass.entra.EntraConnection graph = setInEntra
          ? entra.connect(l, ledger.root().clock(), err) : null;
      try {
        if (graph != null && graph.directory().user(l.identityRef(identity)).isEmpty()) {
          // Also proves the sign-in works before a password is made.
          throw new dev.breakglass.custody.directory.DirectoryException(
              dev.breakglass.custody.directory.DirectoryException.Reason.NOT_FOUND, "there is no user "
                  + l.identityRef(identity) + " in the tenant: check 'bg identity list' and entra.tenant-id");
        }
        PasswordCustody.Created c = new PasswordCustody(l, new java.security.SecureRandom(),
            dev.breakglass.custody.secret.Verifier.DEFAULT).create(identity, length, to, rotate,
            Optional.ofNullable(graph).map(g -> g.directory()), actor);
        CreatedOutput.print(out, l.identityRef(identity), c);
        return c;
      } finally {
        if (graph != null) {
          graph.close();
        }
      }
    }
  }

  Destination destination() throws UsageException {
    try {
      EntraPasswords.checkLength(length);
      Optional<Layout> layout = shares == null ? Optional.empty() : Optional.of(Layout.parse(shares));
      if (reveal && System.console() == null) {
        throw new UsageException("--reveal shows the password only on a terminal; use --out FILE or --shares");
      }
      if (layout.isPresent() && out == null) {
        throw new UsageException("--shares needs --out DIR for the share files");
      }
      return new PasswordCustody.Destination(layout, layout.isPresent() ? Optional.of(out) : Optional.empty(),
          layout.isEmpty() ? Optional.ofNullable(out) : Optional.empty(), reveal);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
