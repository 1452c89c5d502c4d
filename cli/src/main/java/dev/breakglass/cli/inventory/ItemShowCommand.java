package dev.breakglass.cli.inventory;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.Ledger;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "show", description = "Shows one item and its custody history.")
public final class ItemShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin JsonOption json;

  @Parameters(paramLabel = "ITEM", description = "The item's label.")
  String label;

  @Override
  public Integer call() throws Exception {
    Item item;
    List<Event> history = new ArrayList<>();
    try (Ledger l = ledger.openReadOnly()) {
      item = l.item(label);
      l.events(Optional.of(item.label()), Optional.empty(), history::add);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json.json) {
      Out.json(out, g -> {
        g.writeStartObject();
        g.writeFieldName("item");
        Out.item(g, item);
        g.writeArrayFieldStart("events");
        for (Event e : history) {
          Out.event(g, e);
        }
        g.writeEndArray();
        g.writeEndObject();
      });
      return 0;
    }
    Out.table(out, List.of("FIELD", "VALUE"), List.of(
        List.of("label", item.label()),
        List.of("kind", item.kind().wireName()),
        List.of("serial", Out.or(item.serial())),
        List.of("identity", Out.or(item.identity())),
        List.of("safe", item.safe()),
        List.of("seal", Out.or(item.seal())),
        List.of("state", item.checkedOut()
            ? "OUT, held by " + item.holder().orElse("?") + " since " + Out.ts(item.outSince())
                + " (event " + item.outEvent().orElse(0L) + ")"
            : "in its safe"),
        List.of("last reviewed", Out.ts(item.lastReviewed()))));
    out.println();
    LogView.print(out, history);
    return 0;
  }
}
