package dev.breakglass.cli;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.ledger.Ledger;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --home}, shared by every command that opens the ledger. */
public final class LedgerOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(names = "--home", paramLabel = "DIR",
      description = "The kit's home directory (default: $BG_HOME, else ~/.breakglass).")
  Path home;

  public Bg root() {
    return (Bg) mixee.root().userObject();
  }

  public Path home() {
    return home != null ? home : root().defaultHome();
  }

  /** Opens the ledger for a command that only reads: nothing in the file changes. */
  public Ledger openReadOnly() throws CustodyException {
    return Ledger.openReadOnly(home(), root().clock());
  }

  /** Opens the ledger as the operating-system user (migrations are recorded under that name). */
  public Ledger open() throws CustodyException {
    return Ledger.open(home(), root().operator(), root().clock());
  }
}
