package dev.breakglass.cli.inventory;

import dev.breakglass.cli.LedgerOptions;
import picocli.CommandLine.Option;

/** {@code --by}: who records an inventory change; the operating-system user by default. */
public final class ByOption {
  @Option(names = "--by", paramLabel = "NAME",
      description = "Who makes this change, as recorded in the ledger (default: your login name).")
  String by;

  public String actor(LedgerOptions ledger) {
    return by != null ? by : ledger.root().operator();
  }
}
