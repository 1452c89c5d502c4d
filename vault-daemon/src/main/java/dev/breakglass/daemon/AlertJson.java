package dev.breakglass.daemon;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakglass.custody.PrintableText;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one JSON form of an {@link Alert}: the generic webhook's body and the outbox's rows. Fields
 * appear in the record's order under the record components' names; an empty {@code Optional} is
 * left out, instants are ISO-8601 UTC strings ({@link Instant#toString()}), enums their names, so
 * {@code fromJson(toJson(a)).equals(a)} for every alert.
 *
 * <p>The JSON carries the text exactly as Entra ID logged it (JSON escaping makes it harmless); the
 * one-line rendering {@link #oneLine} and {@link dev.breakglass.custody.PrintableText#replaceUnprintable}
 * are for places that show text to a person or pass it on in a line-oriented format.
 */
public final class AlertJson {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      // A stored row with a second "severity" or text after the object is damage, not an alert.
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static final Set<String> ALERT_FIELDS = Set.of("id", "kind", "severity", "raisedAt", "title",
      "verdict", "signIn", "custody", "details", "ledgerHeadSeq", "ledgerHeadHash");
  private static final Set<String> SIGN_IN_FIELDS = Set.of("id", "time", "identity", "userPrincipalName",
      "appId", "appDisplayName", "ipAddress", "city", "countryOrRegion", "result", "errorCode",
      "failureReason", "conditionalAccessStatus", "eventTypes");
  private static final Set<String> CUSTODY_FIELDS = Set.of("seq", "type", "custodians", "reason", "ticket");

  private AlertJson() {}

  /** The alert as compact JSON, fields in the record's order. */
  public static String toJson(Alert alert) {
    ObjectNode o = NODES.objectNode();
    o.put("id", alert.id());
    o.put("kind", alert.kind().name());
    o.put("severity", alert.severity().name());
    o.put("raisedAt", alert.raisedAt().toString());
    o.put("title", alert.title());
    alert.verdict().ifPresent(v -> o.put("verdict", v));
    alert.signIn().ifPresent(s -> o.set("signIn", signInNode(s)));
    alert.custody().ifPresent(c -> o.set("custody", custodyNode(c)));
    o.set("details", strings(alert.details()));
    o.put("ledgerHeadSeq", alert.ledgerHeadSeq());
    o.put("ledgerHeadHash", alert.ledgerHeadHash());
    try {
      return MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      // A tree of strings and numbers always serialises.
      throw new IllegalStateException("cannot write alert JSON", e);
    }
  }

  private static ObjectNode signInNode(Alert.SignIn s) {
    ObjectNode o = NODES.objectNode();
    o.put("id", s.id());
    o.put("time", s.time().toString());
    o.put("identity", s.identity());
    s.userPrincipalName().ifPresent(v -> o.put("userPrincipalName", v));
    s.appId().ifPresent(v -> o.put("appId", v));
    s.appDisplayName().ifPresent(v -> o.put("appDisplayName", v));
    s.ipAddress().ifPresent(v -> o.put("ipAddress", v));
    s.city().ifPresent(v -> o.put("city", v));
    s.countryOrRegion().ifPresent(v -> o.put("countryOrRegion", v));
    o.put("result", s.result());
    o.put("errorCode", s.errorCode());
    s.failureReason().ifPresent(v -> o.put("failureReason", v));
    s.conditionalAccessStatus().ifPresent(v -> o.put("conditionalAccessStatus", v));
    o.set("eventTypes", strings(s.eventTypes()));
    return o;
  }

  private static ObjectNode custodyNode(Alert.Custody c) {
    ObjectNode o = NODES.objectNode();
    o.put("seq", c.seq());
    o.put("type", c.type());
    o.set("custodians", strings(c.custodians()));
    o.put("reason", c.reason());
    c.ticket().ifPresent(v -> o.put("ticket", v));
    return o;
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode a = NODES.arrayNode();
    values.forEach(a::add);
    return a;
  }

  /**
   * Reads what {@link #toJson} wrote.
   *
   * @throws DaemonException IO when the text is not an alert: not JSON, a field missing, of the
   *     wrong type, unknown, or with a value the alert cannot hold; the message names the field
   */
  public static Alert fromJson(String json) throws DaemonException {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw bad("not valid JSON (" + PrintableText.replaceUnprintable(firstLine(e.getOriginalMessage())) + ")");
    }
    if (root == null || !root.isObject()) {
      throw bad("expected a JSON object");
    }
    Reader r = new Reader(root, "", ALERT_FIELDS);
    Optional<JsonNode> signInNode = r.optObject("signIn");
    Optional<JsonNode> custodyNode = r.optObject("custody");
    Alert.SignIn s = null;
    if (signInNode.isPresent()) {
      s = readSignIn(new Reader(signInNode.get(), "signIn.", SIGN_IN_FIELDS));
    }
    Alert.Custody c = null;
    if (custodyNode.isPresent()) {
      c = readCustody(new Reader(custodyNode.get(), "custody.", CUSTODY_FIELDS));
    }
    return new Alert(
        r.text("id"),
        r.enumValue("kind", Alert.Kind.class),
        r.enumValue("severity", Alert.Severity.class),
        r.instant("raisedAt"),
        r.text("title"),
        r.optText("verdict"),
        Optional.ofNullable(s),
        Optional.ofNullable(c),
        r.texts("details"),
        r.integer("ledgerHeadSeq", Long.MIN_VALUE, Long.MAX_VALUE),
        r.text("ledgerHeadHash"));
  }

  private static Alert.SignIn readSignIn(Reader r) throws DaemonException {
    return new Alert.SignIn(
        r.text("id"),
        r.instant("time"),
        r.text("identity"),
        r.optText("userPrincipalName"),
        r.optText("appId"),
        r.optText("appDisplayName"),
        r.optText("ipAddress"),
        r.optText("city"),
        r.optText("countryOrRegion"),
        r.text("result"),
        (int) r.integer("errorCode", Integer.MIN_VALUE, Integer.MAX_VALUE),
        r.optText("failureReason"),
        r.optText("conditionalAccessStatus"),
        r.texts("eventTypes"));
  }

  private static Alert.Custody readCustody(Reader r) throws DaemonException {
    return new Alert.Custody(
        r.integer("seq", Long.MIN_VALUE, Long.MAX_VALUE),
        r.text("type"),
        r.texts("custodians"),
        r.text("reason"),
        r.optText("ticket"));
  }

  /** Reads the fields of one JSON object, naming each bad one with its path ("signIn.time"). */
  private static final class Reader {
    private final JsonNode node;
    private final String prefix;

    Reader(JsonNode node, String prefix, Set<String> known) throws DaemonException {
      this.node = node;
      this.prefix = prefix;
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!known.contains(name)) {
          throw bad("unknown field '" + PrintableText.replaceUnprintable(prefix + name) + "'");
        }
      }
    }

    private JsonNode required(String name) throws DaemonException {
      JsonNode v = node.get(name);
      if (v == null) {
        throw bad("missing field '" + prefix + name + "'");
      }
      return v;
    }

    String text(String name) throws DaemonException {
      JsonNode v = required(name);
      if (!v.isTextual()) {
        throw bad("field '" + prefix + name + "' must be a string");
      }
      return v.textValue();
    }

    Optional<String> optText(String name) throws DaemonException {
      return node.has(name) ? Optional.of(text(name)) : Optional.empty();
    }

    Optional<JsonNode> optObject(String name) throws DaemonException {
      JsonNode v = node.get(name);
      if (v == null) {
        return Optional.empty();
      }
      if (!v.isObject()) {
        throw bad("field '" + prefix + name + "' must be an object");
      }
      return Optional.of(v);
    }

    List<String> texts(String name) throws DaemonException {
      JsonNode v = required(name);
      if (!v.isArray()) {
        throw bad("field '" + prefix + name + "' must be an array of strings");
      }
      List<String> out = new ArrayList<>(v.size());
      for (JsonNode e : v) {
        if (!e.isTextual()) {
          throw bad("field '" + prefix + name + "' must be an array of strings");
        }
        out.add(e.textValue());
      }
      return out;
    }

    long integer(String name, long min, long max) throws DaemonException {
      JsonNode v = required(name);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
        throw bad("field '" + prefix + name + "' must be an integer"
            + (max == Integer.MAX_VALUE ? " of 32 bits" : " of 64 bits"));
      }
      return v.longValue();
    }

    Instant instant(String name) throws DaemonException {
      String s = text(name);
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e) {
        throw bad("field '" + prefix + name + "' is not an ISO-8601 UTC instant: '" + PrintableText.replaceUnprintable(abbreviate(s)) + "'");
      }
    }

    <E extends Enum<E>> E enumValue(String name, Class<E> type) throws DaemonException {
      String s = text(name);
      for (E e : type.getEnumConstants()) {
        if (e.name().equals(s)) {
          return e;
        }
      }
      throw bad("field '" + prefix + name + "' has unknown value '" + PrintableText.replaceUnprintable(abbreviate(s)) + "'");
    }
  }

  private static DaemonException bad(String what) {
    return new DaemonException(DaemonException.Reason.IO, "alert JSON: " + what);
  }

  private static String firstLine(String s) {
    return s == null ? "no detail" : abbreviate(s.strip().lines().findFirst().orElse(""));
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }

  /**
   * One short line for a person: syslog's MSG, a command's title, a chat message's fallback. For a
   * sign-in: {@code CRITICAL UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com 2026-11-25T10:00:00Z
   * from 203.0.113.7 (London, GB) result failure 50126}; otherwise the severity and the title. Text
   * from outside is passed through {@link dev.breakglass.custody.PrintableText#replaceUnprintable}.
   */
  public static String oneLine(Alert alert) {
    StringBuilder b = new StringBuilder();
    b.append(alert.severity().name()).append(' ');
    if (alert.kind() == Alert.Kind.SIGN_IN && alert.signIn().isPresent()) {
      Alert.SignIn s = alert.signIn().get();
      alert.verdict().ifPresent(v -> b.append(v).append(' '));
      b.append("sign-in: ").append(s.identity()).append(' ').append(s.time());
      s.ipAddress().ifPresent(ip -> b.append(" from ").append(ip));
      s.location().ifPresent(l -> b.append(" (").append(l).append(')'));
      b.append(" result ").append(s.result());
      if (s.errorCode() != 0) {
        b.append(' ').append(s.errorCode());
      }
      alert.custody().ifPresent(c -> b.append(" custody event ").append(c.seq()));
    } else {
      b.append(alert.title());
    }
    return PrintableText.replaceUnprintable(b.toString());
  }
}
