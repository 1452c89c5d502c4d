package dev.breakglass.cli.key;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.inventory.JsonOption;
import dev.breakglass.custody.ledger.CounterReading;
import dev.breakglass.custody.ledger.FidoKey;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "show", description = "Shows an item's registered key (or a custodian's keys) with its counter history.")
public final class KeyShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin JsonOption json;

  @Parameters(paramLabel = "ITEM", description = "The fido2-key item (or, with --custodian, the custodian).")
  String name;

  @Option(names = "--custodian", description = "NAME is a custodian whose enrolled keys are shown.")
  boolean custodian;

  @Override
  public Integer call() throws Exception {
    Map<FidoKey, List<CounterReading>> shown = new LinkedHashMap<>();
    try (Ledger l = ledger.openReadOnly()) {
      KeyOwner owner = custodian ? KeyOwner.custodian(name) : KeyOwner.item(name);
      for (FidoKey k : l.keys(owner)) {
        shown.put(k, l.counterHistory(k.credentialId()));
      }
      if (shown.isEmpty()) {
        // Refuses as bg key verify does (wrong kind, or no key yet, and what to run), canonical names.
        l.requireKeyOwner(owner, false);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json.json) {
      Out.json(out, g -> {
        g.writeStartArray();
        for (Map.Entry<FidoKey, List<CounterReading>> e : shown.entrySet()) {
          g.writeStartObject();
          g.writeFieldName("key");
          KeyView.json(g, e.getKey());
          g.writeArrayFieldStart("counters");
          for (CounterReading c : e.getValue()) {
            KeyView.json(g, c);
          }
          g.writeEndArray();
          g.writeEndObject();
        }
        g.writeEndArray();
      });
      return 0;
    }
    boolean first = true;
    for (Map.Entry<FidoKey, List<CounterReading>> e : shown.entrySet()) {
      if (!first) {
        out.println();
      }
      first = false;
      FidoKey k = e.getKey();
      Out.table(out, List.of("FIELD", "VALUE"), List.of(
          List.of("owner", k.owner().toString()),
          List.of("credential", k.credentialId()),
          List.of("model", k.model().orElse("unknown model")),
          List.of("aaguid", k.aaguid().toString()),
          List.of("attestation", KeyView.attestation(k) + ", " + k.attestationType()),
          List.of("transports", k.transports().isEmpty() ? "-" : String.join(", ", k.transports())),
          List.of("counter", KeyView.counter(k)),
          List.of("last verified", Out.ts(k.lastVerified()) + k.lastVerifiedEvent().map(s -> " (event " + s + ")")
              .orElse("")),
          List.of("in safe since", k.baselineEvent().map(s -> "verification at event " + s)
              .orElse(k.owner().kind() == KeyOwner.Kind.ITEM
                  ? "- (not verified in its safe since it was registered or last out)" : "-")),
          List.of("alarms", Integer.toString(k.alarms())),
          List.of("registered", "event " + k.registeredEvent())));
      out.println();
      List<List<String>> rows = new ArrayList<>();
      for (CounterReading c : e.getValue()) {
        rows.add(List.of(Long.toString(c.event()), Out.ts(c.at()), Long.toString(c.signCount()), c.verdict()));
      }
      Out.table(out, List.of("EVENT", "TIME", "COUNTER", "VERDICT"), rows);
    }
    return 0;
  }
}
