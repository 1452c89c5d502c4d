package dev.breakglass.cli.daemon;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.breakglass.custody.ledger.EventHash;
import dev.breakglass.daemon.Correlator;
import dev.breakglass.entra.SignInRecord;
import java.io.IOException;

/** How {@code bg daemon once} and {@code bg correlate} show a judged sign-in: the fields they share. */
final class Judgements {
  private Judgements() {}

  /** The sign-in and its verdict as JSON fields, inside an object the caller opened. */
  static void fields(JsonGenerator g, Correlator.Judgement j) throws IOException {
    SignInRecord s = j.signIn();
    g.writeStringField("signInId", s.id());
    g.writeStringField("createdDateTime", EventHash.formatTimestamp(s.createdDateTime()));
    g.writeStringField("identity", j.identity());
    g.writeStringField("result", s.succeeded() ? "success" : "failure");
    g.writeNumberField("errorCode", s.errorCode());
    if (s.ipAddress().isPresent()) {
      g.writeStringField("ipAddress", s.ipAddress().get());
    }
    g.writeStringField("verdict", j.verdict().name());
    if (j.window().isPresent()) {
      var w = j.window().get();
      g.writeNumberField("custodyEvent", w.seq());
      g.writeStringField("custodyEventType", w.kind().eventType());
      g.writeArrayFieldStart("custodians");
      for (String p : w.people()) {
        g.writeString(p);
      }
      g.writeEndArray();
    }
  }

  /** {@code VERDICT  TIME  IDENTITY  success|failure CODE}: the start of a table line. */
  static String line(Correlator.Judgement j) {
    SignInRecord s = j.signIn();
    return j.verdict() + "  " + EventHash.formatTimestamp(s.createdDateTime()) + "  " + j.identity() + "  "
        + (s.succeeded() ? "success" : "failure " + s.errorCode());
  }

  /** {@code  custody event N (custodians)}, or nothing when custody does not explain it. */
  static String custody(Correlator.Judgement j) {
    return j.window().map(w -> "  custody event " + w.seq() + " (" + String.join(", ", w.people()) + ")").orElse("");
  }
}
