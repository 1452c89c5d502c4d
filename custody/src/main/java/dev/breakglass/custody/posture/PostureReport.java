package dev.breakglass.custody.posture;

import dev.breakglass.custody.posture.PostureCheck.Status;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link Posture#check}: one row per check and subject, users first (in the
 * ledger's order), then apps, then the checks of the whole setup.
 *
 * @param checkedAt when the checks ran, by the clock given to {@link Posture#check}
 */
public record PostureReport(Instant checkedAt, List<PostureCheck> rows) {
  public PostureReport {
    Objects.requireNonNull(checkedAt, "checkedAt");
    rows = List.copyOf(rows);
  }

  /** How many rows came out {@code status}. */
  public int count(Status status) {
    return (int) rows.stream().filter(r -> r.status() == status).count();
  }

  /** Rows per status, every status present (zero where none). */
  public Map<Status, Integer> counts() {
    Map<Status, Integer> counts = new EnumMap<>(Status.class);
    for (Status s : Status.values()) {
      counts.put(s, count(s));
    }
    return Collections.unmodifiableMap(counts);
  }

  /** True when any row failed: {@code bg posture} then exits non-zero. */
  public boolean failed() {
    return count(Status.FAIL) > 0;
  }

  /** The row of one check for one subject (subjects compared ignoring case). */
  public Optional<PostureCheck> row(String check, String subject) {
    return rows.stream().filter(r -> r.check().equals(check) && r.subject().equalsIgnoreCase(subject)).findFirst();
  }
}
