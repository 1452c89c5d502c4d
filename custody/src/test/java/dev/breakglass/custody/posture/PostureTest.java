package dev.breakglass.custody.posture;

import static dev.breakglass.custody.posture.FakeDirectory.certificate;
import static dev.breakglass.custody.posture.FakeDirectory.cloudUser;
import static dev.breakglass.custody.posture.FakeDirectory.domain;
import static dev.breakglass.custody.posture.FakeDirectory.eligibleGlobalAdmin;
import static dev.breakglass.custody.posture.FakeDirectory.fido2;
import static dev.breakglass.custody.posture.FakeDirectory.fido2Policy;
import static dev.breakglass.custody.posture.FakeDirectory.fido2Restricted;
import static dev.breakglass.custody.posture.FakeDirectory.groupGlobalAdmin;
import static dev.breakglass.custody.posture.FakeDirectory.keyless;
import static dev.breakglass.custody.posture.FakeDirectory.password;
import static dev.breakglass.custody.posture.FakeDirectory.permanentGlobalAdmin;
import static dev.breakglass.custody.posture.FakeDirectory.policy;
import static dev.breakglass.custody.posture.FakeDirectory.scheduledGlobalAdmin;
import static dev.breakglass.custody.posture.FakeDirectory.secret;
import static dev.breakglass.custody.posture.FakeDirectory.sha1;
import static dev.breakglass.custody.posture.FakeDirectory.sms;
import static dev.breakglass.custody.posture.FakeDirectory.timeBoundGlobalAdmin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.directory.AppRegistration;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryUser;
import dev.breakglass.custody.directory.RoleSchedule;
import dev.breakglass.custody.ledger.Custodian;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.ItemKind;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.NewCa;
import dev.breakglass.custody.ledger.NewCertificate;
import dev.breakglass.custody.ledger.NewItem;
import dev.breakglass.custody.ledger.NewKey;
import dev.breakglass.custody.ledger.NewPassword;
import dev.breakglass.custody.ledger.ReviewRequest;
import dev.breakglass.custody.ledger.Safe;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.custody.posture.PostureCheck.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every posture rule, passing and failing, against fixture tenants: a real ledger and an in-memory
 * directory that starts as a good tenant, which each test spoils in one way.
 */
class PostureTest {
  static final String BG1 = "bg1@contoso.onmicrosoft.com";
  static final String BG2 = "bg2@contoso.onmicrosoft.com";
  static final String BG1_ID = "0b1a0001-0000-4000-8000-000000000001";
  static final String BG2_ID = "0b1a0002-0000-4000-8000-000000000002";
  static final String APP = "11111111-2222-3333-4444-555555555555";
  static final String APP_OBJECT_ID = "a99a0000-0000-4000-8000-000000000001";
  static final String BREAK_GLASS_GROUP = "9a0a0000-0000-4000-8000-0000000000bb";
  static final String FINANCE_GROUP = "9a0a0000-0000-4000-8000-0000000000ff";
  /** YubiKey 5 Series, firmware 5.1. */
  static final UUID YUBIKEY = UUID.fromString("cb69481e-8ff7-4039-93ec-0a2729a154a8");
  static final UUID OTHER_MODEL = UUID.fromString("ee882879-721c-4913-9775-3dfcce97072a");
  /** Stands for the DER of the app's certificate 0A: posture only hashes it. */
  static final byte[] CERT_DER = "certificate 0A, issued by CA 01 for the break-glass app"
      .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  static final String SHA1 = sha1(CERT_DER);
  static final Instant START = Fixture.START;
  /** When the checks run: the setup was recorded at START. */
  static final Instant NOW = START.plus(Duration.ofDays(1));
  static final String VERIFIER =
      "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

  @TempDir Path home;
  TestClock clock;
  Ledger ledger;
  FakeDirectory tenant;

  @BeforeEach
  void setUp() throws Exception {
    clock = new TestClock(START);
    ledger = goodLedger(home, List.of(BG1, BG2), true);
    tenant = goodTenant();
    clock.advance(Duration.ofDays(1));
  }

  @AfterEach
  void tearDown() {
    ledger.close();
  }

  /**
   * Two safes, two custodians; each user has a registered YubiKey kept as a fido2-key item and a
   * password version the kit set in Entra; the app has a certificate from our CA on its medium;
   * every item reviewed. Recorded at START.
   */
  Ledger goodLedger(Path dir, List<String> users, boolean withApp) throws Exception {
    Ledger l = Ledger.init(dir, "admin", clock);
    l.addSafe(new Safe("hq-safe", "HQ, room 4.12", false), "admin");
    l.addSafe(new Safe("branch-safe", "Branch office", false), "admin");
    l.addCustodian(new Custodian("Alice", "+44 20 7946 0001"), "admin");
    l.addCustodian(new Custodian("Bob", "+44 20 7946 0002"), "admin");
    int n = 0;
    for (String upn : users) {
      n++;
      String label = "bg" + n + "-key";
      String seal = "SEAL-" + n;
      l.addIdentity(new Identity(IdentityKind.USER, upn, Optional.empty(), Optional.of("Break glass " + n)), "admin");
      l.addItem(new NewItem(label, ItemKind.FIDO2_KEY, Optional.of("YK-" + n), Optional.of(upn),
          n % 2 == 1 ? "hq-safe" : "branch-safe", Optional.of(seal)), "admin");
      l.recordKey(new NewKey(KeyOwner.item(label), "credential-" + n, "handle-" + n, "cose-" + n, YUBIKEY,
          Optional.of("YubiKey 5 Series"), "packed", "BASIC", true, List.of("usb"), 0, true, "AA", "AA"), "Alice",
          Optional.empty());
      l.review(new ReviewRequest(label, "Alice", Optional.empty(), Optional.of(seal), Optional.empty(),
          Optional.empty()));
      l.recordPassword(new NewPassword(upn, 1, 64, 419, "single", Optional.empty(), VERIFIER), "admin");
      l.recordPasswordSet(upn, 1, "entra", "admin");
    }
    if (withApp) {
      l.addIdentity(new Identity(IdentityKind.APP, APP, Optional.empty(), Optional.of("break-glass app")), "admin");
      l.addItem(new NewItem("app-cert", ItemKind.CERTIFICATE_MEDIA, Optional.empty(), Optional.of(APP), "hq-safe",
          Optional.of("SEAL-APP")), "admin");
      l.review(new ReviewRequest("app-cert", "Bob", Optional.empty(), Optional.of("SEAL-APP"), Optional.empty(),
          Optional.empty()));
      l.recordCa(new NewCa("01", "CN=BreakGlass Kit Root", "rsa-4096", START.minus(Duration.ofDays(1)),
          START.plus(Duration.ofDays(3650)), "b".repeat(64), "B".repeat(40)), "admin");
      l.recordCertificate(new NewCertificate("0A", "01", APP, "CN=bg-app", "rsa-2048", START,
          START.plus(Duration.ofDays(365)), SHA1, "c".repeat(64), Optional.empty()), "admin");
      l.recordCertificateAttached("0A", "key-1", "admin");
    }
    return l;
  }

  /** The tenant that matches the good ledger in every way Microsoft's guidance asks. */
  static FakeDirectory goodTenant() {
    FakeDirectory d = new FakeDirectory();
    d.domains.add(domain("contoso.onmicrosoft.com", "Managed"));
    d.domains.add(domain("contoso.com", "Federated"));
    // Entra stamps the password change a moment after the kit set it and recorded the set.
    d.user(cloudUser(BG1_ID, BG1, START.plusSeconds(30)));
    d.user(cloudUser(BG2_ID, BG2, START.plusSeconds(30)));
    d.policies.add(policy("Require MFA for all users", "enabled").includeUsers("All")
        .excludeUsers(BG1_ID, BG2_ID).build());
    d.policies.add(policy("Block legacy authentication", "enabled").includeUsers("All")
        .excludeUsers(BG1_ID, BG2_ID).build());
    d.policies.add(policy("Admins on compliant devices", "enabled").includeRoles(RoleSchedule.GLOBAL_ADMINISTRATOR)
        .excludeUsers(BG1_ID, BG2_ID).build());
    d.policies.add(policy("Finance outside the EU", "enabled").includeGroups(FINANCE_GROUP).build());
    for (String id : List.of(BG1_ID, BG2_ID)) {
      d.groups.put(id, java.util.Set.of(BREAK_GLASS_GROUP));
      d.roles.put(id, List.of(permanentGlobalAdmin(id)));
      d.methods.put(id, List.of(fido2("fido-" + id, YUBIKEY), password()));
    }
    d.apps.put(APP, new AppRegistration(APP_OBJECT_ID, APP, "break-glass app",
        List.of(certificate("key-1", CERT_DER, START, START.plus(Duration.ofDays(365)))), List.of()));
    return d;
  }

  PostureReport check() throws Exception {
    return Posture.check(ledger, tenant, clock);
  }

  static PostureCheck row(PostureReport r, String check, String subject) {
    return r.row(check, subject).orElseThrow(() -> new AssertionError("no row " + check + " for " + subject
        + " in " + r.rows()));
  }

  /** Asserts one row's status and that its evidence contains {@code evidence}. */
  static PostureCheck assertRow(PostureReport r, String check, String subject, Status status, String evidence) {
    PostureCheck c = row(r, check, subject);
    assertEquals(status, c.status(), c.toString());
    assertTrue(c.evidence().contains(evidence), "evidence of " + check + " lacks '" + evidence + "': "
        + c.evidence());
    if (status != Status.PASS) {
      assertFalse(c.fix().isBlank(), "a " + status + " row needs a fix: " + c);
    }
    return c;
  }

  /** Every row passes except the listed {@code check@subject} ones. */
  static void assertOthersPass(PostureReport r, String... except) {
    List<String> skip = List.of(except);
    List<PostureCheck> bad = r.rows().stream()
        .filter(c -> c.status() != Status.PASS && !skip.contains(c.check() + "@" + c.subject())).toList();
    assertEquals(List.of(), bad);
  }

  // --- the good tenant ---------------------------------------------------------------------------------

  @Test
  void goodTenant_everyCheckPasses() throws Exception {
    PostureReport r = check();

    assertOthersPass(r);
    assertFalse(r.failed());
    assertEquals(NOW, r.checkedAt());
    // 7 checks per user, 4 for the app, 2 for the tenant.
    assertEquals(2 * 7 + 4 + 2, r.rows().size());
    assertEquals(Map.of(Status.PASS, 20, Status.WARN, 0, Status.FAIL, 0), r.counts());
    assertEquals(List.of(Posture.CLOUD_ONLY, Posture.ENABLED, Posture.CONDITIONAL_ACCESS, Posture.GLOBAL_ADMIN,
        Posture.METHODS, Posture.PASSWORD, Posture.ITEMS_REVIEWED), r.rows().stream()
        .filter(c -> c.subject().equals(BG1)).map(PostureCheck::check).toList());
    assertRow(r, Posture.CLOUD_ONLY, BG1, Status.PASS, "cloud-only (not synced) on contoso.onmicrosoft.com, a Managed"
        + " domain");
    assertRow(r, Posture.CONDITIONAL_ACCESS, BG1, Status.PASS, "excluded directly from every policy that targets it"
        + " (3 of 4 policies)");
    assertRow(r, Posture.GLOBAL_ADMIN, BG2, Status.PASS, "active, permanent, direct");
    assertRow(r, Posture.METHODS, BG1, Status.PASS, "FIDO2 in Entra: AAGUID " + YUBIKEY + " (YubiKey 5 Series);"
        + " in custody: AAGUID " + YUBIKEY);
    assertRow(r, Posture.PASSWORD, BG1, Status.PASS, "when the kit set version 1");
    assertRow(r, Posture.ITEMS_REVIEWED, APP, Status.PASS, "1 item reviewed within 183 days");
    assertRow(r, Posture.APP_CERTIFICATES, APP, Status.PASS, "1 certificate credential, all issued by the kit's CA"
        + " for this app and not revoked: serial A");
    assertRow(r, Posture.APP_CERTIFICATE_EXPIRY, APP, Status.PASS, "none expires within 30 days");
    assertRow(r, Posture.APP_CLIENT_SECRETS, APP, Status.PASS, "no client secrets");
    assertRow(r, Posture.BREAK_GLASS_USERS, Posture.TENANT, Status.PASS, "2 break-glass users in the ledger, 2 of"
        + " them enabled in Entra");
    assertRow(r, Posture.FIDO2_POLICY, Posture.TENANT, Status.PASS, "FIDO2 enabled; no key restrictions; attestation"
        + " enforced");
    // Tenant-wide reads are made once, not once per user.
    assertEquals(1, tenant.calls("conditionalAccessPolicies"));
    assertEquals(1, tenant.calls("domains"));
    assertEquals(2, tenant.calls("roleSchedules"), "one per user, shared by the role and CA checks");
  }

  // --- 1. cloud-only -------------------------------------------------------------------------------------

  @Test
  void syncedAccount_fails() throws Exception {
    DirectoryUser u = tenant.userById(BG1_ID);
    tenant.user(new DirectoryUser(u.id(), u.userPrincipalName(), u.displayName(), true, Optional.of(true),
        u.lastPasswordChangeDateTime()));

    PostureReport r = check();

    assertRow(r, Posture.CLOUD_ONLY, BG1, Status.FAIL, "synced from on-premises Active Directory"
        + " (onPremisesSyncEnabled = true)");
    assertOthersPass(r, Posture.CLOUD_ONLY + "@" + BG1);
  }

  @Test
  void federatedDomain_fails() throws Exception {
    String upn = "bg3@contoso.com";
    String id = "0b1a0003-0000-4000-8000-000000000003";
    ledger.addIdentity(new Identity(IdentityKind.USER, upn, Optional.of(id), Optional.empty()), "admin");
    tenant.user(cloudUser(id, upn, START));

    PostureReport r = check();

    PostureCheck c = assertRow(r, Posture.CLOUD_ONLY, upn, Status.FAIL, "UPN bg3@contoso.com is not on a"
        + " *.onmicrosoft.com domain; domain contoso.com is Federated, not Managed");
    assertTrue(c.fix().contains("create a cloud-only account on the tenant's *.onmicrosoft.com domain"), c.fix());
    assertRow(r, Posture.PASSWORD, upn, Status.WARN, "no password version in custody");
    assertRow(r, Posture.ITEMS_REVIEWED, upn, Status.WARN, "no custody items belong to this identity");
  }

  @Test
  void missingUser_failsItsChecksAndTheCount() throws Exception {
    tenant.removeUser(BG2_ID);

    PostureReport r = check();

    assertRow(r, Posture.CLOUD_ONLY, BG2, Status.FAIL, "no user " + BG2 + " in Entra");
    for (String check : List.of(Posture.ENABLED, Posture.CONDITIONAL_ACCESS, Posture.GLOBAL_ADMIN, Posture.METHODS,
        Posture.PASSWORD)) {
      assertRow(r, check, BG2, Status.FAIL, "not checked: no user " + BG2 + " in Entra");
    }
    assertRow(r, Posture.ITEMS_REVIEWED, BG2, Status.PASS, "1 item reviewed within 183 days");
    assertRow(r, Posture.BREAK_GLASS_USERS, Posture.TENANT, Status.FAIL, "the ledger holds 2 break-glass users, but"
        + " only 1 of them exists and is enabled in Entra");
  }

  @Test
  void disabledAccount_fails() throws Exception {
    DirectoryUser u = tenant.userById(BG2_ID);
    tenant.user(new DirectoryUser(u.id(), u.userPrincipalName(), u.displayName(), false,
        u.onPremisesSyncEnabled(), u.lastPasswordChangeDateTime()));

    PostureReport r = check();

    assertRow(r, Posture.ENABLED, BG2, Status.FAIL, "the account is disabled (accountEnabled = false)");
    assertRow(r, Posture.BREAK_GLASS_USERS, Posture.TENANT, Status.FAIL, "only 1 of them exists and is enabled");
  }

  // --- 2. Conditional Access -----------------------------------------------------------------------------

  @Test
  void enabledPolicyWithoutExclusion_fails() throws Exception {
    tenant.policies.add(policy("Require compliant device", "enabled").includeUsers("All").excludeUsers(BG2_ID)
        .build());

    PostureReport r = check();

    PostureCheck c = assertRow(r, Posture.CONDITIONAL_ACCESS, BG1, Status.FAIL,
        "not excluded from 1 policy: 'Require compliant device' (enabled)");
    assertTrue(c.fix().contains("conditions.users.excludeUsers holding " + BG1_ID), c.fix());
    assertOthersPass(r, Posture.CONDITIONAL_ACCESS + "@" + BG1);
  }

  @Test
  void reportOnlyPolicyWithoutExclusion_warns() throws Exception {
    tenant.policies.add(policy("Sign-in risk (pilot)", "enabledForReportingButNotEnforced").includeUsers("All")
        .build());
    tenant.policies.add(policy("Old block", "disabled").includeUsers(BG1_ID).build());

    PostureReport r = check();

    assertRow(r, Posture.CONDITIONAL_ACCESS, BG1, Status.WARN, "not excluded from 2 policies not enforced now:"
        + " 'Sign-in risk (pilot)' (report-only), 'Old block' (disabled)");
    assertRow(r, Posture.CONDITIONAL_ACCESS, BG2, Status.WARN, "'Sign-in risk (pilot)' (report-only);");
  }

  @Test
  void excludedOnlyThroughGroup_warns() throws Exception {
    tenant.policies.set(0, policy("Require MFA for all users", "enabled").includeUsers("All")
        .excludeGroups(BREAK_GLASS_GROUP).build());

    PostureReport r = check();

    assertRow(r, Posture.CONDITIONAL_ACCESS, BG1, Status.WARN, "excluded only indirectly from 1 policy: 'Require MFA"
        + " for all users' (enabled) through group " + BREAK_GLASS_GROUP + "; anyone who can change the group's"
        + " members can re-include the account");
  }

  @Test
  void targetedThroughRoleAndGroup_isJudgedByMembership() throws Exception {
    // Targets Global Administrators and a group the accounts are in; excludes nobody.
    tenant.policies.add(policy("Admins: block unmanaged apps", "enabled").includeRoles(RoleSchedule.GLOBAL_ADMINISTRATOR)
        .build());
    tenant.policies.add(policy("Break-glass group MFA", "enabled").includeGroups(BREAK_GLASS_GROUP).build());

    PostureReport r = check();

    assertRow(r, Posture.CONDITIONAL_ACCESS, BG1, Status.FAIL, "not excluded from 2 policies: 'Admins: block"
        + " unmanaged apps' (enabled), 'Break-glass group MFA' (enabled)");
  }

  @Test
  void forbiddenOnPolicies_failsThatCheckWhileOthersRun() throws Exception {
    tenant.fail("conditionalAccessPolicies", new DirectoryException(DirectoryException.Reason.FORBIDDEN,
        "Graph refused GET /identity/conditionalAccess/policies (403 Forbidden)"));

    PostureReport r = check();

    for (String u : List.of(BG1, BG2)) {
      PostureCheck c = assertRow(r, Posture.CONDITIONAL_ACCESS, u, Status.FAIL, "not checked: cannot read"
          + " Conditional Access policies: Graph refused GET /identity/conditionalAccess/policies (403 Forbidden)");
      assertTrue(c.fix().startsWith("grant the Microsoft Graph application permission Policy.Read.All"), c.fix());
    }
    assertOthersPass(r, Posture.CONDITIONAL_ACCESS + "@" + BG1, Posture.CONDITIONAL_ACCESS + "@" + BG2);
    assertEquals(1, tenant.calls("conditionalAccessPolicies"), "a refusal is not asked again for the second user");
  }

  @Test
  void connectionFailure_stopsTheRun() throws Exception {
    for (DirectoryException.Reason reason : List.of(DirectoryException.Reason.UNAUTHENTICATED,
        DirectoryException.Reason.IO, DirectoryException.Reason.UNAVAILABLE)) {
      FakeDirectory d = goodTenant();
      d.fail("authenticationMethods", new DirectoryException(reason, "the token expired"));
      DirectoryException e = assertThrows(DirectoryException.class, () -> Posture.check(ledger, d, clock));
      assertEquals(reason, e.reason());
    }
  }

  // --- 3. Global Administrator ---------------------------------------------------------------------------

  @Test
  void eligibleInsteadOfPermanent_fails() throws Exception {
    tenant.roles.put(BG1_ID, List.of(eligibleGlobalAdmin(BG1_ID)));

    PostureReport r = check();

    PostureCheck c = assertRow(r, Posture.GLOBAL_ADMIN, BG1, Status.FAIL, "eligible, not active (schedule ga-eligible-"
        + BG1_ID + "): an activation needs PIM and MFA, which may be down in an emergency");
    assertTrue(c.fix().contains("\"expiration\": {\"type\": \"noExpiration\"}"), c.fix());
    // An eligible role does not count for Conditional Access targeting either: "Admins on compliant devices"
    // no longer targets it, and the other policies still exclude it.
    assertRow(r, Posture.CONDITIONAL_ACCESS, BG1, Status.PASS, "(2 of 4 policies)");
  }

  @Test
  void timeBoundAssignment_failsNamingTheEnd() throws Exception {
    tenant.roles.put(BG2_ID, List.of(timeBoundGlobalAdmin(BG2_ID, Instant.parse("2027-03-01T00:00:00Z"))));

    PostureReport r = check();

    assertRow(r, Posture.GLOBAL_ADMIN, BG2, Status.FAIL, "active (schedule ga-until-" + BG2_ID + ") but time-bound:"
        + " it ends 2027-03-01T00:00:00Z");
  }

  @Test
  void assignmentNotStartedYet_failsNamingTheStart() throws Exception {
    // roleAssignmentSchedules lists an assignment scheduled to start later, Provisioned or not.
    Instant start = NOW.plus(Duration.ofDays(30));
    tenant.roles.put(BG1_ID, List.of(scheduledGlobalAdmin(BG1_ID, Optional.of(start), Optional.of("Provisioned"))));

    PostureReport r = check();

    assertRow(r, Posture.GLOBAL_ADMIN, BG1, Status.FAIL, "assigned (schedule ga-scheduled-" + BG1_ID + ") but not"
        + " started: it starts 2026-12-26T09:00:00Z, and grants nothing until then");
    assertOthersPass(r, Posture.GLOBAL_ADMIN + "@" + BG1);
  }

  @Test
  void assignmentNotProvisioned_fails() throws Exception {
    tenant.roles.put(BG1_ID, List.of(scheduledGlobalAdmin(BG1_ID, Optional.of(START), Optional.of("Granted"))));

    assertRow(check(), Posture.GLOBAL_ADMIN, BG1, Status.FAIL, "assigned (schedule ga-scheduled-" + BG1_ID + ") but"
        + " not in force (status Granted, not Provisioned)");
  }

  @Test
  void assignmentWithoutStartOrStatus_passes() throws Exception {
    tenant.roles.put(BG1_ID, List.of(scheduledGlobalAdmin(BG1_ID, Optional.empty(), Optional.empty())));

    assertRow(check(), Posture.GLOBAL_ADMIN, BG1, Status.PASS, "active, permanent, direct assignment at scope /"
        + " (schedule ga-scheduled-" + BG1_ID + ")");
  }

  @Test
  void roleNotStartedYet_doesNotExcludeFromConditionalAccess() throws Exception {
    tenant.policies.add(policy("Block outside the office", "enabled").includeUsers("All")
        .excludeRoles(RoleSchedule.GLOBAL_ADMINISTRATOR).build());
    tenant.roles.put(BG1_ID, List.of(scheduledGlobalAdmin(BG1_ID, Optional.of(NOW.plus(Duration.ofDays(30))),
        Optional.of("Provisioned"))));

    PostureReport r = check();

    // BG1 does not hold the role yet, so the role exclusion does not cover it; BG2 holds it now.
    assertRow(r, Posture.CONDITIONAL_ACCESS, BG1, Status.FAIL, "not excluded from 1 policy: 'Block outside the"
        + " office' (enabled)");
    assertRow(r, Posture.CONDITIONAL_ACCESS, BG2, Status.WARN, "excluded only indirectly from 1 policy: 'Block"
        + " outside the office' (enabled) through role Global Administrator");
  }

  @Test
  void assignmentThroughGroup_fails() throws Exception {
    tenant.roles.put(BG1_ID, List.of(groupGlobalAdmin(BG1_ID)));

    PostureReport r = check();

    assertRow(r, Posture.GLOBAL_ADMIN, BG1, Status.FAIL, "held through a group (memberType Group), not directly");
  }

  @Test
  void noGlobalAdministrator_fails() throws Exception {
    tenant.roles.put(BG1_ID, List.of());

    assertRow(check(), Posture.GLOBAL_ADMIN, BG1, Status.FAIL, "holds no Global Administrator assignment, active or"
        + " eligible");
  }

  // --- 4. methods ------------------------------------------------------------------------------------------

  @Test
  void smsMethod_fails() throws Exception {
    String sms = "3179e48a-750b-4051-897c-87b9720928f7";
    tenant.methods.put(BG1_ID, List.of(fido2("fido-1", YUBIKEY), password(), sms(sms)));

    PostureReport r = check();

    PostureCheck c = assertRow(r, Posture.METHODS, BG1, Status.FAIL, "methods that a phone, a person's device or the"
        + " helpdesk can use: phone (SMS/voice) ('+44 7700 900123', id " + sms + ")");
    assertTrue(c.fix().contains("DELETE /v1.0/users/" + BG1_ID + "/authentication/phoneMethods/" + sms), c.fix());
    assertOthersPass(r, Posture.METHODS + "@" + BG1);
  }

  @Test
  void noFido2Key_fails() throws Exception {
    tenant.methods.put(BG2_ID, List.of(password()));

    PostureReport r = check();

    // The key in custody is then also missing from Entra.
    assertRow(r, Posture.METHODS, BG2, Status.FAIL, "no FIDO2 security key is registered on the account; AAGUID "
        + YUBIKEY + " (YubiKey 5 Series): 1 in custody, 0 in Entra");
  }

  @Test
  void keyNotInCustody_warns() throws Exception {
    tenant.methods.put(BG1_ID, List.of(fido2("fido-1", YUBIKEY), fido2("fido-2", YUBIKEY),
        fido2("fido-3", OTHER_MODEL), password()));

    PostureReport r = check();

    assertRow(r, Posture.METHODS, BG1, Status.WARN, "AAGUID " + YUBIKEY + " (YubiKey 5 Series): 2 in Entra, 1 in"
        + " custody: a key not in custody can sign in as the account; AAGUID " + OTHER_MODEL + ": 1 in Entra, 0 in"
        + " custody");
  }

  // --- 5. password ----------------------------------------------------------------------------------------

  @Test
  void passwordNeverSetInEntra_fails() throws Exception {
    DirectoryUser u = tenant.userById(BG1_ID);
    tenant.user(cloudUser(u.id(), u.userPrincipalName(), START.minus(Duration.ofDays(40))));

    PostureReport r = check();

    assertRow(r, Posture.PASSWORD, BG1, Status.FAIL, "version 1 recorded at 2026-11-25T09:00:00Z was never set in"
        + " Entra: the account's password was last changed at 2026-10-16T09:00:00Z");
  }

  @Test
  void passwordChangedAfterTheKitSetIt_warns() throws Exception {
    tenant.user(cloudUser(BG2_ID, BG2, START.plus(Duration.ofHours(3))));

    PostureReport r = check();

    assertRow(r, Posture.PASSWORD, BG2, Status.WARN, "changed outside the kit: Entra's password changed at"
        + " 2026-11-25T12:00:00Z, after the kit set version 1 at 2026-11-25T09:00:00Z");
  }

  @Test
  void passwordVersionNotRecordedAsSet_warns() throws Exception {
    ledger.recordPassword(new NewPassword(BG2, 2, 64, 419, "single", Optional.empty(), VERIFIER), "admin");
    tenant.user(cloudUser(BG2_ID, BG2, NOW.plus(Duration.ofMinutes(10))));
    clock.advance(Duration.ofHours(1));

    PostureReport r = check();

    assertRow(r, Posture.PASSWORD, BG2, Status.WARN, "after version 2 recorded at 2026-11-26T09:00:00Z, but the kit"
        + " did not record setting it");
  }

  // --- 6. reviews ------------------------------------------------------------------------------------------

  @Test
  void overdueAndUnreviewedItems_fail() throws Exception {
    ledger.addItem(new NewItem("bg1-envelope", ItemKind.PASSWORD_ENVELOPE, Optional.empty(), Optional.of(BG1),
        "hq-safe", Optional.of("SEAL-9")), "admin");
    clock.advance(Duration.ofDays(190));

    PostureReport r = check();

    assertRow(r, Posture.ITEMS_REVIEWED, BG1, Status.FAIL, "2 items not reviewed within 183 days: 'bg1-envelope'"
        + " (never reviewed), 'bg1-key' (last reviewed 2026-11-25T09:00:00Z)");
  }

  // --- 7. two break-glass users ------------------------------------------------------------------------------

  @Test
  void oneBreakGlassUser_fails(@TempDir Path other) throws Exception {
    try (Ledger one = goodLedger(other, List.of(BG1), false)) {
      tenant.user(cloudUser(BG1_ID, BG1, NOW.plusSeconds(30))); // that ledger was recorded at NOW
      PostureReport r = Posture.check(one, tenant, clock);

      assertRow(r, Posture.BREAK_GLASS_USERS, Posture.TENANT, Status.FAIL, "the ledger holds 1 break-glass user;"
          + " Microsoft asks for two or more");
      assertTrue(r.failed());
      assertEquals(1, r.count(Status.FAIL));
    }
  }

  // --- 8. the app ------------------------------------------------------------------------------------------

  @Test
  void clientSecret_fails() throws Exception {
    AppRegistration a = tenant.apps.get(APP);
    tenant.apps.put(APP, new AppRegistration(a.id(), a.appId(), a.displayName(), a.keyCredentials(),
        List.of(secret("5b4c0000-0000-4000-8000-000000000001", START.plus(Duration.ofDays(730))))));

    PostureReport r = check();

    PostureCheck c = assertRow(r, Posture.APP_CLIENT_SECRETS, APP, Status.FAIL, "the app has 1 client secret:"
        + " 'ci-secret' (keyId 5b4c0000-0000-4000-8000-000000000001, ends 2028-11-24T09:00:00Z)");
    assertTrue(c.fix().contains("POST /v1.0/applications/" + APP_OBJECT_ID + "/removePassword"), c.fix());
    assertOthersPass(r, Posture.APP_CLIENT_SECRETS + "@" + APP);
  }

  @Test
  void expiredCertificate_fails() throws Exception {
    clock.advance(Duration.ofDays(370));

    PostureReport r = check();

    assertRow(r, Posture.APP_CERTIFICATE_EXPIRY, APP, Status.FAIL, "certificate credential 'CN=key-1' (keyId key-1,"
        + " thumbprint " + SHA1 + ") expired at 2027-11-25T09:00:00Z");
  }

  @Test
  void certificateExpiringSoon_warns() throws Exception {
    clock.advance(Duration.ofDays(350));

    assertRow(check(), Posture.APP_CERTIFICATE_EXPIRY, APP, Status.WARN, "expires at 2027-11-25T09:00:00Z, within 30"
        + " days");
  }

  @Test
  void unknownThumbprint_fails() throws Exception {
    byte[] strangerDer = "someone else's certificate".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    String stranger = sha1(strangerDer);
    AppRegistration a = tenant.apps.get(APP);
    List<AppRegistration.KeyCredential> keys = new ArrayList<>(a.keyCredentials());
    keys.add(certificate("key-2", strangerDer, START, START.plus(Duration.ofDays(700))));
    tenant.apps.put(APP, new AppRegistration(a.id(), a.appId(), a.displayName(), keys, a.passwordCredentials()));

    PostureReport r = check();

    assertRow(r, Posture.APP_CERTIFICATES, APP, Status.FAIL, "certificate credential 'CN=key-2' (keyId key-2,"
        + " thumbprint " + stranger + ") is not a certificate the kit's CA issued");
    assertOthersPass(r, Posture.APP_CERTIFICATES + "@" + APP);
  }

  @Test
  void keylessCredentialClaimingOurThumbprint_failsAndItsExpiryIsNotOurs() throws Exception {
    // Graph did not return the credential's certificate; its customKeyIdentifier, which whoever added it
    // chose, is our certificate's SHA-1.
    AppRegistration a = tenant.apps.get(APP);
    List<AppRegistration.KeyCredential> keys = new ArrayList<>(a.keyCredentials());
    keys.add(keyless("key-2", SHA1, Optional.empty()));
    tenant.apps.put(APP, new AppRegistration(a.id(), a.appId(), a.displayName(), keys, a.passwordCredentials()));

    PostureReport r = check();

    PostureCheck c = assertRow(r, Posture.APP_CERTIFICATES, APP, Status.FAIL, "cannot verify credential key-2"
        + " ('CN=key-2'): Graph did not return its certificate (its customKeyIdentifier, " + SHA1 + ", is chosen by"
        + " whoever added it and proves nothing)");
    assertFalse(c.evidence().contains("serial A, serial A"), c.evidence());
    assertTrue(c.fix().contains("$select=keyCredentials") && c.fix().contains("Application.Read.All"), c.fix());
    // Its end date is its own: our certificate's notAfter says nothing about it.
    assertRow(r, Posture.APP_CERTIFICATE_EXPIRY, APP, Status.WARN, "certificate credential 'CN=key-2' (keyId key-2,"
        + " thumbprint unknown: Graph did not return the certificate) has no end date");
    assertOthersPass(r, Posture.APP_CERTIFICATES + "@" + APP, Posture.APP_CERTIFICATE_EXPIRY + "@" + APP);
  }

  @Test
  void keylessCredential_expiresAtItsOwnEndDate() throws Exception {
    AppRegistration a = tenant.apps.get(APP);
    tenant.apps.put(APP, new AppRegistration(a.id(), a.appId(), a.displayName(),
        List.of(a.keyCredentials().get(0), keyless("key-2", SHA1, Optional.of(NOW.minus(Duration.ofHours(1))))),
        a.passwordCredentials()));

    assertRow(check(), Posture.APP_CERTIFICATE_EXPIRY, APP, Status.FAIL, "(keyId key-2, thumbprint unknown: Graph"
        + " did not return the certificate) expired at 2026-11-26T08:00:00Z");
  }

  @Test
  void keyBytes_notCustomKeyIdentifier_decideWhoseCertificateItIs() throws Exception {
    // Ours, whatever customKeyIdentifier says.
    AppRegistration a = tenant.apps.get(APP);
    AppRegistration.KeyCredential ours = a.keyCredentials().get(0);
    AppRegistration.KeyCredential relabelled = new AppRegistration.KeyCredential(ours.keyId(), ours.type(),
        ours.usage(), ours.displayName(), Optional.of("00".repeat(20)), ours.startDateTime(), ours.endDateTime(),
        ours.key());
    tenant.apps.put(APP, new AppRegistration(a.id(), a.appId(), a.displayName(), List.of(relabelled), List.of()));

    PostureReport r = check();

    assertRow(r, Posture.APP_CERTIFICATES, APP, Status.PASS, "1 certificate credential, all issued by the kit's CA"
        + " for this app and not revoked: serial A");
    assertRow(r, Posture.APP_CERTIFICATE_EXPIRY, APP, Status.PASS, "the first at 2027-11-25T09:00:00Z");

    // Not ours, though customKeyIdentifier says it is.
    byte[] otherDer = "an attacker's certificate".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    AppRegistration.KeyCredential impostor = new AppRegistration.KeyCredential("key-2", "AsymmetricX509Cert",
        "Verify", Optional.of("CN=key-2"), Optional.of(SHA1), Optional.of(START),
        Optional.of(START.plus(Duration.ofDays(700))), Optional.of(otherDer));
    tenant.apps.put(APP, new AppRegistration(a.id(), a.appId(), a.displayName(), List.of(ours, impostor), List.of()));

    assertRow(check(), Posture.APP_CERTIFICATES, APP, Status.FAIL, "certificate credential 'CN=key-2' (keyId key-2,"
        + " thumbprint " + sha1(otherDer) + ") is not a certificate the kit's CA issued");
  }

  @Test
  void revokedCertificateStillOnTheApp_fails() throws Exception {
    ledger.recordRevocation("0A", "key on a lost laptop", "keyCompromise", "admin");

    assertRow(check(), Posture.APP_CERTIFICATES, APP, Status.FAIL, "is certificate A, revoked at");
  }

  @Test
  void missingApp_failsItsChecks() throws Exception {
    tenant.apps.remove(APP);

    PostureReport r = check();

    assertRow(r, Posture.APP_CERTIFICATES, APP, Status.FAIL, "no app registration with application (client) id "
        + APP + " in Entra");
    assertRow(r, Posture.APP_CLIENT_SECRETS, APP, Status.FAIL, "not checked: no app registration");
    assertEquals(3, r.count(Status.FAIL), r.rows().stream().map(PostureCheck::toString)
        .collect(Collectors.joining("\n")));
  }

  // --- 9. the FIDO2 policy ---------------------------------------------------------------------------------

  @Test
  void fido2Disabled_fails() throws Exception {
    tenant.fido2 = fido2Policy("disabled");

    PostureReport r = check();

    assertRow(r, Posture.FIDO2_POLICY, Posture.TENANT, Status.FAIL, "the FIDO2 security key method is disabled in"
        + " the tenant: the break-glass keys cannot sign in");
    assertOthersPass(r, Posture.FIDO2_POLICY + "@" + Posture.TENANT);
  }

  @Test
  void fido2AllowListWithCustodyModels_passes() throws Exception {
    tenant.fido2 = fido2Restricted("allow", OTHER_MODEL, YUBIKEY);

    PostureReport r = check();

    assertRow(r, Posture.FIDO2_POLICY, Posture.TENANT, Status.PASS, "key restrictions (allow list) let in every model"
        + " in custody: AAGUID " + YUBIKEY + " (YubiKey 5 Series)");
  }

  @Test
  void fido2AllowListWithoutCustodyModel_failsNamingIt() throws Exception {
    tenant.fido2 = fido2Restricted("allow", OTHER_MODEL);

    PostureReport r = check();

    assertRow(r, Posture.FIDO2_POLICY, Posture.TENANT, Status.FAIL, "are not on its allow list, so Entra refuses"
        + " them: AAGUID " + YUBIKEY + " (YubiKey 5 Series)");
    assertOthersPass(r, Posture.FIDO2_POLICY + "@" + Posture.TENANT);
  }

  @Test
  void fido2BlockListWithCustodyModel_failsNamingIt() throws Exception {
    tenant.fido2 = fido2Restricted("block", YUBIKEY);

    PostureReport r = check();

    assertRow(r, Posture.FIDO2_POLICY, Posture.TENANT, Status.FAIL, "are on its block list, so Entra refuses them:"
        + " AAGUID " + YUBIKEY + " (YubiKey 5 Series)");
  }

  @Test
  void fido2BlockListOfOtherModels_passes() throws Exception {
    tenant.fido2 = fido2Restricted("block", OTHER_MODEL);

    assertRow(check(), Posture.FIDO2_POLICY, Posture.TENANT, Status.PASS, "key restrictions (block list)");
  }

  @Test
  void fido2AttestationNotEnforced_passesSayingSo() throws Exception {
    tenant.fido2 = new dev.breakglass.custody.directory.Fido2Policy("enabled", false, false, "", java.util.Set.of());

    assertRow(check(), Posture.FIDO2_POLICY, Posture.TENANT, Status.PASS, "attestation not enforced");
  }

  @Test
  void fido2PolicyForbidden_failsAsNotChecked() throws Exception {
    tenant.fail("fido2Policy", new DirectoryException(DirectoryException.Reason.FORBIDDEN,
        "Graph refused GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2 (403)"));

    PostureReport r = check();

    PostureCheck c = assertRow(r, Posture.FIDO2_POLICY, Posture.TENANT, Status.FAIL, "not checked: cannot read the"
        + " FIDO2 security key policy");
    assertTrue(c.fix().startsWith("grant the Microsoft Graph application permission Policy.Read.AuthenticationMethod"),
        c.fix());
    assertOthersPass(r, Posture.FIDO2_POLICY + "@" + Posture.TENANT);
  }
}
