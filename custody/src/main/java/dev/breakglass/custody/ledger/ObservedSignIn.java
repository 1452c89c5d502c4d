package dev.breakglass.custody.ledger;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A sign-in of a break-glass identity, judged, to be recorded as a {@code signin-observed} event.
 *
 * @param signInId Entra ID's id of the sign-in: the ledger records each id once
 * @param createdAt when Entra ID says it happened
 * @param identity the ledger's identity (UPN or app client id)
 * @param custodyEvent the session or check-out that explains it, for EXPECTED and DRILL
 * @param details the sign-in as logged (ip, location, app, error code, ...): flat strings, whole
 *     numbers and booleans, stored in the event as they are (names the event itself uses win)
 */
public record ObservedSignIn(
    String signInId,
    Instant createdAt,
    String identity,
    SignInVerdict verdict,
    Optional<Long> custodyEvent,
    boolean succeeded,
    Map<String, Object> details) {
  public ObservedSignIn {
    signInId = Text.required("sign-in id", signInId, 200);
    Objects.requireNonNull(createdAt, "createdAt");
    identity = Text.required("identity", identity, 256);
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(custodyEvent, "custodyEvent");
    if ((verdict == SignInVerdict.UNEXPLAINED) != custodyEvent.isEmpty()) {
      throw new IllegalArgumentException("a " + verdict + " sign-in " + (custodyEvent.isEmpty() ? "needs" : "has no")
          + " custody event");
    }
    details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    for (Map.Entry<String, Object> e : details.entrySet()) {
      Object v = e.getValue();
      if (!(v instanceof String || v instanceof Long || v instanceof Integer || v instanceof Boolean)) {
        throw new IllegalArgumentException("sign-in detail '" + e.getKey() + "' is not a string, number or boolean");
      }
    }
  }
}
