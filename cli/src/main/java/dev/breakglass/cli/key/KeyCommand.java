package dev.breakglass.cli.key;

import picocli.CommandLine.Command;

@Command(name = "key", description = "FIDO2 security keys kept as custody items: register, verify, list.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {KeyRegisterCommand.class, KeyVerifyCommand.class, KeyListCommand.class, KeyShowCommand.class})
public final class KeyCommand {}
