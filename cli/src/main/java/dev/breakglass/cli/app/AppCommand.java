package dev.breakglass.cli.app;

import picocli.CommandLine.Command;

@Command(name = "app", description = "Certificates of our CA on the break-glass app registration in Entra ID.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {AppAttachCertCommand.class, AppDetachCertCommand.class, AppListCommand.class})
public final class AppCommand {}
