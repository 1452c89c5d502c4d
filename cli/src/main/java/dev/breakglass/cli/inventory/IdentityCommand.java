package dev.breakglass.cli.inventory;

import picocli.CommandLine.Command;

@Command(name = "identity", description = "Break-glass identities in Entra ID: user accounts and app registrations.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {IdentityAddCommand.class, IdentityListCommand.class, IdentitySetCommand.class})
public final class IdentityCommand {}
