package dev.breakglass.custody.directory;

import java.time.Instant;
import java.util.Optional;

/**
 * A directory role assignment schedule ({@code /roleManagement/directory/roleAssignmentSchedules})
 * or eligibility schedule ({@code roleEligibilitySchedules}). Both lists hold schedules that have
 * not started yet, or are not in force: a schedule alone does not mean the principal holds the role
 * now ({@link #inForceAt}).
 *
 * @param eligible true for an eligibility schedule (must be activated before use)
 * @param roleDefinitionId the role's template id (Global Administrator: {@value
 *     #GLOBAL_ADMINISTRATOR})
 * @param assignmentType {@code Assigned} or {@code Activated} (assignments only)
 * @param memberType {@code Direct}, {@code Group} or {@code Inherited}
 * @param expirationType {@code noExpiration}, {@code afterDateTime}, {@code afterDuration} or
 *     {@code notSpecified}
 * @param endDateTime {@code scheduleInfo.expiration.endDateTime}
 * @param startDateTime {@code scheduleInfo.startDateTime}: a schedule starting later grants nothing
 *     until then
 * @param status {@code Provisioned} for a schedule in force; others ({@code Granted}, {@code
 *     PendingProvisioning}, {@code ScheduleCreated}, …) are on their way or were stopped
 */
public record RoleSchedule(
    String id,
    boolean eligible,
    String roleDefinitionId,
    String principalId,
    String directoryScopeId,
    Optional<String> assignmentType,
    String memberType,
    String expirationType,
    Optional<Instant> endDateTime,
    Optional<Instant> startDateTime,
    Optional<String> status) {
  public static final String GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
  public static final String PROVISIONED = "Provisioned";

  /**
   * Whether the principal holds the role at {@code now} through this schedule: an assignment, not
   * an eligibility; provisioned (when the status is known); started; not ended.
   */
  public boolean inForceAt(Instant now) {
    return !eligible
        && status.map(PROVISIONED::equalsIgnoreCase).orElse(true)
        && startDateTime.map(s -> !s.isAfter(now)).orElse(true)
        && ("noExpiration".equalsIgnoreCase(expirationType) || endDateTime.map(e -> e.isAfter(now)).orElse(true));
  }
}
