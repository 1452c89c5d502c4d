package dev.breakglass.custody.ledger;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Open an unlock session: the time during which a break-glass identity may be used, so that the
 * vault-daemon reports its sign-ins as {@code EXPECTED} (or {@code DRILL}) rather than {@code
 * UNEXPLAINED}.
 *
 * @param identity the identity's UPN or app client id
 * @param by the custodian opening it
 * @param witness the second custodian present
 * @param reason the incident, in words; required
 * @param ticket an incident or change ticket
 * @param drill a rehearsal: its sign-ins are reported as {@code DRILL}
 * @param expectedDuration how long it should stay open (1 minute to 7 days); past that, it is overdue
 */
public record SessionRequest(
    String identity,
    String by,
    Optional<String> witness,
    String reason,
    Optional<String> ticket,
    boolean drill,
    Duration expectedDuration) {
  public static final Duration LONGEST = Duration.ofDays(7);

  public SessionRequest {
    identity = Text.required("identity", identity, 256);
    by = Text.required("custodian (--by)", by, 100);
    witness = Text.optional("witness", witness, 100);
    reason = Text.required("reason", reason, 2000);
    ticket = Text.optional("ticket", ticket, 200);
    Objects.requireNonNull(expectedDuration, "expectedDuration");
    if (expectedDuration.compareTo(Duration.ofMinutes(1)) < 0 || expectedDuration.compareTo(LONGEST) > 0) {
      throw new IllegalArgumentException("expected duration " + expectedDuration.toMinutes()
          + " minutes is out of range: give 1 minute to 7 days");
    }
  }
}
