package dev.breakglass.custody.directory;

import java.util.Set;

/**
 * A Conditional Access policy's user conditions ({@code /identity/conditionalAccess/policies}).
 *
 * @param state {@code enabled}, {@code disabled} or {@code enabledForReportingButNotEnforced}
 * @param includeUsers user ids, or {@code All}, {@code None}, {@code GuestsOrExternalUsers}
 * @param includeRoles directory role template ids
 */
public record ConditionalAccessPolicy(
    String id,
    String displayName,
    String state,
    Set<String> includeUsers,
    Set<String> excludeUsers,
    Set<String> includeGroups,
    Set<String> excludeGroups,
    Set<String> includeRoles,
    Set<String> excludeRoles) {
  public ConditionalAccessPolicy {
    includeUsers = Set.copyOf(includeUsers);
    excludeUsers = Set.copyOf(excludeUsers);
    includeGroups = Set.copyOf(includeGroups);
    excludeGroups = Set.copyOf(excludeGroups);
    includeRoles = Set.copyOf(includeRoles);
    excludeRoles = Set.copyOf(excludeRoles);
  }
}
