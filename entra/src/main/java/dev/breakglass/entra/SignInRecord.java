package dev.breakglass.entra;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One sign-in from the Entra ID sign-in log ({@code /beta/auditLogs/signIns}), with what a
 * break-glass watcher needs to raise and explain an alert. Graph's empty strings (e.g. {@code
 * servicePrincipalId} on a user's sign-in) are empty here.
 *
 * @param id the sign-in's id: stable, so repeated polls de-duplicate by it
 * @param userId the user's object id; empty for a service principal's sign-in
 * @param appId the client id of the app signed in to (for a service principal: its own)
 * @param city from {@code location.city}
 * @param countryOrRegion from {@code location.countryOrRegion}, an ISO 3166 code such as {@code GB}
 * @param errorCode {@code status.errorCode}: 0 for success, otherwise an AADSTS code such as 50126
 * @param failureReason {@code status.failureReason}, for a failed sign-in
 * @param conditionalAccessStatus {@code success}, {@code failure}, {@code notApplied} or {@code
 *     unknownFutureValue}
 * @param signInEventTypes {@code interactiveUser}, {@code nonInteractiveUser}, {@code
 *     servicePrincipal}, {@code managedIdentity}
 */
public record SignInRecord(
    String id,
    Instant createdDateTime,
    Optional<String> userId,
    Optional<String> userPrincipalName,
    Optional<String> appId,
    Optional<String> appDisplayName,
    Optional<String> servicePrincipalId,
    Optional<String> ipAddress,
    Optional<String> city,
    Optional<String> countryOrRegion,
    int errorCode,
    Optional<String> failureReason,
    Optional<String> conditionalAccessStatus,
    List<String> signInEventTypes,
    boolean isInteractive) {
  public SignInRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(createdDateTime, "createdDateTime");
    signInEventTypes = List.copyOf(signInEventTypes);
  }

  /** Entra ID let the sign-in through ({@code status.errorCode} 0). */
  public boolean succeeded() {
    return errorCode == 0;
  }
}
