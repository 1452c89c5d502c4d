package dev.breakglass.cli.inventory;

import picocli.CommandLine.Option;

/** {@code --json} on listings. */
public final class JsonOption {
  @Option(names = "--json", description = "Print JSON instead of a table.")
  public boolean json;
}
