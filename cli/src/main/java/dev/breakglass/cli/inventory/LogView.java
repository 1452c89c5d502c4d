package dev.breakglass.cli.inventory;

import dev.breakglass.cli.Out;
import dev.breakglass.custody.ledger.Event;
import java.io.PrintWriter;
import java.util.List;

/** The text form of a list of events, shared by {@code bg log} and {@code bg item show}. */
public final class LogView {
  private LogView() {}

  public static void print(PrintWriter out, List<Event> events) {
    Out.table(out, List.of("SEQ", "TIME (UTC)", "TYPE", "ITEM", "ACTOR", "WITNESS", "REASON", "TICKET", "DETAILS"),
        events.stream().map(e -> List.of(Long.toString(e.seq()), Out.ts(e.timestamp()), e.type().wireName(),
            Out.or(e.item()), Out.or(e.actor()), Out.or(e.witness()), Out.or(e.reason()), Out.or(e.ticket()),
            Out.details(e))).toList());
  }
}
