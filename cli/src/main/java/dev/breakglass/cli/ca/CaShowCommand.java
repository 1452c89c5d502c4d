package dev.breakglass.cli.ca;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.inventory.JsonOption;
import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.Ledger;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "show", description = "Shows one issued certificate: its record and its PEM, ready to upload.")
public final class CaShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin JsonOption json;

  @Parameters(paramLabel = "SERIAL", description = "As 'bg ca list' shows it.")
  String serial;

  @Override
  public Integer call() throws Exception {
    CertificateRecord c;
    Path pem;
    try (Ledger l = ledger.openReadOnly()) {
      c = l.certificate(serial);
      pem = CaSession.ca(l, ledger).certificateFile(c.serial());
    }
    Instant now = ledger.root().clock().instant();
    PrintWriter out = spec.commandLine().getOut();
    String text = Files.readString(pem);
    if (json.json) {
      Out.json(out, g -> {
        g.writeStartObject();
        g.writeFieldName("certificate");
        Out.certificate(g, c, now);
        g.writeStringField("file", pem.toString());
        g.writeStringField("pem", text);
        g.writeEndObject();
      });
      return 0;
    }
    Out.table(out, List.of("FIELD", "VALUE"), List.of(
        List.of("serial", c.serial()),
        List.of("subject", c.subject()),
        List.of("identity", c.identity()),
        List.of("key", c.keyType()),
        List.of("not before", Out.ts(c.notBefore())),
        List.of("not after", Out.ts(c.notAfter()) + " (" + Out.daysLeft(c.notAfter(), now) + " days left)"),
        List.of("status", c.statusAt(now) + c.revocationReason().map(r -> ": " + r).orElse("")),
        List.of("thumbprint", c.sha1() + " (SHA-1)"),
        List.of("SHA-256", c.sha256()),
        List.of("renews", c.renews().orElse("-")),
        List.of("issued by CA", c.caSerial()),
        List.of("file", pem.toString())));
    out.println();
    out.print(text);
    out.flush();
    return 0;
  }
}
