package dev.breakglass.cli.ledger;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.UsageException;
import dev.breakglass.cli.inventory.JsonOption;
import dev.breakglass.cli.inventory.LogView;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Ledger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "log", description = "Prints ledger events, oldest first.",
    footerHeading = "%nExamples:%n",
    footer = {"  bg log --item bg1-key", "  bg log --since 2026-11-01 --json"})
public final class LogCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin JsonOption json;

  @Option(names = "--item", paramLabel = "ITEM", description = "Only events about this item.")
  String item;

  @Option(names = "--since", paramLabel = "DATE",
      description = "Only events at or after DATE: YYYY-MM-DD (midnight UTC) or an ISO-8601 instant.")
  String since;

  @Override
  public Integer call() throws Exception {
    Optional<Instant> from = since == null ? Optional.empty() : Optional.of(parse(since));
    List<Event> events = new ArrayList<>();
    try (Ledger l = ledger.openReadOnly()) {
      l.events(Optional.ofNullable(item), from, events::add);
    }
    if (json.json) {
      Out.json(spec.commandLine().getOut(), g -> {
        g.writeStartArray();
        for (Event e : events) {
          Out.event(g, e);
        }
        g.writeEndArray();
      });
    } else {
      LogView.print(spec.commandLine().getOut(), events);
    }
    return 0;
  }

  /** A --since value: a date (midnight UTC) or an instant; shared with bg report so both read it alike. */
  public static Instant parse(String text) throws UsageException {
    Instant t;
    try {
      t = text.length() == 10 ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(text);
    } catch (DateTimeParseException e) {
      t = null;
    }
    if (t == null || t.isBefore(Instant.parse("0000-01-01T00:00:00Z")) || !t.isBefore(Instant.parse("9999-12-31T23:59:59Z"))) {
      throw new UsageException("--since '" + text + "' is not a date (2026-11-01) or an instant (2026-11-01T09:00:00Z)");
    }
    return t;
  }
}
