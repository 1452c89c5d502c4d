package dev.breakglass.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.breakglass.custody.ledger.CaRecord;
import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.Custodian;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventHash;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.Json;
import dev.breakglass.custody.ledger.Safe;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Shared output: aligned text tables and JSON views of the ledger's records. */
public final class Out {
  private Out() {}

  /** Prints rows under headers, each column as wide as its widest cell. */
  public static void table(PrintWriter out, List<String> headers, List<List<String>> rows) {
    int[] width = new int[headers.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(headers);
    all.addAll(rows);
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + width[i] + "s  ", row.get(i)));
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }

  public static String ts(Instant t) {
    return EventHash.formatTimestamp(t);
  }

  public static String ts(Optional<Instant> t) {
    return t.map(Out::ts).orElse("-");
  }

  public static String or(Optional<?> v) {
    return v.map(Object::toString).orElse("-");
  }

  /** Writes one record as a JSON value. */
  @FunctionalInterface
  public interface JsonRecord<T> {
    void write(JsonGenerator g, T value) throws IOException;
  }

  /** A listing: a JSON array of {@code rows} with {@code --json}, else a table. */
  public static <T> void list(PrintWriter out, boolean json, List<T> rows, JsonRecord<T> asJson,
      List<String> headers, java.util.function.Function<T, List<String>> asRow) {
    if (json) {
      json(out, g -> {
        g.writeStartArray();
        for (T r : rows) {
          asJson.write(g, r);
        }
        g.writeEndArray();
      });
    } else {
      table(out, headers, rows.stream().map(asRow).toList());
    }
  }

  /** Something that writes one JSON value. */
  @FunctionalInterface
  public interface JsonBody {
    void write(JsonGenerator g) throws IOException;
  }

  /** Writes one JSON document (pretty-printed) and a newline. */
  public static void json(PrintWriter out, JsonBody body) {
    try (JsonGenerator g = Json.factory().createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.setPrettyPrinter(new DefaultPrettyPrinter());
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.println();
    out.flush();
  }

  /** Writes one JSON document on one line, for JSON-lines output. */
  public static void jsonLine(PrintWriter out, JsonBody body) {
    try (JsonGenerator g = Json.factory().createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.println();
  }

  static void field(JsonGenerator g, String name, Optional<?> value) throws IOException {
    if (value.isPresent()) {
      g.writeStringField(name, value.get().toString());
    } else {
      g.writeNullField(name);
    }
  }

  public static void safe(JsonGenerator g, Safe s) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", s.name());
    g.writeStringField("location", s.location());
    g.writeBooleanField("twoPersonRule", s.twoPersonRule());
    g.writeEndObject();
  }

  public static void custodian(JsonGenerator g, Custodian c) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", c.name());
    g.writeStringField("contact", c.contact());
    g.writeEndObject();
  }

  public static void identity(JsonGenerator g, Identity i) throws IOException {
    g.writeStartObject();
    g.writeStringField("kind", i.kind().wireName());
    g.writeStringField("ref", i.ref());
    field(g, "objectId", i.objectId());
    field(g, "displayName", i.displayName());
    g.writeEndObject();
  }

  public static void item(JsonGenerator g, Item i) throws IOException {
    g.writeStartObject();
    g.writeStringField("label", i.label());
    g.writeStringField("kind", i.kind().wireName());
    field(g, "serial", i.serial());
    field(g, "identity", i.identity());
    g.writeStringField("safe", i.safe());
    field(g, "seal", i.seal());
    g.writeStringField("state", i.checkedOut() ? "out" : "in");
    field(g, "holder", i.holder());
    field(g, "outSince", i.outSince().map(Out::ts));
    if (i.outEvent().isPresent()) {
      g.writeNumberField("outEvent", i.outEvent().get());
    } else {
      g.writeNullField("outEvent");
    }
    field(g, "lastReviewed", i.lastReviewed().map(Out::ts));
    g.writeNumberField("addedEvent", i.addedEvent());
    g.writeEndObject();
  }

  /**
   * An event with its details as the exact stored JSON text, so that anyone can recompute its hash
   * from this output alone (see docs/architecture.md).
   */
  public static void event(JsonGenerator g, Event e) throws IOException {
    g.writeStartObject();
    g.writeNumberField("seq", e.seq());
    g.writeStringField("ts", ts(e.timestamp()));
    g.writeStringField("type", e.type().wireName());
    field(g, "actor", e.actor());
    field(g, "witness", e.witness());
    field(g, "item", e.item());
    field(g, "reason", e.reason());
    field(g, "ticket", e.ticket());
    g.writeStringField("details", e.details());
    g.writeStringField("prevHash", e.prevHash());
    g.writeStringField("hash", e.hash());
    g.writeEndObject();
  }

  public static void head(JsonGenerator g, Optional<Head> h) throws IOException {
    if (h.isEmpty()) {
      g.writeNull();
      return;
    }
    g.writeStartObject();
    g.writeNumberField("seq", h.get().seq());
    g.writeStringField("hash", h.get().hash());
    g.writeEndObject();
  }

  /** Event details as {@code key=value} pairs, for the text log. */
  public static String details(Event e) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Object> d : Json.read(e.details()).entrySet()) {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(d.getKey()).append('=').append(d.getValue());
    }
    return b.toString();
  }

  /** Whole days from {@code now} to {@code notAfter}; negative once expired. */
  public static String daysLeft(Instant notAfter, Instant now) {
    return Long.toString(Duration.between(now, notAfter).toDays());
  }

  public static void ca(JsonGenerator g, CaRecord c, Instant now) throws IOException {
    g.writeStartObject();
    g.writeStringField("serial", c.serial());
    g.writeStringField("subject", c.subject());
    g.writeStringField("keyType", c.keyType());
    g.writeStringField("notBefore", Out.ts(c.notBefore()));
    g.writeStringField("notAfter", Out.ts(c.notAfter()));
    g.writeNumberField("daysLeft", Duration.between(now, c.notAfter()).toDays());
    g.writeStringField("status", c.statusAt(now));
    g.writeStringField("sha256", c.sha256());
    g.writeStringField("sha1", c.sha1());
    g.writeNumberField("crlNumber", c.crlNumber());
    g.writeEndObject();
  }

  public static void certificate(JsonGenerator g, CertificateRecord c, Instant now) throws IOException {
    certificate(g, c, now, Optional.empty());
  }

  /** A certificate; with its issuer known, a valid one of a revoked CA says so in its status. */
  public static void certificate(JsonGenerator g, CertificateRecord c, Instant now, Optional<CaRecord> issuer)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("serial", c.serial());
    g.writeStringField("caSerial", c.caSerial());
    g.writeStringField("identity", c.identity());
    g.writeStringField("subject", c.subject());
    g.writeStringField("keyType", c.keyType());
    g.writeStringField("notBefore", Out.ts(c.notBefore()));
    g.writeStringField("notAfter", Out.ts(c.notAfter()));
    g.writeNumberField("daysLeft", Duration.between(now, c.notAfter()).toDays());
    g.writeStringField("status", c.statusAt(now, issuer));
    g.writeStringField("sha1", c.sha1());
    g.writeStringField("sha256", c.sha256());
    g.writeStringField("renews", c.renews().orElse(null));
    g.writeStringField("revokedAt", c.revokedAt().map(Out::ts).orElse(null));
    g.writeStringField("revocationReason", c.revocationReason().orElse(null));
    g.writeEndObject();
  }
}
