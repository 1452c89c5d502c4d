package dev.breakglass.cli;

import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --by} and {@code --witness}: the people present at a custody step. */
public final class CustodianOptions {
  @Option(names = "--by", required = true, paramLabel = "CUSTODIAN",
      description = "The registered custodian who does it.")
  String by;

  @Option(names = "--witness", paramLabel = "CUSTODIAN",
      description = "A second, different custodian present (required by two-person safes).")
  String witness;

  public String by() {
    return by;
  }

  public Optional<String> witness() {
    return Optional.ofNullable(witness);
  }
}
