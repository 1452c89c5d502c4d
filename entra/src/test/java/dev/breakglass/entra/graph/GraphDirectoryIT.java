package dev.breakglass.entra.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakglass.custody.directory.AppRegistration;
import dev.breakglass.custody.directory.AuthMethod;
import dev.breakglass.custody.directory.ConditionalAccessPolicy;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import dev.breakglass.custody.directory.DirectoryUser;
import dev.breakglass.custody.directory.Domain;
import dev.breakglass.custody.directory.Fido2Policy;
import dev.breakglass.custody.directory.RoleSchedule;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.entra.EntraConnection;
import dev.breakglass.entra.FakeTokens;
import dev.breakglass.entra.GraphTestServer;
import dev.breakglass.entra.GraphTestServer.Fault;
import dev.breakglass.entra.GraphTestServer.Recorded;
import dev.breakglass.entra.RecordingSleeper;
import dev.breakglass.entra.TestCertificates;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The directory port against the Graph test server, through the real SDK. */
class GraphDirectoryIT {
  static final String BG1 = "5f1c8a52-3b7e-4a61-9d2c-0c4e8e7b1a01";
  static final String BG2 = "5f1c8a52-3b7e-4a61-9d2c-0c4e8e7b1a02";
  static final String ADELE = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
  static final String APP_OBJECT = "b7c9d4e2-5a1f-4c3b-8e6d-2f0a9b8c7d61";
  static final String APP_ID = "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01";
  static final String GROUP_EXCLUSION = "0b6a4c3e-1f2d-4e5a-9b8c-7d6e5f4a3b01";

  GraphTestServer server;
  FakeTokens tokens;
  RecordingSleeper sleeper;
  EntraConnection entra;
  GraphDirectory dir;

  @BeforeEach
  void start() throws Exception {
    server = GraphTestServer.start(GraphTestServer.CONTOSO);
    connect(FakeTokens.of("token-1", "token-2"));
  }

  void connect(FakeTokens t) {
    if (entra != null) {
      entra.close();
    }
    tokens = t;
    sleeper = new RecordingSleeper();
    entra = EntraConnection.withTokens(server.url(), tokens, new TestClock(Instant.parse("2026-11-25T12:00:00Z")),
        sleeper);
    dir = entra.directory();
  }

  @AfterEach
  void stop() {
    entra.close();
    server.close();
  }

  // ------------------------------------------------------------------ reads

  @Test
  void user_byUpn_selectsWhatThePostureRulesNeed() throws Exception {
    DirectoryUser u = dir.user("bg1@contoso.onmicrosoft.com").orElseThrow();
    assertEquals(new DirectoryUser(BG1, "bg1@contoso.onmicrosoft.com", Optional.of("Break Glass 1"), true,
        Optional.empty(), Optional.of(Instant.parse("2026-10-01T09:00:00Z"))), u);
    Recorded r = server.requests().get(0);
    assertEquals("/v1.0/users/bg1@contoso.onmicrosoft.com", r.path());
    assertEquals("id,userPrincipalName,displayName,accountEnabled,onPremisesSyncEnabled,lastPasswordChangeDateTime",
        r.query().get("$select"));
    assertEquals(Optional.of("Bearer token-1"), r.authorization());
  }

  @Test
  void user_synced_andUnknown() throws Exception {
    assertEquals(Optional.of(true), dir.user(ADELE).orElseThrow().onPremisesSyncEnabled());
    assertEquals(Optional.empty(), dir.user("nobody@contoso.onmicrosoft.com"));
  }

  @Test
  void domains_managedAndFederated() throws Exception {
    assertEquals(List.of(new Domain("contoso.onmicrosoft.com", "Managed", true, true),
        new Domain("contoso.com", "Federated", true, false)), dir.domains());
  }

  @Test
  void conditionalAccessPolicies_followsNextLinksAcrossThreePages() throws Exception {
    server.pageSize("identity/conditionalAccess/policies", 3);
    List<ConditionalAccessPolicy> policies = dir.conditionalAccessPolicies();
    assertEquals(7, policies.size());
    assertEquals(List.of("Require MFA for administrators", "Block legacy authentication", "Require compliant device",
        "Block high-risk sign-ins", "MFA for guests", "Require MFA for all users",
        "Sign-in frequency for administrators"), policies.stream().map(ConditionalAccessPolicy::displayName).toList());
    ConditionalAccessPolicy first = policies.get(0);
    assertEquals("enabled", first.state());
    assertEquals(Set.of(BG1, BG2), first.excludeUsers());
    assertEquals(Set.of("62e90394-69f5-4237-9190-012177145e10"), first.includeRoles());
    assertEquals("enabledForReportingButNotEnforced", policies.get(2).state());
    assertEquals(Set.of(GROUP_EXCLUSION), policies.get(1).excludeGroups());
    List<Recorded> pages = server.requests("GET", "identity/conditionalAccess/policies");
    assertEquals(3, pages.size());
    assertNull(pages.get(0).query().get("$skiptoken"));
    assertEquals("3", pages.get(1).query().get("$skiptoken"));
    assertEquals("6", pages.get(2).query().get("$skiptoken"));
    for (Recorded p : pages) {
      assertEquals(Optional.of("Bearer token-1"), p.authorization(), "every page carries the token");
    }
  }

  @Test
  void transitiveGroupIds_groupsOnly_acrossPages() throws Exception {
    server.pageSize("users/" + BG1 + "/transitiveMemberOf", 2);
    assertEquals(Set.of(GROUP_EXCLUSION, "0b6a4c3e-1f2d-4e5a-9b8c-7d6e5f4a3b02", "0b6a4c3e-1f2d-4e5a-9b8c-7d6e5f4a3b03"),
        dir.transitiveGroupIds(BG1));
    List<Recorded> pages = server.requests("GET", "users/" + BG1 + "/transitiveMemberOf");
    assertEquals(2, pages.size());
    assertEquals("/v1.0/users/" + BG1 + "/transitiveMemberOf/graph.group", pages.get(0).path());
    assertEquals("id", pages.get(0).query().get("$select"));
    assertEquals(Set.of(), dir.transitiveGroupIds(BG2));
  }

  @Test
  void roleSchedules_assignmentsAndEligibilities_filteredAtGraph() throws Exception {
    assertEquals(List.of(new RoleSchedule("lAPpYvVpN0KRkAEhdxReEAWz5Gtet_xOv8wxvTtTpfg-1-e", false,
        RoleSchedule.GLOBAL_ADMINISTRATOR, BG1, "/", Optional.of("Assigned"), "Direct", "noExpiration",
        Optional.empty(), Optional.of(Instant.parse("2026-09-01T10:00:00Z")), Optional.of("Provisioned"))),
        dir.roleSchedules(BG1));
    List<RoleSchedule> bg2 = dir.roleSchedules(BG2);
    assertEquals(3, bg2.size());
    assertEquals(Optional.of("Activated"), bg2.get(0).assignmentType());
    assertEquals(Optional.of(Instant.parse("2026-11-25T18:00:00Z")), bg2.get(0).endDateTime());
    // Permanent and direct, but scheduled: it is not in force before scheduleInfo.startDateTime.
    RoleSchedule scheduled = bg2.get(1);
    assertEquals(new RoleSchedule("c4a1e2b3-6d7f-4e8a-9b0c-1d2e3f4a5b6c", false, RoleSchedule.GLOBAL_ADMINISTRATOR,
        BG2, "/", Optional.of("Assigned"), "Direct", "noExpiration", Optional.empty(),
        Optional.of(Instant.parse("2027-06-01T00:00:00Z")), Optional.of("Provisioned")), scheduled);
    assertFalse(scheduled.inForceAt(Instant.parse("2027-05-31T23:59:59Z")));
    assertTrue(scheduled.inForceAt(Instant.parse("2027-06-01T00:00:00Z")));
    assertTrue(bg2.get(2).eligible());
    assertEquals(Optional.empty(), bg2.get(2).assignmentType());
    assertEquals("afterDateTime", bg2.get(2).expirationType());
    assertEquals(Optional.of("Provisioned"), bg2.get(2).status());
    for (String path : List.of("roleManagement/directory/roleAssignmentSchedules",
        "roleManagement/directory/roleEligibilitySchedules")) {
      assertEquals("principalId eq '" + BG2 + "'", server.requests("GET", path).get(1).query().get("$filter"));
    }
  }

  @Test
  void authenticationMethods_typesAndFido2Aaguids() throws Exception {
    List<AuthMethod> bg1 = dir.authenticationMethods("bg1@contoso.onmicrosoft.com");
    assertEquals(List.of("passwordAuthenticationMethod", "fido2AuthenticationMethod", "fido2AuthenticationMethod"),
        bg1.stream().map(AuthMethod::type).toList());
    assertEquals(new AuthMethod("-2_GRUg2-HYz6_1YG4YRAQ2", "fido2AuthenticationMethod",
        Optional.of("bg1-key (YubiKey 5 NFC)"), Optional.of(UUID.fromString("2fc0579f-8113-47ea-b116-bb5a8db9202a"))),
        bg1.get(1));
    assertEquals(List.of("passwordAuthenticationMethod", "phoneAuthenticationMethod",
        "microsoftAuthenticatorAuthenticationMethod", "temporaryAccessPassAuthenticationMethod"),
        dir.authenticationMethods(BG2).stream().map(AuthMethod::type).toList());
    assertEquals(Optional.of("Pixel 8"), dir.authenticationMethods(BG2).get(2).displayName());
  }

  @Test
  void fido2Policy_stateAttestationAndKeyRestrictions() throws Exception {
    assertEquals(new Fido2Policy("enabled", true, true, "allow", Set.of(UUID.fromString(
        "2fc0579f-8113-47ea-b116-bb5a8db9202a"), UUID.fromString("ee882879-721c-4913-9775-3dfcce97072a"))),
        dir.fido2Policy());
    assertEquals(List.of("policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2"),
        server.requests("GET", "policies/").stream().map(Recorded::resource).toList());

    // The documented example: disabled, restrictions present but not enforced.
    server.put("policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2", """
        {"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration", "id": "Fido2",
         "state": "disabled", "isSelfServiceRegistrationAllowed": true, "isAttestationEnforced": false,
         "keyRestrictions": {"isEnforced": false, "enforcementType": "block", "aaGuids": []},
         "includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}],
         "excludeTargets": []}""");
    assertEquals(new Fido2Policy("disabled", false, false, "block", Set.of()), dir.fido2Policy());
  }

  @Test
  void fido2Policy_forbidden_namesThePermission() {
    server.fault("GET", "policies/", Fault.forbidden());
    DirectoryException e = assertThrows(DirectoryException.class, () -> dir.fido2Policy());
    assertEquals(Reason.FORBIDDEN, e.reason());
    assertTrue(e.getMessage().startsWith("the app may not GET /policies/authenticationMethodsPolicy/"
        + "authenticationMethodConfigurations/fido2 (403"), e.getMessage());
    assertTrue(e.getMessage().endsWith("grant it Policy.Read.AuthenticationMethod (or Policy.Read.All) (with admin"
        + " consent)"), e.getMessage());
  }

  @Test
  void application_byAppId_withCertificatesAndSecrets() throws Exception {
    AppRegistration app = dir.application(APP_ID).orElseThrow();
    assertEquals(APP_OBJECT, app.id());
    assertEquals("Break-glass app", app.displayName());
    assertEquals(2, app.keyCredentials().size());
    AppRegistration.KeyCredential k = app.keyCredentials().get(0);
    JsonNode fixture = server.item("applications", APP_OBJECT).get("keyCredentials").get(0);
    byte[] der = Base64.getDecoder().decode(fixture.get("key").asText());
    assertEquals(Optional.of(HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-1").digest(der))),
        k.thumbprint());
    assertEquals("A52D3A1AD0580E373D86D3BE83AED2D282FB4486", k.thumbprint().orElseThrow());
    assertEquals("AsymmetricX509Cert", k.type());
    assertEquals(Optional.of(Instant.parse("2036-11-22T07:08:56Z")), k.endDateTime());
    assertTrue(k.key().isPresent(), "$select=keyCredentials on the single object returns the key");
    assertEquals(List.of(new AppRegistration.PasswordCredential("8f4e2d1c-0b9a-4c8d-9e7f-6a5b4c3d2e10",
        Optional.of("left over from set-up"), Optional.of(Instant.parse("2026-09-01T10:00:00Z")),
        Optional.of(Instant.parse("2028-09-01T10:00:00Z")))), app.passwordCredentials());
    assertEquals("/v1.0/applications(appId='" + APP_ID + "')", server.requests().get(0).path());
    assertEquals(Optional.empty(), dir.application("00000000-0000-0000-0000-00000000beef"));
  }

  @Test
  void application_whenGraphOmitsKey_keepsCustomKeyIdentifierApartFromTheCertificate() throws Exception {
    // A list read (or an answer without $select=keyCredentials) has "key": null; customKeyIdentifier stays.
    ObjectNode doc = (ObjectNode) server.document("applications");
    for (JsonNode k : doc.get("value").get(0).get("keyCredentials")) {
      ((ObjectNode) k).putNull("key");
    }
    server.put("applications", doc.toString());

    AppRegistration.KeyCredential k = dir.application(APP_ID).orElseThrow().keyCredentials().get(0);

    assertEquals(Optional.empty(), k.key(), "no certificate: nothing computed from it can match ours");
    assertEquals(Optional.of("A52D3A1AD0580E373D86D3BE83AED2D282FB4486"), k.thumbprint(),
        "customKeyIdentifier as Graph sent it");
    assertEquals(Optional.of(Instant.parse("2036-11-22T07:08:56Z")), k.endDateTime());
  }

  // ------------------------------------------------------------------ writes

  @Test
  void addCertificate_resendsEveryExistingCredentialWhole() throws Exception {
    JsonNode before = server.item("applications", APP_OBJECT);
    TestCertificates.Issued cert = TestCertificates.selfSigned("bg-app 2027", Instant.parse("2026-11-25T00:00:00Z"),
        Instant.parse("2027-11-25T00:00:00Z"));
    String keyId = dir.addCertificate(APP_OBJECT, cert.der(), "bg-app 2027");

    List<Recorded> reads = server.requests("GET", "applications/" + APP_OBJECT);
    assertEquals("id,keyCredentials", reads.get(0).query().get("$select"));
    Recorded patch = server.requests("PATCH", "applications/" + APP_OBJECT).get(0);
    JsonNode sent = patch.json();
    assertFalse(sent.has("passwordCredentials"), "a PATCH without passwordCredentials leaves the secrets alone");
    JsonNode keys = sent.get("keyCredentials");
    assertEquals(3, keys.size());
    for (int i = 0; i < 2; i++) {
      JsonNode was = before.get("keyCredentials").get(i);
      JsonNode now = keys.get(i);
      for (String f : List.of("customKeyIdentifier", "displayName", "key", "keyId", "type", "usage")) {
        assertEquals(was.get(f).asText(), now.get(f).asText(), f + " of credential " + i);
      }
      for (String f : List.of("startDateTime", "endDateTime")) {
        assertEquals(Instant.parse(was.get(f).asText()), Instant.parse(now.get(f).asText()), f + " of credential " + i);
      }
    }
    JsonNode added = keys.get(2);
    assertEquals(keyId, added.get("keyId").asText());
    assertEquals("AsymmetricX509Cert", added.get("type").asText());
    assertEquals("Verify", added.get("usage").asText());
    assertEquals(Base64.getEncoder().encodeToString(cert.der()), added.get("key").asText());
    assertEquals(Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest(cert.der())),
        added.get("customKeyIdentifier").asText());
    assertEquals(Instant.parse("2027-11-25T00:00:00Z"), Instant.parse(added.get("endDateTime").asText()));

    JsonNode after = server.item("applications", APP_OBJECT);
    assertEquals(3, after.get("keyCredentials").size());
    assertEquals(before.get("passwordCredentials"), after.get("passwordCredentials"));
    assertEquals(3, dir.application(APP_ID).orElseThrow().keyCredentials().size());

    server.clearRequests();
    assertEquals(keyId, dir.addCertificate(APP_OBJECT, cert.der(), "again"), "the same certificate is there already");
    assertEquals(List.of(), server.requests("PATCH", "applications"));
  }

  @Test
  void removeCertificate_keepsTheOthers() throws Exception {
    dir.removeCertificate(APP_OBJECT, "e6b1c0d2-3f4a-4b5c-8d9e-0f1a2b3c4d01");
    JsonNode keys = server.requests("PATCH", "applications/" + APP_OBJECT).get(0).json().get("keyCredentials");
    assertEquals(1, keys.size());
    assertEquals("e6b1c0d2-3f4a-4b5c-8d9e-0f1a2b3c4d02", keys.get(0).get("keyId").asText());
    assertFalse(keys.get(0).get("key").asText().isEmpty());
    DirectoryException e = assertThrows(DirectoryException.class,
        () -> dir.removeCertificate(APP_OBJECT, "e6b1c0d2-3f4a-4b5c-8d9e-0f1a2b3c4d01"));
    assertEquals(Reason.NOT_FOUND, e.reason());
    assertEquals("application " + APP_OBJECT + " has no certificate credential with keyId"
        + " e6b1c0d2-3f4a-4b5c-8d9e-0f1a2b3c4d01; nothing was changed", e.getMessage());
    assertEquals(1, server.requests("PATCH", "applications").size());
  }

  @Test
  void resetPassword_setsItWithoutForcingAChange() throws Exception {
    server.clock(new TestClock(Instant.parse("2026-11-25T12:34:56Z")));
    char[] password = "Tr0ub4dour&3-correct-horse".toCharArray();
    dir.resetPassword(BG1, password);
    Recorded r = server.requests("PATCH", "users/" + BG1).get(0);
    JsonNode profile = r.json().get("passwordProfile");
    assertEquals("Tr0ub4dour&3-correct-horse", profile.get("password").asText());
    assertFalse(profile.get("forceChangePasswordNextSignIn").asBoolean(true));
    assertEquals(Set.of("passwordProfile"), fieldsBut(r.json(), "@odata.type"));
    assertEquals("Tr0ub4dour&3-correct-horse", new String(password), "the caller's array is the caller's to wipe");
    assertEquals(Optional.of(Instant.parse("2026-11-25T12:34:56Z")),
        dir.user(BG1).orElseThrow().lastPasswordChangeDateTime());
  }

  @Test
  void patch_afterExpiredTokenAnd503_isSentAgainWithItsBody() throws Exception {
    server.fault("PATCH", "users/", Fault.expiredToken(), Fault.unavailable());
    dir.resetPassword(BG1, "Tr0ub4dour&3-correct-horse".toCharArray());
    List<Recorded> sent = server.requests("PATCH", "users/" + BG1);
    assertEquals(3, sent.size());
    assertEquals(List.of(Optional.of("token-1"), Optional.of("token-2"), Optional.of("token-2")),
        sent.stream().map(Recorded::bearer).toList());
    for (Recorded r : sent) {
      assertEquals("Tr0ub4dour&3-correct-horse", r.json().get("passwordProfile").get("password").asText());
    }
  }

  @Test
  void nextLinkToAnotherHost_getsNoToken() throws Exception {
    try (GraphTestServer elsewhere = GraphTestServer.start(GraphTestServer.CONTOSO)) {
      server.pageSize("identity/conditionalAccess/policies", 3).nextLinksTo(elsewhere.url());
      DirectoryException e = assertThrows(DirectoryException.class, () -> dir.conditionalAccessPolicies());
      assertEquals(Reason.UNAUTHENTICATED, e.reason());
      assertEquals(Optional.of("Bearer token-1"), server.requests().get(0).authorization());
      assertEquals(Optional.empty(), elsewhere.requests().get(0).authorization());
    }
  }

  @Test
  void resetPassword_refused_messageNeverHoldsThePassword() {
    char[] password = "Summer2026!".toCharArray();
    server.fault("PATCH", "users/", Fault.error(400, "Request_BadRequest", "The specified password does not comply"
        + " with password complexity requirements. Please provide a different password."));
    DirectoryException e = assertThrows(DirectoryException.class, () -> dir.setPassword(BG1, password));
    assertEquals(Reason.REJECTED, e.reason());
    assertEquals("Microsoft Graph rejected PATCH /users/" + BG1 + " (passwordProfile) (400 Request_BadRequest: The"
        + " specified password does not comply with password complexity requirements. Please provide a different"
        + " password.)", e.getMessage());

    server.fault("PATCH", "users/", Fault.error(400, "Request_BadRequest", "Password 'Summer2026!' is too common."));
    e = assertThrows(DirectoryException.class, () -> dir.resetPassword(BG1, password));
    assertFalse(e.getMessage().contains("Summer2026!"), e.getMessage());
    assertTrue(e.getMessage().contains("Password '[password]' is too common."), e.getMessage());
    assertNull(e.getCause(), "the SDK exception (with Graph's text) is not kept");

    server.fault("PATCH", "users/", Fault.forbidden());
    e = assertThrows(DirectoryException.class, () -> dir.resetPassword(BG1, password));
    assertEquals(Reason.FORBIDDEN, e.reason());
    assertEquals("the app may not PATCH /users/" + BG1 + " (passwordProfile) (403 Authorization_RequestDenied:"
        + " Insufficient privileges to complete the operation.): grant it User-PasswordProfile.ReadWrite.All (or"
        + " User.ReadWrite.All) and, for a Global Administrator's password, the Privileged Authentication"
        + " Administrator role (with admin consent)", e.getMessage());
    assertFalse(stackText(e).contains("Summer2026!"));
  }

  // ------------------------------------------------------------------ throttling and errors

  @Test
  void throttled_429Storm_waitsAsRetryAfterSays_thenSucceeds() throws Exception {
    server.fault("GET", "domains", Fault.throttled(7), Fault.throttled(3), Fault.throttled(1));
    assertEquals(2, dir.domains().size());
    assertEquals(List.of(Duration.ofSeconds(7), Duration.ofSeconds(3), Duration.ofSeconds(1)), sleeper.waits());
    assertEquals(4, server.requests("GET", "domains").size());
  }

  @Test
  void throttled_withoutRetryAfter_backsOff() throws Exception {
    server.fault("GET", "identity/conditionalAccess/policies", Fault.throttledWithoutRetryAfter(),
        Fault.throttledWithoutRetryAfter());
    assertEquals(7, dir.conditionalAccessPolicies().size());
    assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(4)), sleeper.waits());
  }

  @Test
  void unavailable_503And504_areRetried() throws Exception {
    server.fault("GET", "users/", Fault.unavailable(), Fault.gatewayTimeout());
    assertTrue(dir.user(BG1).isPresent());
    assertEquals(3, server.requests("GET", "users/").size());
  }

  @Test
  void unavailable_persistent_givesUpWithAClearMessage() {
    server.faultAlways("GET", "domains", Fault.unavailable());
    DirectoryException e = assertThrows(DirectoryException.class, () -> dir.domains());
    assertEquals(Reason.UNAVAILABLE, e.reason());
    assertEquals("Microsoft Graph is unavailable for GET /domains after 5 attempts over 30 s of waiting (503"
        + " serviceNotAvailable: Service Unavailable): try again in a few minutes", e.getMessage());
    assertEquals(5, server.requests("GET", "domains").size());
  }

  @Test
  void throttled_askingForTooLong_givesUpAtOnce() {
    server.faultAlways("GET", "domains", Fault.throttled(600));
    DirectoryException e = assertThrows(DirectoryException.class, () -> dir.domains());
    assertEquals(Reason.UNAVAILABLE, e.reason());
    assertEquals("Microsoft Graph is still throttling GET /domains after 1 attempt over 0 s of waiting, which asks to"
        + " wait 600 s (429 TooManyRequests: Too many requests.): try again in a few minutes (another tool using the"
        + " same app may be using up its quota)", e.getMessage());
    assertEquals(List.of(), sleeper.waits());
  }

  @Test
  void gatewayHtmlPage_keepsItsStatus() {
    server.fault("GET", "domains", Fault.htmlPage(502));
    DirectoryException e = assertThrows(DirectoryException.class, () -> dir.domains());
    assertEquals(Reason.UNAVAILABLE, e.reason());
    assertEquals("Microsoft Graph failed GET /domains (502 nonGraphErrorBody: HTTP 502 with a text/html body that is"
        + " not Graph's JSON error): try again in a few minutes", e.getMessage());
  }

  @Test
  void expiredToken_401_isRenewedOnce_andTheRequestSentAgain() throws Exception {
    server.fault("GET", "domains", Fault.expiredToken());
    assertEquals(2, dir.domains().size());
    List<Recorded> sent = server.requests("GET", "domains");
    assertEquals(List.of(Optional.of("token-1"), Optional.of("token-2")), sent.stream().map(Recorded::bearer).toList());
    assertEquals(List.of("token-1"), tokens.refused());
    dir.user(BG1);
    assertEquals(Optional.of("token-2"), server.requests("GET", "users/").get(0).bearer(), "the new token is kept");
  }

  @Test
  void refusedToken_thatCannotBeRenewed_isUnauthenticated() {
    connect(FakeTokens.of("only-token"));
    server.fault("GET", "domains", Fault.expiredToken());
    DirectoryException e = assertThrows(DirectoryException.class, () -> dir.domains());
    assertEquals(Reason.UNAUTHENTICATED, e.reason());
    assertEquals("the token was refused by Microsoft Graph for GET /domains (401 InvalidAuthenticationToken: Lifetime"
        + " validation failed, the token is expired.): check entra.tenant-id, entra.client-id and the credential in"
        + " bg.conf, or get a new access token", e.getMessage());
    assertEquals(1, server.requests("GET", "domains").size());
  }

  @Test
  void tokenSourceFailure_isReportedAsItsOwn() {
    DirectoryException cause = new DirectoryException(Reason.UNAUTHENTICATED, "could not get a token from Entra ID"
        + " with the certificate /h/monitor.pem (AADSTS700027: Client assertion contains an invalid signature.)");
    connect(FakeTokens.failing(cause));
    DirectoryException e = assertThrows(DirectoryException.class, () -> dir.domains());
    assertEquals(cause, e);
    assertEquals(List.of(), server.requests(), "nothing is sent without a token");
  }

  @Test
  void truncatedAndMalformedJson_areBadResponses() {
    server.fault("GET", "domains", Fault.truncatedJson());
    DirectoryException e = assertThrows(DirectoryException.class, () -> dir.domains());
    assertEquals(Reason.BAD_RESPONSE, e.reason());
    assertEquals("cannot read Microsoft Graph's answer to GET /domains (MalformedJsonException: Unterminated string at"
        + " line 1 column 369 path $.value[0].supportedServices[1]): try again; if it persists, check for a proxy"
        + " altering the traffic", e.getMessage());

    server.fault("GET", "users/", Fault.malformedJson());
    e = assertThrows(DirectoryException.class, () -> dir.user(BG1));
    assertEquals(Reason.BAD_RESPONSE, e.reason());

  }

  @Test
  void truncatedSecondPage_isABadResponse() {
    server.pageSize("identity/conditionalAccess/policies", 3);
    server.fault("GET", "identity/conditionalAccess/policies", Fault.pass(), Fault.truncatedJson());
    DirectoryException e = assertThrows(DirectoryException.class, () -> dir.conditionalAccessPolicies());
    assertEquals(Reason.BAD_RESPONSE, e.reason());
    assertEquals(2, server.requests("GET", "identity/conditionalAccess/policies").size());
  }

  @Test
  void forbidden_namesThePermission() {
    server.fault("GET", "identity/conditionalAccess/policies", Fault.forbidden());
    DirectoryException e = assertThrows(DirectoryException.class, () -> dir.conditionalAccessPolicies());
    assertEquals(Reason.FORBIDDEN, e.reason());
    assertEquals("the app may not GET /identity/conditionalAccess/policies (403 Authorization_RequestDenied:"
        + " Insufficient privileges to complete the operation.): grant it Policy.Read.All (with admin consent)",
        e.getMessage());
  }

  @Test
  void connectionRefused_andDropped_areIo() throws Exception {
    server.fault("GET", "domains", Fault.dropConnection(), Fault.dropConnection());
    DirectoryException e = assertThrows(DirectoryException.class, () -> dir.domains());
    assertEquals(Reason.IO, e.reason());
    assertEquals("cannot reach Microsoft Graph for GET /domains (the connection closed without an answer): check the"
        + " network and entra.graph-url", e.getMessage());

    URI gone = server.url();
    server.close();
    EntraConnection closed = EntraConnection.withTokens(gone, FakeTokens.of("t"), new TestClock(Instant.EPOCH),
        new RecordingSleeper());
    e = assertThrows(DirectoryException.class, () -> closed.directory().domains());
    closed.close();
    assertEquals(Reason.IO, e.reason());
    assertEquals("cannot reach Microsoft Graph for GET /domains (connection refused): check the network and"
        + " entra.graph-url", e.getMessage());
    server = GraphTestServer.start(GraphTestServer.CONTOSO);
  }

  static Set<String> fieldsBut(JsonNode n, String ignored) {
    Set<String> out = new java.util.TreeSet<>();
    n.fieldNames().forEachRemaining(f -> {
      if (!f.equals(ignored)) {
        out.add(f);
      }
    });
    return out;
  }

  static String stackText(Throwable t) {
    java.io.StringWriter w = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(w));
    return w.toString();
  }
}
