package dev.breakglass.custody.directory;

import java.time.Instant;
import java.util.Optional;

/**
 * A user as Graph returns it ({@code /users/{id}}).
 *
 * @param id the object id
 * @param onPremisesSyncEnabled true for an account synced from on-premises AD; absent for cloud-only
 * @param lastPasswordChangeDateTime when the password was last set
 */
public record DirectoryUser(
    String id,
    String userPrincipalName,
    Optional<String> displayName,
    boolean accountEnabled,
    Optional<Boolean> onPremisesSyncEnabled,
    Optional<Instant> lastPasswordChangeDateTime) {}
