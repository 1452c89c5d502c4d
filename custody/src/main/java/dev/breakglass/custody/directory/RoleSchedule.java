package dev.breakglass.custody.directory;

import java.time.Instant;
import java.util.Optional;

/**
 * A directory role assignment schedule ({@code /roleManagement/directory/roleAssignmentSchedules})
 * or eligibility schedule ({@code roleEligibilitySchedules}).
 *
 * @param eligible true for an eligibility schedule (must be activated before use)
 * @param roleDefinitionId the role's template id (Global Administrator: {@value
 *     #GLOBAL_ADMINISTRATOR})
 * @param assignmentType {@code Assigned} or {@code Activated} (assignments only)
 * @param memberType {@code Direct}, {@code Group} or {@code Inherited}
 * @param expirationType {@code noExpiration}, {@code afterDateTime}, {@code afterDuration} or
 *     {@code notSpecified}
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
    Optional<Instant> endDateTime) {
  public static final String GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
}
