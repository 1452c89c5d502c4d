package dev.breakglass.cli.ledger;

import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.inventory.JsonOption;
import dev.breakglass.custody.ledger.CaRecord;
import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.CounterVerdict;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.KeyAlarm;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.Session;
import dev.breakglass.custody.ledger.SignInRecorded;
import dev.breakglass.custody.ledger.StatusReport;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "status", description = "What is out of its safe, since when and by whom; items due for review (never reviewed, or not within review.interval-days); items without a seal; key alarms and fido2-key items without a registered key; UNEXPLAINED sign-ins since the last kit review; open unlock sessions (OVERDUE past their expected end); whether the kit review (bg review) is overdue; and the ledger head to copy elsewhere.")
public final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin JsonOption json;

  @Override
  public Integer call() throws Exception {
    StatusReport s;
    try (Ledger l = ledger.openReadOnly()) {
      s = l.status();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json.json) {
      Out.json(out, g -> {
        g.writeStartObject();
        g.writeStringField("asOf", Out.ts(s.asOf()));
        g.writeNumberField("items", s.itemCount());
        g.writeNumberField("reviewIntervalDays", s.reviewInterval().toDays());
        g.writeArrayFieldStart("out");
        for (StatusReport.OutItem o : s.out()) {
          g.writeStartObject();
          g.writeFieldName("item");
          Out.item(g, o.item());
          g.writeFieldName("checkout");
          Out.event(g, o.checkout());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("reviewDue");
        for (Item i : s.reviewDue()) {
          Out.item(g, i);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("unsealed");
        for (Item i : s.unsealed()) {
          Out.item(g, i);
        }
        g.writeEndArray();
        g.writeNumberField("expiryWarningDays", s.expiryWarning().toDays());
        g.writeArrayFieldStart("expiringCertificates");
        for (CertificateRecord c : s.expiring()) {
          Out.certificate(g, c, s.asOf());
        }
        g.writeEndArray();
        g.writeArrayFieldStart("validOfRevokedCa");
        for (CertificateRecord c : s.ofRevokedCa()) {
          Out.certificate(g, c, s.asOf());
        }
        g.writeEndArray();
        g.writeArrayFieldStart("expiringCa");
        for (CaRecord c : s.caExpiring()) {
          Out.ca(g, c, s.asOf());
        }
        g.writeEndArray();
        g.writeArrayFieldStart("keyAlarms");
        for (KeyAlarm a : s.keyAlarms()) {
          g.writeStartObject();
          g.writeNumberField("event", a.event());
          g.writeStringField("at", Out.ts(a.at()));
          g.writeStringField("ownerKind", a.owner().kind().wireName());
          g.writeStringField("owner", a.owner().name());
          g.writeStringField("credentialId", a.credentialId());
          g.writeStringField("alarm", a.verdict().wireName());
          g.writeNumberField("storedCount", a.storedCount());
          g.writeNumberField("presentedCount", a.presentedCount());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("keysNotRegistered");
        for (Item i : s.keysUnregistered()) {
          Out.item(g, i);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("keysWithoutBaseline");
        for (Item i : s.keysWithoutBaseline()) {
          Out.item(g, i);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("openSessions");
        for (Session x : s.openSessions()) {
          g.writeStartObject();
          g.writeNumberField("session", x.id());
          g.writeStringField("identity", x.identity());
          g.writeBooleanField("drill", x.drill());
          g.writeStringField("openedBy", x.openedBy());
          g.writeStringField("witness", x.witness().orElse(null));
          g.writeStringField("openedAt", Out.ts(x.openedAt()));
          g.writeStringField("expectedEnd", Out.ts(x.expectedEnd()));
          g.writeBooleanField("overdue", x.overdue(s.asOf()));
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeObjectFieldStart("kitReview");
        g.writeBooleanField("due", s.kitReviewDue());
        g.writeStringField("last", s.lastKitReview().map(e -> Out.ts(e.timestamp())).orElse(null));
        g.writeEndObject();
        g.writeArrayFieldStart("unexplainedSignIns");
        for (SignInRecorded x : s.unexplained()) {
          g.writeStartObject();
          g.writeStringField("signInId", x.signInId());
          g.writeStringField("at", Out.ts(x.createdAt()));
          g.writeStringField("identity", x.identity());
          g.writeBooleanField("succeeded", x.succeeded());
          g.writeNumberField("event", x.event());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeFieldName("head");
        Out.head(g, s.head());
        g.writeEndObject();
      });
      return 0;
    }
    out.printf("%d item(s): %d out, %d due for review, %d in their safe without a seal; %d certificate(s) expiring%n",
        s.itemCount(), s.out().size(), s.reviewDue().size(), s.unsealed().size(),
        s.expiring().size() + s.caExpiring().size());
    if (!s.unexplained().isEmpty()) {
      out.println();
      out.printf("UNEXPLAINED SIGN-INS SINCE THE LAST KIT REVIEW (%d; treat as an incident until explained)%n",
          s.unexplained().size());
      Out.table(out, List.of("TIME (UTC)", "IDENTITY", "RESULT", "SIGN-IN ID", "EVENT"), s.unexplained().stream()
          .map(x -> List.of(Out.ts(x.createdAt()), x.identity(), x.succeeded() ? "success" : "failure", x.signInId(),
              Long.toString(x.event()))).toList());
    }
    if (!s.openSessions().isEmpty()) {
      out.println();
      out.printf("UNLOCK SESSIONS OPEN (%d; end each with bg lock --session ID)%n", s.openSessions().size());
      Out.table(out, List.of("SESSION", "IDENTITY", "OPENED BY", "WITNESS", "OPENED (UTC)", "EXPECTED END (UTC)",
          "STATE"), s.openSessions().stream().map(x -> List.of(Long.toString(x.id()), x.identity(), x.openedBy(),
              Out.or(x.witness()), Out.ts(x.openedAt()), Out.ts(x.expectedEnd()), (x.drill() ? "drill, " : "")
              + (x.overdue(s.asOf()) ? "OVERDUE" : "open"))).toList());
    }
    if (s.kitReviewDue()) {
      out.println();
      out.printf("KIT REVIEW OVERDUE (%s; due every %d days: bg review)%n", s.lastKitReview()
          .map(e -> "last reviewed " + Out.ts(e.timestamp())).orElse("never reviewed"), s.reviewInterval().toDays());
    }
    if (!s.keyAlarms().isEmpty()) {
      out.println();
      out.printf("KEY ALARMS (%d; each needs an investigation, see the custodian guide)%n", s.keyAlarms().size());
      Out.table(out, List.of("EVENT", "TIME (UTC)", "OWNER", "ALARM", "COUNTER", "MEANING"), s.keyAlarms().stream()
          .map(a -> List.of(Long.toString(a.event()), Out.ts(a.at()), a.owner().toString(), a.verdict().wireName(),
              a.storedCount() + " -> " + a.presentedCount(),
              a.verdict() == CounterVerdict.COUNTER_REGRESSED ? "possible clone; refused"
                  : "used " + (a.presentedCount() - a.storedCount() - 1) + " time(s) while in the safe"))
          .toList());
    }
    if (!s.out().isEmpty()) {
      out.println();
      out.println("OUT OF THE SAFE");
      Out.table(out, List.of("ITEM", "HOLDER", "WITNESS", "SINCE (UTC)", "REASON", "TICKET", "EVENT"),
          s.out().stream().map(o -> List.of(o.item().label(), Out.or(o.item().holder()),
              Out.or(o.checkout().witness()), Out.ts(o.checkout().timestamp()), Out.or(o.checkout().reason()),
              Out.or(o.checkout().ticket()), Long.toString(o.checkout().seq()))).toList());
    }
    if (!s.reviewDue().isEmpty()) {
      out.println();
      out.printf("DUE FOR REVIEW (not inspected in the last %d days)%n", s.reviewInterval().toDays());
      Out.table(out, List.of("ITEM", "SAFE", "LAST REVIEWED"), s.reviewDue().stream()
          .map(i -> List.of(i.label(), i.safe(), i.lastReviewed().map(Out::ts).orElse("never"))).toList());
    }
    if (!s.keysUnregistered().isEmpty()) {
      out.println();
      out.println("FIDO2 KEYS NOT REGISTERED (cannot be verified: bg key register ITEM)");
      Out.table(out, List.of("ITEM", "SAFE"), s.keysUnregistered().stream().map(i -> List.of(i.label(), i.safe()))
          .toList());
    }
    if (!s.keysWithoutBaseline().isEmpty()) {
      out.println();
      out.println("KEYS IN THEIR SAFE WITHOUT A BASELINE (use in the safe cannot be seen: bg key verify ITEM)");
      Out.table(out, List.of("ITEM", "SAFE"), s.keysWithoutBaseline().stream().map(i -> List.of(i.label(),
          i.safe())).toList());
    }
    if (!s.unsealed().isEmpty()) {
      out.println();
      out.println("IN THE SAFE WITHOUT A SEAL");
      Out.table(out, List.of("ITEM", "SAFE"), s.unsealed().stream().map(i -> List.of(i.label(), i.safe())).toList());
    }
    if (!s.expiring().isEmpty() || !s.caExpiring().isEmpty()) {
      out.println();
      out.printf("CERTIFICATES EXPIRING WITHIN %d DAYS (or expired)%n", s.expiryWarning().toDays());
      Out.table(out, List.of("SERIAL", "KIND", "SUBJECT", "NOT-AFTER (UTC)", "DAYS-LEFT"), java.util.stream.Stream.concat(
          s.caExpiring().stream().map(c -> List.of(c.serial(), "ca", c.subject(), Out.ts(c.notAfter()),
              Out.daysLeft(c.notAfter(), s.asOf()))),
          s.expiring().stream().map(c -> List.of(c.serial(), "leaf", c.subject(), Out.ts(c.notAfter()),
              Out.daysLeft(c.notAfter(), s.asOf())))).toList());
    }
    if (!s.ofRevokedCa().isEmpty()) {
      out.println();
      out.println("VALID CERTIFICATES OF A REVOKED CA (Entra accepts them until they are removed from the app)");
      Out.table(out, List.of("SERIAL", "SUBJECT", "IDENTITY", "NOT-AFTER (UTC)"), s.ofRevokedCa().stream()
          .map(c -> List.of(c.serial(), c.subject(), c.identity(), Out.ts(c.notAfter()))).toList());
    }
    out.println();
    out.printf("ledger head %s%n", s.head().map(Object::toString).orElse("-"));
    out.flush();
    return 0;
  }
}
