package dev.breakglass.cli.monitor;

import picocli.CommandLine.Command;

@Command(name = "monitor",
    description = "Alerting that does not depend on the vault-daemon, built from the identities in the ledger.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {MonitorKqlCommand.class})
public final class MonitorCommand {}
