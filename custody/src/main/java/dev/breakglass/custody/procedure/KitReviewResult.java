package dev.breakglass.custody.procedure;

import dev.breakglass.custody.ledger.Event;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A recorded kit review.
 *
 * @param event the {@code kit-reviewed} event
 * @param checks one per check made, in the order they were made
 * @param findings what needs attention, one line each, in the order found (empty: the review passed)
 * @param keyAlarmRaised a key verification of this review raised a key alarm (a counter that went
 *     backwards, or moved in the safe)
 * @param fields the flat fields recorded with the event, in their recorded order
 */
public record KitReviewResult(Event event, List<Check> checks, List<String> findings, boolean keyAlarmRaised,
    Map<String, Object> fields) {
  public static final String PASS = "pass";
  public static final String FINDINGS = "findings";

  public KitReviewResult {
    Objects.requireNonNull(event, "event");
    checks = List.copyOf(checks);
    findings = List.copyOf(findings);
    fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
  }

  public boolean passed() {
    return findings.isEmpty();
  }

  /**
   * One check of a review, as one line for a person.
   *
   * @param kind what was checked: {@code seal}, {@code item}, {@code key}, {@code password}, {@code
   *     ca}, {@code posture}, {@code sign-ins} or {@code key-alarms}
   * @param subject the item, identity or area checked
   * @param line what was found, one line
   * @param findings what of it needs attention (empty when it is fine); one line each
   */
  public record Check(String kind, String subject, String line, List<String> findings) {
    public Check {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(subject, "subject");
      Objects.requireNonNull(line, "line");
      findings = List.copyOf(findings);
    }

    static Check ok(String kind, String subject, String line) {
      return new Check(kind, subject, line, List.of());
    }

    static Check finding(String kind, String subject, String line, String finding) {
      return new Check(kind, subject, line, List.of(finding));
    }
  }
}
