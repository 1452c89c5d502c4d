package dev.breakglass.cli.password;

import picocli.CommandLine.Command;

@Command(name = "password", description = "Nobody-knows passwords for break-glass user accounts: generated, split into"
    + " shares, verified and rotated without anyone seeing them.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {PasswordNewCommand.class, PasswordRotateCommand.class, PasswordVerifyCommand.class,
        PasswordCombineCommand.class})
public final class PasswordCommand {}
