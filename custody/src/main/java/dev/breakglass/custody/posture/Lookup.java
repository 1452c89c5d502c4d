package dev.breakglass.custody.posture;

import dev.breakglass.custody.directory.DirectoryException;
import java.util.Objects;

/**
 * One directory read, made at most once and shared by the checks that need it (a user's role
 * schedules serve both the role check and the Conditional Access check; the policies serve every
 * user).
 *
 * <p>What a failure means depends on its reason. A failure of the connection itself
 * (UNAUTHENTICATED, CONFIG, IO, UNAVAILABLE) is rethrown: the run stops, because every later read
 * would fail the same way and a report of half-made checks is worse than a clear error. A refusal
 * of this one read (FORBIDDEN, LICENCE, NOT_FOUND, BAD_RESPONSE, REJECTED) becomes {@link
 * NotChecked}, which fails only the checks that needed it, with the permission to grant as the fix.
 */
final class Lookup<T> {
  /** The call to make. */
  @FunctionalInterface
  interface Call<T> {
    T call() throws DirectoryException;
  }

  /** What is read, and the least-privileged Graph application permission that reads it. */
  enum Source {
    USER("the user", "User.Read.All"),
    DOMAINS("the tenant's domains", "Domain.Read.All"),
    CONDITIONAL_ACCESS("Conditional Access policies", "Policy.Read.All"),
    GROUPS("the user's group memberships", "GroupMember.Read.All"),
    ROLES("the role assignment and eligibility schedules", "RoleManagement.Read.Directory"),
    METHODS("the user's authentication methods", "UserAuthenticationMethod.Read.All"),
    // Microsoft's current page names Policy.Read.AuthenticationMethod; older ones Policy.Read.All.
    FIDO2_POLICY("the FIDO2 security key policy", "Policy.Read.AuthenticationMethod (or Policy.Read.All)"),
    APPLICATION("the app registration", "Application.Read.All");

    final String what;
    final String permission;

    Source(String what, String permission) {
      this.what = what;
      this.permission = permission;
    }
  }

  private final Source source;
  private final Call<T> call;
  private boolean done;
  private T value;
  private DirectoryException refused;

  Lookup(Source source, Call<T> call) {
    this.source = Objects.requireNonNull(source, "source");
    this.call = Objects.requireNonNull(call, "call");
  }

  T get() throws DirectoryException, NotChecked {
    if (!done) {
      try {
        value = call.call();
      } catch (DirectoryException e) {
        if (stopsTheRun(e)) {
          throw e;
        }
        refused = e;
      }
      done = true;
    }
    if (refused != null) {
      throw notChecked(source, refused);
    }
    return value;
  }

  /**
   * Any other reason (FORBIDDEN, LICENCE, NOT_FOUND, BAD_RESPONSE, REJECTED, and reasons added
   * later) fails only the checks that needed the read: still a FAIL, never a silent pass.
   */
  static boolean stopsTheRun(DirectoryException e) {
    return switch (e.reason()) {
      case UNAUTHENTICATED, CONFIG, IO, UNAVAILABLE -> true;
      default -> false;
    };
  }

  static NotChecked notChecked(Source source, DirectoryException e) {
    String evidence = "cannot read " + source.what + ": " + e.getMessage();
    String fix = switch (e.reason()) {
      case FORBIDDEN -> "grant the Microsoft Graph application permission " + source.permission
          + " to the app bg posture signs in as (Entra admin centre > App registrations > the app > API permissions"
          + " > Add a permission, then Grant admin consent), or sign in as an admin who can read it";
      case LICENCE -> "this read needs a Microsoft Entra ID P1 or P2 licence in the tenant";
      case NOT_FOUND -> "the object disappeared while it was read: run bg posture again";
      default -> "run bg posture again; if it repeats, report the message above";
    };
    return new NotChecked(evidence, fix);
  }
}
