package dev.breakglass.custody.posture;

import dev.breakglass.custody.directory.AppRegistration;
import dev.breakglass.custody.directory.AuthMethod;
import dev.breakglass.custody.directory.ConditionalAccessPolicy;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.directory.DirectoryUser;
import dev.breakglass.custody.directory.Domain;
import dev.breakglass.custody.directory.Fido2Policy;
import dev.breakglass.custody.directory.RoleSchedule;
import dev.breakglass.custody.ledger.Fixture;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * An in-memory tenant for posture tests: what a test puts in is what the reader returns, and a
 * test can make any one call fail as the Graph adapter would ({@link #fail}).
 */
final class FakeDirectory implements DirectoryReader {
  private final Map<String, DirectoryUser> users = new LinkedHashMap<>();
  final List<Domain> domains = new ArrayList<>();
  final List<ConditionalAccessPolicy> policies = new ArrayList<>();
  final Map<String, Set<String>> groups = new HashMap<>();
  final Map<String, List<RoleSchedule>> roles = new HashMap<>();
  final Map<String, List<AuthMethod>> methods = new HashMap<>();
  final Map<String, AppRegistration> apps = new HashMap<>();
  Fido2Policy fido2 = fido2Policy("enabled");
  private final Map<String, DirectoryException> failures = new HashMap<>();
  private final Map<String, Integer> calls = new HashMap<>();

  /** Adds or replaces a user (found by object id or UPN, ignoring case). */
  FakeDirectory user(DirectoryUser u) {
    users.values().removeIf(x -> x.id().equalsIgnoreCase(u.id()));
    users.put(u.id().toLowerCase(Locale.ROOT), u);
    return this;
  }

  void removeUser(String id) {
    users.remove(id.toLowerCase(Locale.ROOT));
  }

  DirectoryUser userById(String id) {
    return users.get(id.toLowerCase(Locale.ROOT));
  }

  /** Makes every later call of {@code method} (a {@link DirectoryReader} method name) throw {@code e}. */
  void fail(String method, DirectoryException e) {
    failures.put(method, e);
  }

  int calls(String method) {
    return calls.getOrDefault(method, 0);
  }

  private void call(String method) throws DirectoryException {
    calls.merge(method, 1, Integer::sum);
    DirectoryException e = failures.get(method);
    if (e != null) {
      throw e;
    }
  }

  @Override
  public Optional<DirectoryUser> user(String idOrUpn) throws DirectoryException {
    call("user");
    return users.values().stream()
        .filter(u -> u.id().equalsIgnoreCase(idOrUpn) || u.userPrincipalName().equalsIgnoreCase(idOrUpn))
        .findFirst();
  }

  @Override
  public List<Domain> domains() throws DirectoryException {
    call("domains");
    return List.copyOf(domains);
  }

  @Override
  public List<ConditionalAccessPolicy> conditionalAccessPolicies() throws DirectoryException {
    call("conditionalAccessPolicies");
    return List.copyOf(policies);
  }

  @Override
  public Set<String> transitiveGroupIds(String userId) throws DirectoryException {
    call("transitiveGroupIds");
    return Set.copyOf(groups.getOrDefault(userId, Set.of()));
  }

  @Override
  public List<RoleSchedule> roleSchedules(String principalId) throws DirectoryException {
    call("roleSchedules");
    return List.copyOf(roles.getOrDefault(principalId, List.of()));
  }

  @Override
  public List<AuthMethod> authenticationMethods(String userId) throws DirectoryException {
    call("authenticationMethods");
    return List.copyOf(methods.getOrDefault(userId, List.of()));
  }

  @Override
  public Fido2Policy fido2Policy() throws DirectoryException {
    call("fido2Policy");
    return fido2;
  }

  @Override
  public Optional<AppRegistration> application(String appId) throws DirectoryException {
    call("application");
    return Optional.ofNullable(apps.get(appId));
  }

  // --- builders --------------------------------------------------------------------------------------

  /** A FIDO2 policy in the given state, with attestation enforced and no key restrictions. */
  static Fido2Policy fido2Policy(String state) {
    return new Fido2Policy(state, true, false, "block", Set.of());
  }

  /** An enabled FIDO2 policy enforcing an allow or block list of models. */
  static Fido2Policy fido2Restricted(String enforcementType, UUID... aaguids) {
    return new Fido2Policy("enabled", true, true, enforcementType, Set.of(aaguids));
  }

  /** A cloud-only, enabled user whose password was last changed at {@code passwordChanged}. */
  static DirectoryUser cloudUser(String id, String upn, Instant passwordChanged) {
    return new DirectoryUser(id, upn, Optional.of(upn.substring(0, upn.indexOf('@'))), true, Optional.empty(),
        Optional.of(passwordChanged));
  }

  static Domain domain(String name, String authenticationType) {
    return new Domain(name, authenticationType, true, name.endsWith(".onmicrosoft.com"));
  }

  /** A policy in the given state; add its conditions with the builder's methods. */
  static Policy policy(String name, String state) {
    return new Policy(name, state);
  }

  /** Builds a {@link ConditionalAccessPolicy}; every set starts empty. */
  static final class Policy {
    private final String name;
    private final String state;
    private final Set<String> includeUsers = new LinkedHashSet<>();
    private final Set<String> excludeUsers = new LinkedHashSet<>();
    private final Set<String> includeGroups = new LinkedHashSet<>();
    private final Set<String> excludeGroups = new LinkedHashSet<>();
    private final Set<String> includeRoles = new LinkedHashSet<>();
    private final Set<String> excludeRoles = new LinkedHashSet<>();

    private Policy(String name, String state) {
      this.name = name;
      this.state = state;
    }

    Policy includeUsers(String... ids) {
      includeUsers.addAll(List.of(ids));
      return this;
    }

    Policy excludeUsers(String... ids) {
      excludeUsers.addAll(List.of(ids));
      return this;
    }

    Policy includeGroups(String... ids) {
      includeGroups.addAll(List.of(ids));
      return this;
    }

    Policy excludeGroups(String... ids) {
      excludeGroups.addAll(List.of(ids));
      return this;
    }

    Policy includeRoles(String... ids) {
      includeRoles.addAll(List.of(ids));
      return this;
    }

    Policy excludeRoles(String... ids) {
      excludeRoles.addAll(List.of(ids));
      return this;
    }

    ConditionalAccessPolicy build() {
      return new ConditionalAccessPolicy(UUID.nameUUIDFromBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8))
          .toString(), name, state, includeUsers, excludeUsers, includeGroups, excludeGroups, includeRoles,
          excludeRoles);
    }
  }

  /** When the fixture's role schedules started: well before the ledger's setup. */
  static final Instant ASSIGNED = Fixture.START.minus(Duration.ofDays(30));

  /** Global Administrator as Microsoft asks for break-glass accounts: active, permanent, direct. */
  static RoleSchedule permanentGlobalAdmin(String userId) {
    return new RoleSchedule("ga-" + userId, false, RoleSchedule.GLOBAL_ADMINISTRATOR, userId, "/",
        Optional.of("Assigned"), "Direct", "noExpiration", Optional.empty(), Optional.of(ASSIGNED),
        Optional.of("Provisioned"));
  }

  /** As {@link #permanentGlobalAdmin} in every way but when it starts and its status. */
  static RoleSchedule scheduledGlobalAdmin(String userId, Optional<Instant> start, Optional<String> status) {
    return new RoleSchedule("ga-scheduled-" + userId, false, RoleSchedule.GLOBAL_ADMINISTRATOR, userId, "/",
        Optional.of("Assigned"), "Direct", "noExpiration", Optional.empty(), start, status);
  }

  static RoleSchedule eligibleGlobalAdmin(String userId) {
    return new RoleSchedule("ga-eligible-" + userId, true, RoleSchedule.GLOBAL_ADMINISTRATOR, userId, "/",
        Optional.empty(), "Direct", "noExpiration", Optional.empty(), Optional.of(ASSIGNED),
        Optional.of("Provisioned"));
  }

  static RoleSchedule timeBoundGlobalAdmin(String userId, Instant end) {
    return new RoleSchedule("ga-until-" + userId, false, RoleSchedule.GLOBAL_ADMINISTRATOR, userId, "/",
        Optional.of("Assigned"), "Direct", "afterDateTime", Optional.of(end), Optional.of(ASSIGNED),
        Optional.of("Provisioned"));
  }

  static RoleSchedule groupGlobalAdmin(String userId) {
    return new RoleSchedule("ga-group-" + userId, false, RoleSchedule.GLOBAL_ADMINISTRATOR, userId, "/",
        Optional.of("Assigned"), "Group", "noExpiration", Optional.empty(), Optional.of(ASSIGNED),
        Optional.of("Provisioned"));
  }

  static AuthMethod fido2(String id, UUID aaguid) {
    return new AuthMethod(id, "fido2AuthenticationMethod", Optional.of("YubiKey 5 NFC"), Optional.of(aaguid));
  }

  static AuthMethod password() {
    return new AuthMethod("28c10230-6103-485e-b985-444c60001490", "passwordAuthenticationMethod", Optional.empty(),
        Optional.empty());
  }

  static AuthMethod sms(String id) {
    return new AuthMethod(id, "phoneAuthenticationMethod", Optional.of("+44 7700 900123"), Optional.empty());
  }

  /**
   * A certificate credential as Graph returns it on a {@code $select=keyCredentials} read: with
   * {@code key} (here any bytes standing for the DER: posture hashes them, it does not parse them)
   * and {@code customKeyIdentifier} defaulted to their SHA-1.
   */
  static AppRegistration.KeyCredential certificate(String keyId, byte[] der, Instant start, Instant end) {
    return new AppRegistration.KeyCredential(keyId, "AsymmetricX509Cert", "Verify", Optional.of("CN=" + keyId),
        Optional.of(sha1(der)), Optional.of(start), Optional.of(end), Optional.of(der.clone()));
  }

  /**
   * A certificate credential whose {@code key} Graph did not return, with whatever {@code
   * customKeyIdentifier} whoever added it chose.
   */
  static AppRegistration.KeyCredential keyless(String keyId, String customKeyIdentifier, Optional<Instant> end) {
    return new AppRegistration.KeyCredential(keyId, "AsymmetricX509Cert", "Verify", Optional.of("CN=" + keyId),
        Optional.of(customKeyIdentifier), Optional.empty(), end, Optional.empty());
  }

  /** Upper-case hex, as the ledger records thumbprints. */
  static String sha1(byte[] der) {
    try {
      return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-1").digest(der));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static AppRegistration.PasswordCredential secret(String keyId, Instant end) {
    return new AppRegistration.PasswordCredential(keyId, Optional.of("ci-secret"), Optional.empty(), Optional.of(end));
  }
}
