package dev.breakglass.daemon.sink;

import static dev.breakglass.custody.PrintableText.replaceUnprintable;

import dev.breakglass.daemon.Alert;
import java.util.ArrayList;
import java.util.List;

/**
 * The facts of an alert as label and value, in the order a person reads them, for the chat cards
 * and the mail body. Every value is {@link dev.breakglass.custody.PrintableText#replaceUnprintable made printable}; each
 * sink still escapes it for its own markup.
 */
final class AlertText {
  record Fact(String label, String value) {}

  private AlertText() {}

  /**
   * The short list a chat card shows: verdict, identity, time, IP, location, result, error code, CA
   * status, custody event, ledger head (the ones the alert has).
   */
  static List<Fact> facts(Alert a) {
    List<Fact> f = new ArrayList<>();
    a.verdict().ifPresent(v -> f.add(new Fact("Verdict", v)));
    a.signIn().ifPresent(s -> {
      f.add(new Fact("Identity", s.identity()));
      f.add(new Fact("Time", s.time().toString()));
      s.ipAddress().ifPresent(v -> f.add(new Fact("IP address", v)));
      s.location().ifPresent(v -> f.add(new Fact("Location", v)));
      f.add(new Fact("Result", s.result() + s.failureReason().map(r -> " (" + r + ")").orElse("")));
      f.add(new Fact("Error code", Integer.toString(s.errorCode())));
      s.conditionalAccessStatus().ifPresent(v -> f.add(new Fact("CA status", v)));
    });
    a.custody().ifPresent(c -> f.add(new Fact("Custody event", custody(c))));
    if (a.signIn().isEmpty()) {
      f.add(new Fact("Raised at", a.raisedAt().toString()));
    }
    f.add(new Fact("Ledger head", ledgerHead(a)));
    return f.stream().map(x -> new Fact(x.label(), replaceUnprintable(x.value()))).toList();
  }

  /** {@code SEQ:HASH}, the form {@code bg ledger verify --head} takes. */
  static String ledgerHead(Alert a) {
    return a.ledgerHeadSeq() + ":" + a.ledgerHeadHash();
  }

  static String custody(Alert.Custody c) {
    return "#" + c.seq() + " " + c.type()
        + (c.custodians().isEmpty() ? "" : " by " + String.join(", ", c.custodians()))
        + ": " + c.reason() + c.ticket().map(t -> " (" + t + ")").orElse("");
  }

  /** Every field, one per line, for a mail body or a log: nothing left out, nothing formatted. */
  static String plain(Alert a) {
    StringBuilder b = new StringBuilder();
    line(b, "Alert", a.severity() + " " + a.kind());
    line(b, "Title", a.title());
    line(b, "Alert id", a.id());
    line(b, "Raised at", a.raisedAt().toString());
    a.verdict().ifPresent(v -> line(b, "Verdict", v));
    a.signIn().ifPresent(s -> {
      line(b, "Sign-in id", s.id());
      line(b, "Time", s.time().toString());
      line(b, "Identity", s.identity());
      s.userPrincipalName().ifPresent(v -> line(b, "User principal name", v));
      s.appId().ifPresent(v -> line(b, "App id", v));
      s.appDisplayName().ifPresent(v -> line(b, "App display name", v));
      s.ipAddress().ifPresent(v -> line(b, "IP address", v));
      s.city().ifPresent(v -> line(b, "City", v));
      s.countryOrRegion().ifPresent(v -> line(b, "Country or region", v));
      line(b, "Result", s.result());
      line(b, "Error code", Integer.toString(s.errorCode()));
      s.failureReason().ifPresent(v -> line(b, "Failure reason", v));
      s.conditionalAccessStatus().ifPresent(v -> line(b, "CA status", v));
      if (!s.eventTypes().isEmpty()) {
        line(b, "Event types", String.join(", ", s.eventTypes()));
      }
    });
    a.custody().ifPresent(c -> line(b, "Custody event", custody(c)));
    line(b, "Ledger head", ledgerHead(a));
    if (!a.details().isEmpty()) {
      b.append('\n');
      a.details().forEach(d -> b.append(replaceUnprintable(d)).append('\n'));
    }
    return b.toString();
  }

  private static void line(StringBuilder b, String label, String value) {
    b.append(label).append(": ").append(replaceUnprintable(value)).append('\n');
  }
}
