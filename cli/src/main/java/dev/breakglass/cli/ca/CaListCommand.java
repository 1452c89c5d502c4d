package dev.breakglass.cli.ca;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.inventory.JsonOption;
import dev.breakglass.custody.ledger.CaRecord;
import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.Ledger;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "Lists the CA roots and every certificate they issued: serial, subject, identity,"
    + " expiry, days left and status.")
public final class CaListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin JsonOption json;

  @Override
  public Integer call() throws Exception {
    List<CaRecord> cas;
    List<CertificateRecord> certs;
    try (Ledger l = ledger.openReadOnly()) {
      cas = l.cas();
      certs = l.certificates();
    }
    Instant now = ledger.root().clock().instant();
    PrintWriter out = spec.commandLine().getOut();
    if (json.json) {
      Out.json(out, g -> {
        g.writeStartObject();
        g.writeArrayFieldStart("cas");
        for (CaRecord c : cas) {
          Out.ca(g, c, now);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("certificates");
        for (CertificateRecord c : certs) {
          Out.certificate(g, c, now, issuer(cas, c));
        }
        g.writeEndArray();
        g.writeEndObject();
      });
      return 0;
    }
    Out.table(out, List.of("SERIAL", "KIND", "SUBJECT", "IDENTITY", "NOT-AFTER (UTC)", "DAYS-LEFT", "STATUS"),
        java.util.stream.Stream.concat(
            cas.stream().map(c -> List.of(c.serial(), "ca", c.subject(), "-", Out.ts(c.notAfter()),
                Out.daysLeft(c.notAfter(), now), c.statusAt(now))),
            certs.stream().map(c -> List.of(c.serial(), "leaf", c.subject(), c.identity(), Out.ts(c.notAfter()),
                Out.daysLeft(c.notAfter(), now), c.statusAt(now, issuer(cas, c))))).toList());
    return 0;
  }

  static java.util.Optional<CaRecord> issuer(List<CaRecord> cas, CertificateRecord c) {
    return cas.stream().filter(a -> a.serial().equals(c.caSerial())).findFirst();
  }
}
