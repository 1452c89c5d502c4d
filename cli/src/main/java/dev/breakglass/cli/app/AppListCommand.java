package dev.breakglass.cli.app;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.inventory.JsonOption;
import dev.breakglass.custody.ledger.AppCertificate;
import dev.breakglass.custody.ledger.Ledger;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "Lists the certificates the kit attached to app registrations, as the ledger"
    + " records them (bg posture compares them with Entra).")
public final class AppListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin JsonOption json;

  @Override
  public Integer call() throws Exception {
    List<AppCertificate> all;
    try (Ledger l = ledger.openReadOnly()) {
      all = l.appCertificates();
    }
    Out.list(spec.commandLine().getOut(), json.json, all, (g, a) -> {
      g.writeStartObject();
      g.writeStringField("serial", a.serial());
      g.writeStringField("identity", a.identity());
      g.writeStringField("keyId", a.keyId());
      g.writeNumberField("attachedEvent", a.attachedEvent());
      if (a.detachedEvent().isPresent()) {
        g.writeNumberField("detachedEvent", a.detachedEvent().get());
      } else {
        g.writeNullField("detachedEvent");
      }
      g.writeEndObject();
    }, List.of("SERIAL", "APP", "KEY ID", "STATE", "EVENT"), a -> List.of(a.serial(), a.identity(), a.keyId(),
        a.attached() ? "attached" : "detached", Long.toString(a.detachedEvent().orElse(a.attachedEvent()))));
    return 0;
  }
}
