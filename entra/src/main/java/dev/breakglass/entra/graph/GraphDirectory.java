package dev.breakglass.entra.graph;

import com.microsoft.graph.models.Application;
import com.microsoft.graph.models.AuthenticationMethod;
import com.microsoft.graph.models.ConditionalAccessConditionSet;
import com.microsoft.graph.models.ConditionalAccessUsers;
import com.microsoft.graph.models.ExpirationPattern;
import com.microsoft.graph.models.Fido2AuthenticationMethod;
import com.microsoft.graph.models.Fido2AuthenticationMethodConfiguration;
import com.microsoft.graph.models.Fido2KeyRestrictions;
import com.microsoft.graph.models.MicrosoftAuthenticatorAuthenticationMethod;
import com.microsoft.graph.models.PasswordProfile;
import com.microsoft.graph.models.PlatformCredentialAuthenticationMethod;
import com.microsoft.graph.models.RequestSchedule;
import com.microsoft.graph.models.UnifiedRoleAssignmentSchedule;
import com.microsoft.graph.models.UnifiedRoleEligibilitySchedule;
import com.microsoft.graph.models.User;
import com.microsoft.graph.models.WindowsHelloForBusinessAuthenticationMethod;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import dev.breakglass.custody.directory.AppRegistration;
import dev.breakglass.custody.directory.AuthMethod;
import dev.breakglass.custody.directory.ConditionalAccessPolicy;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.directory.DirectoryUser;
import dev.breakglass.custody.directory.DirectoryWriter;
import dev.breakglass.custody.directory.Domain;
import dev.breakglass.custody.directory.Fido2Policy;
import dev.breakglass.custody.directory.RoleSchedule;
import dev.breakglass.custody.secret.PasswordDirectory;
import dev.breakglass.entra.graph.GraphCalls.Op;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The directory port over Microsoft Graph v1.0: reads users, domains, Conditional Access policies,
 * group membership, role schedules, authentication methods, the FIDO2 policy and app registrations;
 * resets passwords and adds or removes app certificate credentials. Every list is read to its last page; throttling
 * is retried by the HTTP client ({@link GraphHttp}); every failure is a {@link DirectoryException}
 * whose message names the request and, for a 403, the permission it needs.
 *
 * <p>Thread-safe as far as the SDK client is; it keeps no state of its own.
 */
public final class GraphDirectory implements DirectoryReader, DirectoryWriter, PasswordDirectory {
  static final String USER_READ = "User.Read.All";
  static final String[] USER_FIELDS = {"id", "userPrincipalName", "displayName", "accountEnabled",
      "onPremisesSyncEnabled", "lastPasswordChangeDateTime"};
  static final String[] APP_FIELDS = {"id", "appId", "displayName", "keyCredentials", "passwordCredentials"};
  static final String ASYMMETRIC_X509 = "AsymmetricX509Cert";

  private final GraphServiceClient graph;

  public GraphDirectory(GraphServiceClient graph) {
    this.graph = Objects.requireNonNull(graph, "graph");
  }

  @Override
  public Optional<DirectoryUser> user(String idOrUpn) throws DirectoryException {
    String key = requireKey(idOrUpn, "idOrUpn");
    Op op = new Op("GET /users/" + key, USER_READ);
    User u;
    try {
      u = GraphCalls.call(op, () -> graph.users().byUserId(key).get(r -> r.queryParameters.select = USER_FIELDS));
    } catch (DirectoryException e) {
      if (e.reason() == Reason.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
    return Optional.of(new DirectoryUser(required(u.getId(), "id", op), required(u.getUserPrincipalName(),
        "userPrincipalName", op), text(u.getDisplayName()), Boolean.TRUE.equals(u.getAccountEnabled()),
        Optional.ofNullable(u.getOnPremisesSyncEnabled()), instant(u.getLastPasswordChangeDateTime())));
  }

  @Override
  public List<Domain> domains() throws DirectoryException {
    Op op = new Op("GET /domains", "Domain.Read.All");
    var items = GraphCalls.all(op, () -> graph.domains().get(), link -> graph.domains().withUrl(link).get(),
        r -> r.getValue(), r -> r.getOdataNextLink());
    List<Domain> out = new ArrayList<>();
    for (var d : items) {
      out.add(new Domain(required(d.getId(), "id", op), Objects.requireNonNullElse(d.getAuthenticationType(), ""),
          Boolean.TRUE.equals(d.getIsVerified()), Boolean.TRUE.equals(d.getIsInitial())));
    }
    return List.copyOf(out);
  }

  @Override
  public List<ConditionalAccessPolicy> conditionalAccessPolicies() throws DirectoryException {
    Op op = new Op("GET /identity/conditionalAccess/policies", "Policy.Read.All");
    var policies = graph.identity().conditionalAccess().policies();
    var items = GraphCalls.all(op, () -> policies.get(), link -> policies.withUrl(link).get(), r -> r.getValue(),
        r -> r.getOdataNextLink());
    List<ConditionalAccessPolicy> out = new ArrayList<>();
    for (var p : items) {
      ConditionalAccessConditionSet conditions = p.getConditions();
      ConditionalAccessUsers users = conditions == null ? null : conditions.getUsers();
      out.add(new ConditionalAccessPolicy(required(p.getId(), "id", op), Objects.requireNonNullElse(p.getDisplayName(),
          ""), required(p.getState(), "state", op).getValue(),
          set(users == null ? null : users.getIncludeUsers()), set(users == null ? null : users.getExcludeUsers()),
          set(users == null ? null : users.getIncludeGroups()), set(users == null ? null : users.getExcludeGroups()),
          set(users == null ? null : users.getIncludeRoles()), set(users == null ? null : users.getExcludeRoles())));
    }
    return List.copyOf(out);
  }

  @Override
  public Set<String> transitiveGroupIds(String userId) throws DirectoryException {
    String key = requireKey(userId, "userId");
    Op op = new Op("GET /users/" + key + "/transitiveMemberOf/microsoft.graph.group", USER_READ
        + " (or GroupMember.Read.All)");
    var groups = graph.users().byUserId(key).transitiveMemberOf().graphGroup();
    var items = GraphCalls.all(op, () -> groups.get(r -> {
      r.queryParameters.select = new String[] {"id"};
      r.queryParameters.top = 999;
    }), link -> groups.withUrl(link).get(), r -> r.getValue(), r -> r.getOdataNextLink());
    Set<String> ids = new LinkedHashSet<>();
    for (var g : items) {
      ids.add(required(g.getId(), "id", op));
    }
    return Set.copyOf(ids);
  }

  @Override
  public List<RoleSchedule> roleSchedules(String principalId) throws DirectoryException {
    String key = requireKey(principalId, "principalId");
    String filter = "principalId eq " + OData.quote(key);
    List<RoleSchedule> out = new ArrayList<>();
    Op assigned = new Op("GET /roleManagement/directory/roleAssignmentSchedules?$filter=" + filter,
        "RoleAssignmentSchedule.Read.Directory (or RoleManagement.Read.Directory)");
    var a = graph.roleManagement().directory().roleAssignmentSchedules();
    for (UnifiedRoleAssignmentSchedule s : GraphCalls.all(assigned, () -> a.get(r -> r.queryParameters.filter = filter),
        link -> a.withUrl(link).get(), r -> r.getValue(), r -> r.getOdataNextLink())) {
      out.add(schedule(assigned, false, s.getId(), s.getRoleDefinitionId(), s.getPrincipalId(),
          s.getDirectoryScopeId(), Optional.ofNullable(s.getAssignmentType()), s.getMemberType(), s.getScheduleInfo(),
          s.getStatus()));
    }
    Op eligible = new Op("GET /roleManagement/directory/roleEligibilitySchedules?$filter=" + filter,
        "RoleEligibilitySchedule.Read.Directory (or RoleManagement.Read.Directory)");
    var e = graph.roleManagement().directory().roleEligibilitySchedules();
    for (UnifiedRoleEligibilitySchedule s : GraphCalls.all(eligible, () -> e.get(r -> r.queryParameters.filter = filter),
        link -> e.withUrl(link).get(), r -> r.getValue(), r -> r.getOdataNextLink())) {
      out.add(schedule(eligible, true, s.getId(), s.getRoleDefinitionId(), s.getPrincipalId(),
          s.getDirectoryScopeId(), Optional.empty(), s.getMemberType(), s.getScheduleInfo(), s.getStatus()));
    }
    return List.copyOf(out);
  }

  /**
   * Both lists also hold schedules that start later or are not in force yet: {@code
   * scheduleInfo.startDateTime} and {@code status} say which.
   */
  private static RoleSchedule schedule(Op op, boolean eligible, String id, String roleDefinitionId, String principalId,
      String scope, Optional<String> assignmentType, String memberType, RequestSchedule info, String status)
      throws DirectoryException {
    ExpirationPattern expiration = info == null ? null : info.getExpiration();
    String type = expiration == null || expiration.getType() == null ? "notSpecified"
        : expiration.getType().getValue();
    return new RoleSchedule(required(id, "id", op), eligible, required(roleDefinitionId, "roleDefinitionId", op),
        required(principalId, "principalId", op), required(scope, "directoryScopeId", op), assignmentType,
        required(memberType, "memberType", op), type, instant(expiration == null ? null : expiration.getEndDateTime()),
        instant(info == null ? null : info.getStartDateTime()), text(status));
  }

  @Override
  public List<AuthMethod> authenticationMethods(String userId) throws DirectoryException {
    String key = requireKey(userId, "userId");
    Op op = new Op("GET /users/" + key + "/authentication/methods", "UserAuthenticationMethod.Read.All");
    var methods = graph.users().byUserId(key).authentication().methods();
    var items = GraphCalls.all(op, () -> methods.get(), link -> methods.withUrl(link).get(), r -> r.getValue(),
        r -> r.getOdataNextLink());
    List<AuthMethod> out = new ArrayList<>();
    for (AuthenticationMethod m : items) {
      String type = required(m.getOdataType(), "@odata.type", op);
      type = type.startsWith("#microsoft.graph.") ? type.substring("#microsoft.graph.".length()) : type;
      Optional<UUID> aaguid = Optional.empty();
      if (m instanceof Fido2AuthenticationMethod f && f.getAaGuid() != null && !f.getAaGuid().isBlank()) {
        try {
          aaguid = Optional.of(UUID.fromString(f.getAaGuid().strip()));
        } catch (IllegalArgumentException e) {
          throw new DirectoryException(Reason.BAD_RESPONSE, "Microsoft Graph answered " + op.request()
              + " with a FIDO2 method whose aaGuid is not a GUID ('" + GraphCalls.oneLine(f.getAaGuid(), 60) + "')");
        }
      }
      out.add(new AuthMethod(required(m.getId(), "id", op), type, text(displayName(m)), aaguid));
    }
    return List.copyOf(out);
  }

  @Override
  public Fido2Policy fido2Policy() throws DirectoryException {
    Op op = new Op("GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2",
        "Policy.Read.AuthenticationMethod (or Policy.Read.All)");
    var configurations = graph.policies().authenticationMethodsPolicy().authenticationMethodConfigurations();
    var c = GraphCalls.call(op, () -> configurations.byAuthenticationMethodConfigurationId("fido2").get());
    if (!(c instanceof Fido2AuthenticationMethodConfiguration f)) {
      throw new DirectoryException(Reason.BAD_RESPONSE, "Microsoft Graph answered " + op.request() + " with "
          + (c == null ? "nothing" : "a " + GraphCalls.oneLine(String.valueOf(c.getOdataType()), 80))
          + ", not a fido2AuthenticationMethodConfiguration");
    }
    Fido2KeyRestrictions k = f.getKeyRestrictions();
    Set<UUID> aaguids = new LinkedHashSet<>();
    for (String a : k == null ? List.<String>of() : list(k.getAaGuids())) {
      try {
        aaguids.add(UUID.fromString(Objects.requireNonNullElse(a, "").strip()));
      } catch (IllegalArgumentException e) {
        throw new DirectoryException(Reason.BAD_RESPONSE, "Microsoft Graph answered " + op.request()
            + " with a keyRestrictions AAGUID that is not a GUID ('" + GraphCalls.oneLine(String.valueOf(a), 60)
            + "')");
      }
    }
    return new Fido2Policy(required(f.getState(), "state", op).getValue(),
        Boolean.TRUE.equals(f.getIsAttestationEnforced()), k != null && Boolean.TRUE.equals(k.getIsEnforced()),
        k == null || k.getEnforcementType() == null ? "" : k.getEnforcementType().getValue(), aaguids);
  }

  private static String displayName(AuthenticationMethod m) {
    if (m instanceof Fido2AuthenticationMethod f) {
      return f.getDisplayName();
    } else if (m instanceof WindowsHelloForBusinessAuthenticationMethod w) {
      return w.getDisplayName();
    } else if (m instanceof MicrosoftAuthenticatorAuthenticationMethod a) {
      return a.getDisplayName();
    } else if (m instanceof PlatformCredentialAuthenticationMethod p) {
      return p.getDisplayName();
    }
    Object d = m.getAdditionalData().get("displayName");
    return d instanceof String s ? s : null;
  }

  @Override
  public Optional<AppRegistration> application(String appId) throws DirectoryException {
    String key = requireKey(appId, "appId");
    Op op = new Op("GET /applications(appId='" + key + "')", "Application.Read.All");
    Application app;
    try {
      app = GraphCalls.call(op, () -> graph.applicationsWithAppId(key).get(r -> r.queryParameters.select = APP_FIELDS));
    } catch (DirectoryException e) {
      if (e.reason() == Reason.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
    List<AppRegistration.KeyCredential> keys = new ArrayList<>();
    for (var k : list(app.getKeyCredentials())) {
      keys.add(new AppRegistration.KeyCredential(required(k.getKeyId(), "keyCredentials.keyId", op).toString(),
          Objects.requireNonNullElse(k.getType(), ""), Objects.requireNonNullElse(k.getUsage(), ""),
          text(k.getDisplayName()), Optional.ofNullable(k.getCustomKeyIdentifier()).filter(b -> b.length > 0)
              .map(b -> HexFormat.of().withUpperCase().formatHex(b)),
          instant(k.getStartDateTime()), instant(k.getEndDateTime()),
          Optional.ofNullable(k.getKey()).filter(b -> b.length > 0)));
    }
    List<AppRegistration.PasswordCredential> secrets = new ArrayList<>();
    for (var p : list(app.getPasswordCredentials())) {
      secrets.add(new AppRegistration.PasswordCredential(required(p.getKeyId(), "passwordCredentials.keyId", op)
          .toString(), text(p.getDisplayName()), instant(p.getStartDateTime()), instant(p.getEndDateTime())));
    }
    return Optional.of(new AppRegistration(required(app.getId(), "id", op), required(app.getAppId(), "appId", op),
        Objects.requireNonNullElse(app.getDisplayName(), ""), keys, secrets));
  }

  @Override
  public void resetPassword(String userId, char[] password) throws DirectoryException {
    String key = requireKey(userId, "userId");
    Objects.requireNonNull(password, "password");
    Op op = new Op("PATCH /users/" + key + " (passwordProfile)",
        "User-PasswordProfile.ReadWrite.All (or User.ReadWrite.All) and, for a Global Administrator's password, the"
            + " Privileged Authentication Administrator role");
    PasswordProfile profile = new PasswordProfile();
    // Kiota takes a String; it lives until the garbage collector takes it. Nothing else keeps it.
    profile.setPassword(new String(password));
    profile.setForceChangePasswordNextSignIn(false);
    User patch = new User();
    patch.setPasswordProfile(profile);
    try {
      GraphCalls.run(op, () -> graph.users().byUserId(key).patch(patch));
    } catch (DirectoryException e) {
      throw withoutSecret(e, password);
    }
  }

  @Override
  public void setPassword(String identity, char[] password) throws DirectoryException {
    resetPassword(identity, password);
  }

  /** Keeps a password out of a message, whatever Graph echoed back. */
  private static DirectoryException withoutSecret(DirectoryException e, char[] password) {
    String m = e.getMessage();
    if (password.length == 0 || !m.contains(new String(password))) {
      return e;
    }
    return new DirectoryException(e.reason(), m.replace(new String(password), "[password]"));
  }

  @Override
  public String addCertificate(String applicationId, byte[] certificateDer, String displayName)
      throws DirectoryException {
    String key = requireKey(applicationId, "applicationId");
    X509Certificate cert = certificate(certificateDer);
    if (!"RSA".equals(cert.getPublicKey().getAlgorithm())) {
      throw new IllegalArgumentException("Entra ID takes only RSA certificates for apps; this one has a "
          + cert.getPublicKey().getAlgorithm() + " key");
    }
    byte[] thumbprint = sha1(certificateDer);
    List<com.microsoft.graph.models.KeyCredential> existing = keyCredentials(key);
    for (var k : existing) {
      if (Arrays.equals(k.getKey(), certificateDer)) {
        return k.getKeyId().toString(); // already there: a retried call changes nothing
      }
    }
    UUID keyId = UUID.randomUUID();
    var added = new com.microsoft.graph.models.KeyCredential();
    added.setKeyId(keyId);
    added.setType(ASYMMETRIC_X509);
    added.setUsage("Verify");
    added.setKey(certificateDer.clone());
    added.setCustomKeyIdentifier(thumbprint);
    added.setDisplayName(Objects.requireNonNull(displayName, "displayName"));
    added.setStartDateTime(OffsetDateTime.ofInstant(cert.getNotBefore().toInstant(), java.time.ZoneOffset.UTC));
    added.setEndDateTime(OffsetDateTime.ofInstant(cert.getNotAfter().toInstant(), java.time.ZoneOffset.UTC));
    List<com.microsoft.graph.models.KeyCredential> all = new ArrayList<>(existing);
    all.add(added);
    patchKeyCredentials(key, all, "add certificate " + HexFormat.of().withUpperCase().formatHex(thumbprint));
    return keyId.toString();
  }

  @Override
  public void removeCertificate(String applicationId, String keyId) throws DirectoryException {
    String key = requireKey(applicationId, "applicationId");
    UUID id;
    try {
      id = UUID.fromString(Objects.requireNonNull(keyId, "keyId").strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("keyId must be a GUID, got '" + keyId + "'");
    }
    List<com.microsoft.graph.models.KeyCredential> existing = keyCredentials(key);
    List<com.microsoft.graph.models.KeyCredential> kept = new ArrayList<>();
    for (var k : existing) {
      if (!id.equals(k.getKeyId())) {
        kept.add(k);
      }
    }
    if (kept.size() == existing.size()) {
      throw new DirectoryException(Reason.NOT_FOUND, "application " + key + " has no certificate credential with keyId "
          + id + "; nothing was changed");
    }
    patchKeyCredentials(key, kept, "remove certificate " + id);
  }

  /**
   * The app's certificate credentials with their keys. Graph returns {@code key} only when the
   * single object is read with {@code $select=keyCredentials}; PATCH must send every credential
   * whole, or Graph drops or refuses it.
   */
  private List<com.microsoft.graph.models.KeyCredential> keyCredentials(String objectId) throws DirectoryException {
    Op op = new Op("GET /applications/" + objectId + "?$select=keyCredentials", "Application.Read.All");
    Application app = GraphCalls.call(op, () -> graph.applications().byApplicationId(objectId)
        .get(r -> r.queryParameters.select = new String[] {"id", "keyCredentials"}));
    List<com.microsoft.graph.models.KeyCredential> keys = list(app.getKeyCredentials());
    for (var k : keys) {
      if (k.getKeyId() == null || k.getKey() == null || k.getKey().length == 0) {
        throw new DirectoryException(Reason.BAD_RESPONSE, "Microsoft Graph answered " + op.request()
            + " with a key credential without its keyId or key; nothing was changed, as sending it back would drop it");
      }
    }
    return new ArrayList<>(keys);
  }

  private void patchKeyCredentials(String objectId, List<com.microsoft.graph.models.KeyCredential> keys, String why)
      throws DirectoryException {
    Op op = new Op("PATCH /applications/" + objectId + " (keyCredentials: " + why + ")",
        "Application.ReadWrite.All (or Application.ReadWrite.OwnedBy as an owner of the app)");
    Application patch = new Application();
    patch.setKeyCredentials(keys);
    GraphCalls.run(op, () -> graph.applications().byApplicationId(objectId).patch(patch));
  }

  private static X509Certificate certificate(byte[] der) {
    Objects.requireNonNull(der, "certificateDer");
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | ClassCastException e) {
      throw new IllegalArgumentException("certificateDer is not an X.509 certificate: " + e.getMessage(), e);
    }
  }

  private static byte[] sha1(byte[] der) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(der);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-1 in this JVM", e);
    }
  }

  private static String requireKey(String value, String name) {
    Objects.requireNonNull(value, name);
    String v = value.strip();
    if (v.isEmpty() || v.contains("/") || v.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(name + " must be a non-empty id without '/', got '" + value + "'");
    }
    return v;
  }

  static <T> T required(T value, String field, Op op) throws DirectoryException {
    if (value == null || (value instanceof String s && s.isBlank())) {
      throw new DirectoryException(Reason.BAD_RESPONSE, "Microsoft Graph answered " + op.request() + " without '"
          + field + "'");
    }
    return value;
  }

  static Optional<String> text(String s) {
    return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
  }

  static Optional<Instant> instant(OffsetDateTime t) {
    return Optional.ofNullable(t).map(OffsetDateTime::toInstant);
  }

  private static Set<String> set(List<String> values) {
    return values == null ? Set.of() : Set.copyOf(values);
  }

  private static <T> List<T> list(List<T> values) {
    return values == null ? List.of() : values;
  }
}
