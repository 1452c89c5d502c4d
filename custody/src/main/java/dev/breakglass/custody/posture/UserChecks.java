package dev.breakglass.custody.posture;

import static dev.breakglass.custody.posture.Texts.at;
import static dev.breakglass.custody.posture.Texts.plural;
import static dev.breakglass.custody.posture.Texts.quoted;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.directory.AuthMethod;
import dev.breakglass.custody.directory.ConditionalAccessPolicy;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.directory.DirectoryUser;
import dev.breakglass.custody.directory.Domain;
import dev.breakglass.custody.directory.RoleSchedule;
import dev.breakglass.custody.ledger.FidoKey;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.ItemKind;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.PasswordRecord;
import dev.breakglass.custody.posture.Outcome.Findings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/** The checks of one break-glass user account, each a method; directory reads are shared. */
final class UserChecks {
  /**
   * How far the ledger's clock and Entra's may disagree (and how long the directory takes to
   * stamp a change the kit just made) before two times count as different.
   */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private static final String FIDO2 = "fido2AuthenticationMethod";
  private static final String PASSWORD = "passwordAuthenticationMethod";

  /**
   * Methods a break-glass account must not have, with how evidence names them and the Graph
   * collection that deletes one: each can be used, reset or phished through a phone, a person's
   * device or the helpdesk.
   */
  private static final Map<String, String[]> FORBIDDEN = forbidden();

  private static Map<String, String[]> forbidden() {
    Map<String, String[]> m = new LinkedHashMap<>();
    m.put("phoneAuthenticationMethod", new String[] {"phone (SMS/voice)", "phoneMethods"});
    m.put("microsoftAuthenticatorAuthenticationMethod", new String[] {"Microsoft Authenticator",
        "microsoftAuthenticatorMethods"});
    m.put("temporaryAccessPassAuthenticationMethod", new String[] {"temporary access pass",
        "temporaryAccessPassMethods"});
    m.put("softwareOathAuthenticationMethod", new String[] {"software OATH token", "softwareOathMethods"});
    m.put("emailAuthenticationMethod", new String[] {"email", "emailMethods"});
    return m;
  }

  private final Identity identity;
  private final DirectoryReader directory;
  private final Tenant tenant;
  private final Ledger ledger;
  private final Instant now;
  private final Lookup<Optional<DirectoryUser>> user;
  private Lookup<Set<String>> groups;
  private Lookup<List<RoleSchedule>> roles;
  private Lookup<List<AuthMethod>> methods;

  UserChecks(Identity identity, DirectoryReader directory, Tenant tenant, Ledger ledger, Instant now) {
    this.identity = identity;
    this.directory = directory;
    this.tenant = tenant;
    this.ledger = ledger;
    this.now = now;
    String key = identity.objectId().orElse(identity.ref());
    this.user = new Lookup<>(Lookup.Source.USER, () -> directory.user(key));
  }

  /** Whether the account exists and is enabled; empty when the directory would not say. */
  Optional<Boolean> usable() throws DirectoryException {
    try {
      return Optional.of(user.get().map(DirectoryUser::accountEnabled).orElse(false));
    } catch (NotChecked e) {
      return Optional.empty();
    }
  }

  // --- 1. cloud-only on *.onmicrosoft.com ---------------------------------------------------------

  Outcome cloudOnly() throws DirectoryException, NotChecked {
    Optional<DirectoryUser> found = user.get();
    if (found.isEmpty()) {
      return Outcome.fail("no user " + lookedUpAs() + " in Entra",
          "create it as a cloud-only account on the tenant's *.onmicrosoft.com domain (Entra admin centre >"
              + " Identity > Users > All users > New user > Create new user), or correct the identity in the ledger");
    }
    DirectoryUser u = found.get();
    String upn = u.userPrincipalName();
    String domain = upn.substring(upn.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    Findings f = new Findings();
    String recreate = "a break-glass account must not depend on on-premises AD or a federation service, which may be"
        + " what is down: create a cloud-only account on the tenant's *.onmicrosoft.com domain, move the custody"
        + " items to it, and retire this one";
    if (u.onPremisesSyncEnabled().orElse(false)) {
      f.fail("synced from on-premises Active Directory (onPremisesSyncEnabled = true)", recreate);
    }
    if (!domain.endsWith(".onmicrosoft.com")) {
      f.fail("UPN " + upn + " is not on a *.onmicrosoft.com domain", "change its UPN to the tenant's"
          + " *.onmicrosoft.com domain (Entra admin centre > Identity > Users > the user > Edit properties), then"
          + " record the new UPN in the ledger");
    }
    String authType = "?";
    try {
      Optional<Domain> d = tenant.domains().stream().filter(x -> x.id().equalsIgnoreCase(domain)).findFirst();
      if (d.isEmpty()) {
        f.warn("domain " + domain + " is not among the tenant's domains", "check the account's UPN");
      } else {
        authType = d.get().authenticationType();
        if (!"Managed".equalsIgnoreCase(authType)) {
          f.fail("domain " + domain + " is " + authType + ", not Managed: sign-in goes through the federation"
              + " service", recreate);
        }
      }
    } catch (NotChecked e) {
      f.fail("whether domain " + domain + " is Managed was not checked: " + e.evidence(), e.fix());
    }
    if (!upn.equalsIgnoreCase(identity.ref())) {
      f.warn("Entra's UPN is " + upn + " but the ledger records " + identity.ref() + ": alerts and exports that"
          + " match on the UPN miss the account", "record the account under its current UPN in the ledger");
    }
    return Outcome.of(f, "cloud-only (not synced) on " + domain + ", a " + authType + " domain");
  }

  Outcome enabled() throws DirectoryException, NotChecked {
    DirectoryUser u = require();
    if (u.accountEnabled()) {
      return Outcome.pass("the account is enabled");
    }
    return Outcome.fail("the account is disabled (accountEnabled = false): nobody can sign in with it",
        "enable it: Entra admin centre > Identity > Users > All users > the user > Edit properties > Settings >"
            + " Account enabled; or PATCH /v1.0/users/" + u.id() + " {\"accountEnabled\": true}");
  }

  // --- 2. excluded from every Conditional Access policy -------------------------------------------

  Outcome conditionalAccess() throws DirectoryException, NotChecked {
    DirectoryUser u = require();
    List<ConditionalAccessPolicy> policies = tenant.policies();
    if (policies.isEmpty()) {
      return Outcome.pass("the tenant has no Conditional Access policies");
    }
    String id = lower(u.id());
    // Group and role lookups cost requests per user; make them only if a policy names groups or roles.
    boolean byGroup = policies.stream().anyMatch(p -> !p.includeGroups().isEmpty() || !p.excludeGroups().isEmpty());
    boolean byRole = policies.stream().anyMatch(p -> !p.includeRoles().isEmpty() || !p.excludeRoles().isEmpty());
    Set<String> memberOf = byGroup ? lower(groups(u).get()) : Set.of();
    Set<String> holds = byRole ? activeRoles(u) : Set.of();
    List<String> enforced = new ArrayList<>();
    List<String> dormant = new ArrayList<>();
    List<String> indirect = new ArrayList<>();
    boolean anyViaGroup = false;
    boolean anyViaRole = false;
    int targeting = 0;
    for (ConditionalAccessPolicy p : policies) {
      boolean targeted = p.includeUsers().stream().anyMatch("All"::equalsIgnoreCase)
          || lower(p.includeUsers()).contains(id)
          || !common(p.includeGroups(), memberOf).isEmpty()
          || !common(p.includeRoles(), holds).isEmpty();
      if (!targeted) {
        continue;
      }
      targeting++;
      if (lower(p.excludeUsers()).contains(id)) {
        continue;
      }
      String label = quoted(p.displayName()) + " (" + state(p.state()) + ")";
      Set<String> viaGroups = common(p.excludeGroups(), memberOf);
      Set<String> viaRoles = common(p.excludeRoles(), holds);
      if (!viaGroups.isEmpty() || !viaRoles.isEmpty()) {
        List<String> via = new ArrayList<>();
        viaGroups.forEach(g -> via.add("group " + g));
        viaRoles.forEach(r -> via.add("role " + roleName(r)));
        anyViaGroup |= !viaGroups.isEmpty();
        anyViaRole |= !viaRoles.isEmpty();
        indirect.add(label + " through " + String.join(", ", via));
      } else if ("enabled".equalsIgnoreCase(p.state())) {
        enforced.add(label);
      } else {
        dormant.add(label);
      }
    }
    String fix = "exclude the account itself, not a group or role, from each: Entra admin centre > Protection >"
        + " Conditional Access > Policies > the policy > Users > Exclude > Users and groups; or PATCH"
        + " /v1.0/identity/conditionalAccess/policies/{id} with conditions.users.excludeUsers holding " + u.id()
        + " and the ids already there (the list is replaced)";
    Findings f = new Findings();
    List<String> notExcluded = new ArrayList<>(enforced);
    notExcluded.addAll(dormant);
    if (!enforced.isEmpty()) {
      f.fail("not excluded from " + plural(notExcluded.size(), "policy", "policies") + ": "
          + String.join(", ", notExcluded), fix);
    } else if (!dormant.isEmpty()) {
      f.warn("not excluded from " + plural(dormant.size(), "policy", "policies") + " not enforced now: "
          + String.join(", ", dormant) + "; switching one on would apply it to the account", fix);
    }
    if (!indirect.isEmpty()) {
      List<String> risk = new ArrayList<>();
      if (anyViaGroup) {
        risk.add("anyone who can change the group's members can re-include the account");
      }
      if (anyViaRole) {
        risk.add("a role exclusion lasts only while the account holds the role, and excludes every other holder");
      }
      f.warn("excluded only indirectly from " + plural(indirect.size(), "policy", "policies") + ": "
          + String.join(", ", indirect) + "; " + String.join("; ", risk), fix);
    }
    return Outcome.of(f, "excluded directly from every policy that targets it (" + targeting + " of "
        + plural(policies.size(), "policy", "policies") + ")");
  }

  private static String state(String state) {
    return "enabledForReportingButNotEnforced".equalsIgnoreCase(state) ? "report-only" : state;
  }

  /**
   * Role template ids the user holds now: assignments in force (eligible ones do not count until
   * activated, nor scheduled ones until they start).
   */
  private Set<String> activeRoles(DirectoryUser u) throws DirectoryException, NotChecked {
    return roles(u).get().stream().filter(s -> s.inForceAt(now)).map(s -> lower(s.roleDefinitionId()))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static String roleName(String templateId) {
    return templateId.equalsIgnoreCase(RoleSchedule.GLOBAL_ADMINISTRATOR) ? "Global Administrator" : templateId;
  }

  // --- 3. Global Administrator: permanent, active, direct -----------------------------------------

  Outcome globalAdministrator() throws DirectoryException, NotChecked {
    DirectoryUser u = require();
    List<RoleSchedule> ga = roles(u).get().stream()
        .filter(s -> s.roleDefinitionId().equalsIgnoreCase(RoleSchedule.GLOBAL_ADMINISTRATOR)).toList();
    String fix = "assign Global Administrator to the account itself as Active and permanent: Entra admin centre >"
        + " Identity governance > Privileged Identity Management > Microsoft Entra roles > Assignments > Add"
        + " assignments (assignment type Active, Permanently assigned); or POST"
        + " /v1.0/roleManagement/directory/roleAssignmentScheduleRequests {\"action\": \"adminAssign\","
        + " \"principalId\": \"" + u.id() + "\", \"roleDefinitionId\": \"" + RoleSchedule.GLOBAL_ADMINISTRATOR
        + "\", \"directoryScopeId\": \"/\", \"justification\": \"break-glass account\", \"scheduleInfo\":"
        + " {\"expiration\": {\"type\": \"noExpiration\"}}}";
    for (RoleSchedule s : ga) {
      if (permanent(s, now)) {
        return Outcome.pass("Global Administrator: active, permanent, direct assignment at scope / (schedule "
            + s.id() + ")");
      }
    }
    if (ga.isEmpty()) {
      return Outcome.fail("holds no Global Administrator assignment, active or eligible", fix);
    }
    List<String> found = new ArrayList<>();
    for (RoleSchedule s : ga) {
      if (s.eligible()) {
        found.add("eligible, not active (schedule " + s.id() + "): an activation needs PIM and MFA, which may be"
            + " down in an emergency");
        continue;
      }
      List<String> why = new ArrayList<>();
      s.status().filter(st -> !RoleSchedule.PROVISIONED.equalsIgnoreCase(st)).ifPresent(st -> why.add("not in force"
          + " (status " + st + ", not " + RoleSchedule.PROVISIONED + ")"));
      s.startDateTime().filter(start -> start.isAfter(now)).ifPresent(start -> why.add("not started: it starts "
          + at(start) + ", and grants nothing until then"));
      if (!"/".equals(s.directoryScopeId())) {
        why.add("scoped to " + s.directoryScopeId() + ", not the whole directory (/)");
      }
      if (s.assignmentType().map("Activated"::equalsIgnoreCase).orElse(false)) {
        why.add("an activation of an eligible assignment");
      } else if (!s.assignmentType().map("Assigned"::equalsIgnoreCase).orElse(false)) {
        why.add("assignment type " + s.assignmentType().orElse("not reported") + ", not Assigned");
      }
      if (!"Direct".equalsIgnoreCase(s.memberType())) {
        why.add("held through a group (memberType " + s.memberType() + "), not directly: it lasts only while the"
            + " account stays in the group, and whoever manages the group's members decides that");
      }
      if (!"noExpiration".equalsIgnoreCase(s.expirationType())) {
        why.add(s.endDateTime().map(end -> (end.isAfter(now) ? "time-bound: it ends " : "time-bound: it ended ")
            + at(end)).orElse("time-bound (expiration " + s.expirationType() + ")"));
      }
      found.add((s.inForceAt(now) ? "active" : "assigned") + " (schedule " + s.id() + ") but "
          + String.join(", ", why));
    }
    return Outcome.fail("Global Administrator is not a permanent, active, direct assignment: "
        + Texts.join(found), fix);
  }

  /** Permanent, active and direct at {@code now}; a schedule that has not started is not active yet. */
  private static boolean permanent(RoleSchedule s, Instant now) {
    return !s.eligible()
        && s.roleDefinitionId().equalsIgnoreCase(RoleSchedule.GLOBAL_ADMINISTRATOR)
        && s.status().map(RoleSchedule.PROVISIONED::equalsIgnoreCase).orElse(true)
        && s.startDateTime().map(start -> !start.isAfter(now)).orElse(true)
        && "/".equals(s.directoryScopeId())
        && s.assignmentType().map("Assigned"::equalsIgnoreCase).orElse(false)
        && "Direct".equalsIgnoreCase(s.memberType())
        && "noExpiration".equalsIgnoreCase(s.expirationType());
  }

  // --- 4. sign-in methods --------------------------------------------------------------------------

  Outcome methods() throws DirectoryException, NotChecked, CustodyException {
    DirectoryUser u = require();
    List<AuthMethod> all = methods(u).get();
    Findings f = new Findings();

    List<AuthMethod> fido = all.stream().filter(m -> type(m).equalsIgnoreCase(FIDO2)).toList();
    if (fido.isEmpty()) {
      f.fail("no FIDO2 security key is registered on the account", "register the custody key on the account"
          + " (sign in as it at https://mysignins.microsoft.com/security-info > Add sign-in method > Security"
          + " key), keep it in a safe as a fido2-key item and register it with the kit: bg key register ITEM");
    }

    List<String> banned = new ArrayList<>();
    List<String> deletes = new ArrayList<>();
    List<String> other = new ArrayList<>();
    for (AuthMethod m : all) {
      String t = type(m);
      String[] forbidden = FORBIDDEN.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(t))
          .map(Map.Entry::getValue).findFirst().orElse(null);
      if (forbidden != null) {
        banned.add(forbidden[0] + name(m));
        deletes.add("DELETE /v1.0/users/" + u.id() + "/authentication/" + forbidden[1] + "/" + m.id());
      } else if (!t.equalsIgnoreCase(FIDO2) && !t.equalsIgnoreCase(PASSWORD)) {
        other.add(t + name(m));
      }
    }
    if (!banned.isEmpty()) {
      f.fail("methods that a phone, a person's device or the helpdesk can use: " + String.join(", ", banned),
          "remove them: Entra admin centre > Identity > Users > the user > Authentication methods; or "
              + String.join(", ", deletes));
    }
    if (!other.isEmpty()) {
      f.warn("other methods to review: " + String.join(", ", other), "remove any that is tied to one person or"
          + " one device (Entra admin centre > Identity > Users > the user > Authentication methods)");
    }

    // An AAGUID names a model, not a key: compare how many keys of each model each side knows.
    Map<UUID, Integer> inEntra = new TreeMap<>();
    for (AuthMethod m : fido) {
      if (m.aaguid().isPresent()) {
        inEntra.merge(m.aaguid().get(), 1, Integer::sum);
      } else {
        f.warn("FIDO2 method " + m.id() + " has no AAGUID: its model cannot be compared with the keys in custody",
            "check the key's model in the Entra admin centre");
      }
    }
    Set<String> keyItems = new HashSet<>();
    for (Item i : ledger.items()) {
      if (i.kind() == ItemKind.FIDO2_KEY && i.identity().map(identity.ref()::equalsIgnoreCase).orElse(false)) {
        keyItems.add(lower(i.label()));
      }
    }
    Map<UUID, Integer> inCustody = new TreeMap<>();
    Map<UUID, String> models = new LinkedHashMap<>();
    Set<String> registered = new HashSet<>();
    for (FidoKey k : ledger.keys()) {
      if (k.owner().kind() == KeyOwner.Kind.ITEM && keyItems.contains(lower(k.owner().name()))) {
        inCustody.merge(k.aaguid(), 1, Integer::sum);
        k.model().ifPresent(m -> models.putIfAbsent(k.aaguid(), m));
        registered.add(lower(k.owner().name()));
      }
    }
    Set<UUID> aaguids = new TreeSet<>(inEntra.keySet());
    aaguids.addAll(inCustody.keySet());
    for (UUID a : aaguids) {
      int e = inEntra.getOrDefault(a, 0);
      int c = inCustody.getOrDefault(a, 0);
      if (e > c) {
        f.warn(model(a, models) + ": " + e + " in Entra, " + c + " in custody: a key not in custody can sign in as"
            + " the account", "find that key: if it is not the kit's, delete it (Entra admin centre > Identity >"
            + " Users > the user > Authentication methods, or DELETE /v1.0/users/" + u.id()
            + "/authentication/fido2Methods/{id}); if it is, keep it in a safe as a fido2-key item and register it:"
            + " bg key register ITEM");
      } else if (c > e) {
        f.warn(model(a, models) + ": " + c + " in custody, " + e + " in Entra: a key in the safe that cannot sign in"
            + " to Entra", "register that key on the account (https://mysignins.microsoft.com/security-info), or"
            + " retire its item");
      }
    }
    List<String> unregistered = keyItems.stream().filter(l -> !registered.contains(l)).sorted().toList();
    if (!unregistered.isEmpty()) {
      f.warn("fido2-key item(s) " + String.join(", ", unregistered) + " have no key registered with the kit, so"
          + " they cannot be compared with Entra", "register each: bg key register ITEM");
    }

    String summary = "FIDO2 in Entra: " + counted(inEntra, models) + "; in custody: " + counted(inCustody, models);
    Outcome o = Outcome.of(f, summary + "; no phone, Authenticator, temporary access pass, OATH or email method");
    return o.status() == PostureCheck.Status.PASS ? o
        : new Outcome(o.status(), o.evidence() + " (" + summary + ")", o.fix());
  }

  /** The method's type without Graph's {@code #microsoft.graph.} prefix. */
  private static String type(AuthMethod m) {
    String t = m.type();
    return t.startsWith("#microsoft.graph.") ? t.substring("#microsoft.graph.".length()) : t;
  }

  private static String name(AuthMethod m) {
    return m.displayName().map(n -> " (" + quoted(n) + ", id " + m.id() + ")").orElse(" (id " + m.id() + ")");
  }

  private static String model(UUID aaguid, Map<UUID, String> models) {
    return "AAGUID " + aaguid + Optional.ofNullable(models.get(aaguid)).map(m -> " (" + m + ")").orElse("");
  }

  private static String counted(Map<UUID, Integer> counts, Map<UUID, String> models) {
    if (counts.isEmpty()) {
      return "none";
    }
    return counts.entrySet().stream().map(e -> model(e.getKey(), models) + (e.getValue() > 1 ? " x" + e.getValue()
        : "")).collect(Collectors.joining(", "));
  }

  // --- 5. password age -------------------------------------------------------------------------------

  Outcome password() throws DirectoryException, NotChecked, CustodyException {
    String ref = identity.ref();
    Optional<PasswordRecord> current = ledger.passwords(ref).stream().filter(PasswordRecord::current).findFirst();
    String rotate = "bg password rotate --identity " + ref + " --set-in-entra";
    if (current.isEmpty()) {
      return Outcome.warn("no password version in custody: nobody can sign in with the account's password from the"
          + " safe", "create one and set it in Entra: bg password new --identity " + ref + " --set-in-entra");
    }
    PasswordRecord p = current.get();
    Instant created = ledger.event(p.createdEvent()).orElseThrow().timestamp();
    Optional<Instant> set = ledger.passwordSetAt(ref, p.version());
    DirectoryUser u = require();
    if (u.lastPasswordChangeDateTime().isEmpty()) {
      return Outcome.warn("Entra did not report when the password was last changed (lastPasswordChangeDateTime)",
          "check the account's password in the Entra admin centre, or rotate: " + rotate);
    }
    Instant changed = u.lastPasswordChangeDateTime().get();
    String version = "version " + p.version() + " recorded at " + at(created);
    if (changed.isBefore(created.minus(CLOCK_SKEW))) {
      return Outcome.fail(version + " was never set in Entra: the account's password was last changed at "
          + at(changed) + ", so the safe holds a password that does not work", "set a new version in Entra: " + rotate);
    }
    if (set.isEmpty()) {
      return Outcome.warn("Entra's password changed at " + at(changed) + ", after " + version + ", but the kit did"
          + " not record setting it: it may be version " + p.version() + " set by hand, or a change made outside the"
          + " kit", "rotate so that the ledger records the set and later changes show: " + rotate);
    }
    Instant setAt = set.get();
    if (changed.isBefore(setAt.minus(CLOCK_SKEW))) {
      return Outcome.fail("the kit recorded setting version " + p.version() + " at " + at(setAt) + ", but Entra's"
          + " password was last changed earlier, at " + at(changed) + ": the set did not take effect",
          "set a new version in Entra: " + rotate);
    }
    if (changed.isAfter(setAt.plus(CLOCK_SKEW))) {
      return Outcome.warn("changed outside the kit: Entra's password changed at " + at(changed) + ", after the kit"
          + " set version " + p.version() + " at " + at(setAt), "find out who changed it and why (Entra audit log:"
          + " Reset password / Change password), then rotate: " + rotate);
    }
    return Outcome.pass("Entra's password was set at " + at(changed) + ", when the kit set version " + p.version());
  }

  // --- helpers ---------------------------------------------------------------------------------------

  private DirectoryUser require() throws DirectoryException, NotChecked {
    Optional<DirectoryUser> u = user.get();
    if (u.isEmpty()) {
      throw new NotChecked("no user " + lookedUpAs() + " in Entra", "see " + Posture.CLOUD_ONLY);
    }
    return u.get();
  }

  private String lookedUpAs() {
    return identity.objectId().map(id -> "with object id " + id + " (" + identity.ref() + ")").orElse(identity.ref());
  }

  private Lookup<Set<String>> groups(DirectoryUser u) {
    if (groups == null) {
      groups = new Lookup<>(Lookup.Source.GROUPS, () -> directory.transitiveGroupIds(u.id()));
    }
    return groups;
  }

  private Lookup<List<RoleSchedule>> roles(DirectoryUser u) {
    if (roles == null) {
      roles = new Lookup<>(Lookup.Source.ROLES, () -> directory.roleSchedules(u.id()));
    }
    return roles;
  }

  private Lookup<List<AuthMethod>> methods(DirectoryUser u) {
    if (methods == null) {
      methods = new Lookup<>(Lookup.Source.METHODS, () -> directory.authenticationMethods(u.id()));
    }
    return methods;
  }

  /** Graph ids are GUIDs, compared ignoring case. */
  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  private static Set<String> lower(Set<String> ids) {
    return ids.stream().map(UserChecks::lower).collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> common(Set<String> ids, Set<String> lowered) {
    Set<String> c = lower(ids);
    c.retainAll(lowered);
    return c;
  }
}
