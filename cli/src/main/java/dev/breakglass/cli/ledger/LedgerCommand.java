package dev.breakglass.cli.ledger;

import picocli.CommandLine.Command;

@Command(name = "ledger", description = "Verify, anchor and export the hash-chained ledger.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {LedgerVerifyCommand.class, LedgerHeadCommand.class, LedgerExportCommand.class})
public final class LedgerCommand {}
