package dev.breakglass.cli.key;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.breakglass.cli.Out;
import dev.breakglass.custody.ledger.CounterReading;
import dev.breakglass.custody.ledger.FidoKey;
import java.io.IOException;
import java.util.List;

/** How keys are shown in tables and JSON. */
final class KeyView {
  static final List<String> HEADERS =
      List.of("OWNER", "MODEL", "AAGUID", "ATTESTATION", "COUNTER", "LAST VERIFIED", "ALARMS");

  private KeyView() {}

  static List<String> row(FidoKey k) {
    return List.of(k.owner().toString(), k.model().orElse("unknown model"), k.aaguid().toString(), attestation(k),
        counter(k), Out.ts(k.lastVerified()), Integer.toString(k.alarms()));
  }

  static String attestation(FidoKey k) {
    return (k.trusted() ? "trusted" : "untrusted") + " (" + k.attestationFormat() + ")";
  }

  static String counter(FidoKey k) {
    return k.noCounter() ? "no counter" : Long.toString(k.signCount());
  }

  static void json(JsonGenerator g, FidoKey k) throws IOException {
    g.writeStartObject();
    g.writeStringField("credentialId", k.credentialId());
    g.writeStringField("ownerKind", k.owner().kind().wireName());
    g.writeStringField("owner", k.owner().name());
    g.writeStringField("aaguid", k.aaguid().toString());
    if (k.model().isPresent()) {
      g.writeStringField("model", k.model().get());
    } else {
      g.writeNullField("model");
    }
    g.writeStringField("attestationFormat", k.attestationFormat());
    g.writeStringField("attestationType", k.attestationType());
    g.writeBooleanField("attestationTrusted", k.trusted());
    g.writeArrayFieldStart("transports");
    for (String t : k.transports()) {
      g.writeString(t);
    }
    g.writeEndArray();
    g.writeNumberField("signCount", k.signCount());
    g.writeBooleanField("noCounter", k.noCounter());
    if (k.lastVerified().isPresent()) {
      g.writeStringField("lastVerified", Out.ts(k.lastVerified().get()));
      g.writeNumberField("lastVerifiedEvent", k.lastVerifiedEvent().orElseThrow());
    } else {
      g.writeNullField("lastVerified");
      g.writeNullField("lastVerifiedEvent");
    }
    if (k.baselineEvent().isPresent()) {
      g.writeNumberField("inSafeSinceEvent", k.baselineEvent().get());
    } else {
      g.writeNullField("inSafeSinceEvent");
    }
    g.writeNumberField("alarms", k.alarms());
    g.writeNumberField("registeredEvent", k.registeredEvent());
    g.writeEndObject();
  }

  static void json(JsonGenerator g, CounterReading c) throws IOException {
    g.writeStartObject();
    g.writeNumberField("event", c.event());
    g.writeStringField("at", Out.ts(c.at()));
    g.writeNumberField("signCount", c.signCount());
    g.writeStringField("verdict", c.verdict());
    g.writeEndObject();
  }
}
