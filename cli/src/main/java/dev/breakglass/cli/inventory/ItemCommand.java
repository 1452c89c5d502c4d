package dev.breakglass.cli.inventory;

import picocli.CommandLine.Command;

@Command(name = "item", description = "Custody items: keys, envelopes, shares, certificate media.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {ItemAddCommand.class, ItemListCommand.class, ItemShowCommand.class, ItemReviewCommand.class})
public final class ItemCommand {}
