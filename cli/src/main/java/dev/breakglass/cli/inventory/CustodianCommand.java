package dev.breakglass.cli.inventory;

import picocli.CommandLine.Command;

@Command(name = "custodian", description = "People who open safes or witness their opening.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {CustodianAddCommand.class, CustodianListCommand.class, CustodianEnrolCommand.class})
public final class CustodianCommand {}
