package dev.breakglass.cli.ca;

import picocli.CommandLine.Command;

@Command(name = "ca", description = "The private CA that issues the break-glass app registration's certificates.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {CaInitCommand.class, CaIssueCommand.class, CaListCommand.class, CaShowCommand.class,
        CaRevokeCommand.class, CaCrlCommand.class, CaRenewCommand.class})
public final class CaCommand {}
