package dev.breakglass.custody.directory;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the directory. Implementations page through every result, retry throttling and
 * unavailability as the directory asks, and never return null.
 */
public interface DirectoryReader {
  /** A user by object id or user principal name; empty if there is none. */
  Optional<DirectoryUser> user(String idOrUpn) throws DirectoryException;

  List<Domain> domains() throws DirectoryException;

  List<ConditionalAccessPolicy> conditionalAccessPolicies() throws DirectoryException;

  /** The ids of every group the user is a member of, directly or through other groups. */
  Set<String> transitiveGroupIds(String userId) throws DirectoryException;

  /** Role assignment and eligibility schedules of a principal (both kinds). */
  List<RoleSchedule> roleSchedules(String principalId) throws DirectoryException;

  List<AuthMethod> authenticationMethods(String userId) throws DirectoryException;

  /** The tenant's FIDO2 security key policy. */
  Fido2Policy fido2Policy() throws DirectoryException;

  /** An app registration by its client id, with its key and password credentials; empty if none. */
  Optional<AppRegistration> application(String appId) throws DirectoryException;
}
