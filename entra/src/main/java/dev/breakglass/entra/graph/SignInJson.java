package dev.breakglass.entra.graph;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakglass.custody.PrintableText;
import dev.breakglass.entra.SignInBatch;
import dev.breakglass.entra.SignInRecord;
import dev.breakglass.entra.SkippedSignIn;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Reads sign-in objects as Graph's beta {@code /auditLogs/signIns} writes them (and as the Entra
 * admin center's JSON download writes them, see {@link dev.breakglass.entra.SignInExport}) and
 * gathers them into a {@link SignInBatch}: readable ones oldest first and de-duplicated by id (the
 * first one read wins), unreadable ones as {@link SkippedSignIn}s with every problem found.
 *
 * <p>Each object is checked field by field, strictly: a field the kit reads that has the wrong JSON
 * type makes the record unreadable rather than silently empty, since a record that cannot be read
 * is reported, and a wrong guess (a user's sign-in read as nobody's) would hide it. Required: {@code
 * id}, {@code createdDateTime} (ISO 8601 with an offset, or without one read as UTC as both Graph and
 * the admin center's downloads use UTC), {@code status.errorCode} (a 32-bit whole number, or a string
 * of digits). Optional, {@code null} or {@code ""} meaning absent: {@code userId, userPrincipalName,
 * appId, appDisplayName, servicePrincipalId, ipAddress, location.city, location.countryOrRegion,
 * status.failureReason, conditionalAccessStatus, isInteractive, signInEventTypes}.
 *
 * <p>When {@code signInEventTypes} is absent (the admin center's download may leave it out; Graph
 * beta always sends it) it is derived only where the other fields leave no doubt: a sign-in with a
 * {@code userId} is {@code interactiveUser} or {@code nonInteractiveUser} by {@code isInteractive}
 * (neither when that is absent too); one without a {@code userId} but with a {@code
 * servicePrincipalId} is {@code managedIdentity} when {@code managedServiceIdentity.msiType} says
 * {@code systemAssigned} or {@code userAssigned}, else {@code servicePrincipal}; anything else gets
 * none. {@code isInteractive}, when absent, is whether the types include {@code interactiveUser}.
 *
 * <p>Not thread-safe: one reader per read.
 */
public final class SignInJson {
  /** Values quoted in a problem are cut to this, so that one long value cannot crowd out the rest. */
  static final int QUOTED = 40;

  private final Map<String, SignInRecord> byId = new LinkedHashMap<>();
  private final List<SkippedSignIn> skipped = new ArrayList<>();
  private final Set<SkippedSignIn> skippedWithId = new HashSet<>();

  /** Reads one item of a sign-in list: a sign-in, or why it is not one. */
  public void add(JsonNode item) {
    Objects.requireNonNull(item, "item");
    if (!item.isObject()) {
      skip(Optional.empty(), Optional.empty(), "the item is " + kind(item) + ", not a sign-in object");
      return;
    }
    List<String> problems = new ArrayList<>();
    Optional<String> id = id(item.get("id"), problems);
    Optional<Instant> created = createdDateTime(item.get("createdDateTime"), problems);
    JsonNode status = object(item, "status", "status", problems);
    Integer errorCode = null;
    if (status == null) {
      if (!item.hasNonNull("status")) {
        problems.add("no status");
      }
    } else {
      errorCode = errorCode(status.get("errorCode"), problems);
    }
    JsonNode location = object(item, "location", "location", problems);
    Optional<String> userId = text(item, "userId", "userId", problems);
    Optional<String> upn = text(item, "userPrincipalName", "userPrincipalName", problems);
    Optional<String> appId = text(item, "appId", "appId", problems);
    Optional<String> appName = text(item, "appDisplayName", "appDisplayName", problems);
    Optional<String> spId = text(item, "servicePrincipalId", "servicePrincipalId", problems);
    Optional<String> ip = text(item, "ipAddress", "ipAddress", problems);
    Optional<String> city = text(location, "city", "location.city", problems);
    Optional<String> country = text(location, "countryOrRegion", "location.countryOrRegion", problems);
    Optional<String> failure = text(status, "failureReason", "status.failureReason", problems);
    Optional<String> ca = text(item, "conditionalAccessStatus", "conditionalAccessStatus", problems);
    Optional<Boolean> interactive = bool(item.get("isInteractive"), "isInteractive", problems);
    Optional<List<String>> types = eventTypes(item.get("signInEventTypes"), problems);
    if (!problems.isEmpty()) {
      skip(id, created, String.join("; ", problems));
      return;
    }
    List<String> eventTypes = types.orElseGet(() -> derivedTypes(item, userId, spId, interactive));
    SignInRecord record = new SignInRecord(id.orElseThrow(), created.orElseThrow(), userId, upn, appId, appName,
        spId, ip, city, country, errorCode, failure, ca, eventTypes,
        interactive.orElse(eventTypes.contains("interactiveUser")));
    byId.putIfAbsent(record.id(), record);
  }

  /** What has been read so far. */
  public SignInBatch batch() {
    List<SignInRecord> signIns = new ArrayList<>(byId.values());
    signIns.sort(Comparator.comparing(SignInRecord::createdDateTime).thenComparing(SignInRecord::id));
    return new SignInBatch(signIns, skipped);
  }

  private void skip(Optional<String> id, Optional<Instant> created, String problem) {
    SkippedSignIn s = new SkippedSignIn(id, created, problem);
    // The same unreadable record on two pages (or in two queries) is reported once; records without
    // an id cannot be told apart, so each is reported.
    if (id.isEmpty() || skippedWithId.add(s)) {
      skipped.add(s);
    }
  }

  private static Optional<String> id(JsonNode v, List<String> problems) {
    if (absent(v)) {
      problems.add("no id");
      return Optional.empty();
    }
    if (!v.isTextual()) {
      problems.add("id is " + kind(v) + ", not a string");
      return Optional.empty();
    }
    String id = v.textValue();
    if (id.length() > SkippedSignIn.MAX_ID || id.codePoints().anyMatch(PrintableText::unprintable)) {
      problems.add("id is not printable text of at most " + SkippedSignIn.MAX_ID + " characters");
      return Optional.empty();
    }
    return Optional.of(id);
  }

  private static Optional<Instant> createdDateTime(JsonNode v, List<String> problems) {
    if (absent(v)) {
      problems.add("no createdDateTime");
      return Optional.empty();
    }
    if (!v.isTextual()) {
      problems.add("createdDateTime is " + kind(v) + ", not a string");
      return Optional.empty();
    }
    Optional<Instant> t = instant(v.textValue());
    if (t.isEmpty()) {
      problems.add("createdDateTime " + quote(v.textValue()) + " is not an ISO 8601 date and time");
    }
    return t;
  }

  /**
   * An ISO 8601 date and time: with an offset ({@code 2026-11-20T10:00:00Z}, {@code …+00:00}, up to
   * nanoseconds, as Graph sends it), or without one, read as UTC (as Kiota does; the admin center's
   * downloads are in UTC).
   */
  static Optional<Instant> instant(String text) {
    String t = text.strip();
    try {
      return Optional.of(OffsetDateTime.parse(t).toInstant());
    } catch (DateTimeParseException e) {
      try {
        return Optional.of(LocalDateTime.parse(t).toInstant(ZoneOffset.UTC));
      } catch (DateTimeParseException e2) {
        return Optional.empty();
      }
    }
  }

  private static Integer errorCode(JsonNode v, List<String> problems) {
    if (absent(v)) {
      problems.add("no status.errorCode");
      return null;
    }
    if (v.isIntegralNumber() && v.canConvertToInt()) {
      return v.intValue();
    }
    if (v.isTextual() && v.textValue().strip().matches("-?[0-9]{1,10}")) {
      try {
        return Integer.valueOf(v.textValue().strip());
      } catch (NumberFormatException e) {
        // too large: reported below
      }
    }
    // Kiota would wrap 4294967296 round to 0, which reads as a successful sign-in: refused instead.
    problems.add("status.errorCode " + (v.isNumber() || v.isTextual() ? quote(v.asText()) + " is not a 32-bit whole"
        + " number" : "is " + kind(v) + ", not a number"));
    return null;
  }

  /** The object at {@code name}, or null when absent; a problem when it is something else. */
  private static JsonNode object(JsonNode parent, String name, String label, List<String> problems) {
    JsonNode v = parent.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isObject()) {
      problems.add(label + " is " + kind(v) + ", not an object");
      return null;
    }
    return v;
  }

  private static Optional<String> text(JsonNode parent, String name, String label, List<String> problems) {
    JsonNode v = parent == null ? null : parent.get(name);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      problems.add(label + " is " + kind(v) + ", not a string");
      return Optional.empty();
    }
    return v.textValue().isBlank() ? Optional.empty() : Optional.of(v.textValue());
  }

  private static Optional<Boolean> bool(JsonNode v, String label, List<String> problems) {
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isBoolean()) {
      problems.add(label + " is " + kind(v) + ", not true or false");
      return Optional.empty();
    }
    return Optional.of(v.booleanValue());
  }

  /** The types as sent; empty when absent (then derived). */
  private static Optional<List<String>> eventTypes(JsonNode v, List<String> problems) {
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isArray()) {
      problems.add("signInEventTypes is " + kind(v) + ", not a list");
      return Optional.empty();
    }
    List<String> out = new ArrayList<>();
    for (JsonNode t : v) {
      if (!t.isTextual()) {
        problems.add("signInEventTypes has " + kind(t) + ", not a string");
        return Optional.empty();
      }
      if (!t.textValue().isBlank()) {
        out.add(t.textValue());
      }
    }
    return Optional.of(out);
  }

  private static List<String> derivedTypes(JsonNode item, Optional<String> userId, Optional<String> spId,
      Optional<Boolean> interactive) {
    if (userId.isPresent()) {
      return interactive.map(i -> List.of(i ? "interactiveUser" : "nonInteractiveUser")).orElse(List.of());
    }
    if (spId.isPresent()) {
      String msi = item.path("managedServiceIdentity").path("msiType").asText("");
      return List.of(msi.equals("systemAssigned") || msi.equals("userAssigned") ? "managedIdentity"
          : "servicePrincipal");
    }
    return List.of();
  }

  private static boolean absent(JsonNode v) {
    return v == null || v.isNull() || (v.isTextual() && v.textValue().isBlank());
  }

  static String kind(JsonNode v) {
    return switch (v.getNodeType()) {
      case ARRAY -> "a list";
      case OBJECT -> "an object";
      case NUMBER -> "a number";
      case BOOLEAN -> "true or false";
      case STRING -> "a string";
      case NULL -> "null";
      default -> "a " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** {@code 'value'}, cut to {@value #QUOTED} characters; SkippedSignIn makes it printable. */
  private static String quote(String value) {
    if (value.length() <= QUOTED) {
      return "'" + value + "'";
    }
    int end = Character.isHighSurrogate(value.charAt(QUOTED - 2)) ? QUOTED - 2 : QUOTED - 1;
    return "'" + value.substring(0, end) + "…'";
  }

}
