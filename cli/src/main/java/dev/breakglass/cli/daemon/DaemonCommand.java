package dev.breakglass.cli.daemon;

import picocli.CommandLine.Command;

@Command(name = "daemon",
    description = "The vault-daemon: watches every sign-in of the break-glass identities, ties each to a custody"
        + " event, records it in the ledger and alerts out of band.",
    subcommands = {DaemonRunCommand.class, DaemonOnceCommand.class})
public final class DaemonCommand {}
