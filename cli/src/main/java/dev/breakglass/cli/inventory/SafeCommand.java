package dev.breakglass.cli.inventory;

import picocli.CommandLine.Command;

@Command(name = "safe", description = "Safes that hold custody items.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {SafeAddCommand.class, SafeListCommand.class})
public final class SafeCommand {}
