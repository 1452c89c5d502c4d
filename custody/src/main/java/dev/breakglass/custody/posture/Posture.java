package dev.breakglass.custody.posture;

import static dev.breakglass.custody.posture.Texts.at;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.directory.Fido2Policy;
import dev.breakglass.custody.ledger.FidoKey;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Checks that the break-glass setup in the ledger is sound in the directory, as Microsoft's
 * emergency-access guidance asks: one row per check and identity ({@link PostureCheck}).
 *
 * <p>Each user identity: {@value #CLOUD_ONLY}, {@value #ENABLED}, {@value #CONDITIONAL_ACCESS},
 * {@value #GLOBAL_ADMIN}, {@value #METHODS}, {@value #PASSWORD}, {@value #ITEMS_REVIEWED}. Each app
 * identity: {@value #APP_CERTIFICATES}, {@value #APP_CERTIFICATE_EXPIRY}, {@value
 * #APP_CLIENT_SECRETS}, {@value #ITEMS_REVIEWED}. The whole setup ({@value #TENANT}): {@value
 * #BREAK_GLASS_USERS}, {@value #FIDO2_POLICY}.
 *
 * <p>Directory failures: a read the directory refuses (FORBIDDEN, a missing licence, a malformed
 * answer) fails only the checks that needed it, each row saying what could not be read and which
 * permission to grant, and the other checks still run. A failure of the connection itself
 * (UNAUTHENTICATED, CONFIG, IO, UNAVAILABLE after the adapter's retries), at any call, stops the run
 * with that {@link DirectoryException}: every later read would fail alike, and a report of checks
 * that were never made must not look like findings.
 */
public final class Posture {
  /** The subject of checks of the whole setup rather than of one identity. */
  public static final String TENANT = "tenant";

  /** The user exists, is not synced from on-premises AD, and its UPN is on a Managed *.onmicrosoft.com domain. */
  public static final String CLOUD_ONLY = "user.cloud-only";
  /** The account is enabled. */
  public static final String ENABLED = "user.enabled";
  /** The account is excluded, directly, from every Conditional Access policy that targets it. */
  public static final String CONDITIONAL_ACCESS = "user.ca-excluded";
  /** Global Administrator is an active, permanent, direct assignment at scope {@code /}. */
  public static final String GLOBAL_ADMIN = "user.global-admin";
  /** A FIDO2 key (matching the keys in custody) and no phone, Authenticator, TAP, OATH or email method. */
  public static final String METHODS = "user.methods";
  /** Entra's password is the ledger's current version, set by the kit and not changed since. */
  public static final String PASSWORD = "user.password";
  /** Every item of the identity was reviewed within {@code review.interval-days}. */
  public static final String ITEMS_REVIEWED = "items.reviewed";
  /** The app exists and every certificate credential is one the kit's CA issued for it and has not revoked. */
  public static final String APP_CERTIFICATES = "app.certificates";
  /** No certificate credential expired or expiring within {@code ca.expiry-warning-days}. */
  public static final String APP_CERTIFICATE_EXPIRY = "app.certificate-expiry";
  /** The app has no client secrets. */
  public static final String APP_CLIENT_SECRETS = "app.client-secrets";
  /** At least two break-glass user accounts, and at least two of them exist and are enabled. */
  public static final String BREAK_GLASS_USERS = "tenant.break-glass-users";
  /** FIDO2 is enabled and its key restrictions let in every model of the keys in custody. */
  public static final String FIDO2_POLICY = "tenant.fido2-policy";

  private Posture() {}

  /**
   * Runs every check.
   *
   * @param clock the time the checks are judged at (review and expiry periods)
   * @throws DirectoryException when the directory cannot be reached or the credential is refused
   *     (see the class comment); nothing is reported then
   */
  public static PostureReport check(Ledger ledger, DirectoryReader directory, Clock clock)
      throws CustodyException, DirectoryException {
    Objects.requireNonNull(ledger, "ledger");
    Objects.requireNonNull(directory, "directory");
    Instant now = clock.instant();
    Tenant tenant = new Tenant(directory);
    List<Identity> identities = ledger.identities();
    List<Item> items = ledger.items();
    Duration interval = ledger.config().reviewInterval();
    List<PostureCheck> rows = new ArrayList<>();
    List<UserChecks> users = new ArrayList<>();
    for (Identity id : identities) {
      if (id.kind() != IdentityKind.USER) {
        continue;
      }
      UserChecks u = new UserChecks(id, directory, tenant, ledger, now);
      users.add(u);
      String s = id.ref();
      rows.add(row(CLOUD_ONLY, s, u::cloudOnly));
      rows.add(row(ENABLED, s, u::enabled));
      rows.add(row(CONDITIONAL_ACCESS, s, u::conditionalAccess));
      rows.add(row(GLOBAL_ADMIN, s, u::globalAdministrator));
      rows.add(row(METHODS, s, u::methods));
      rows.add(row(PASSWORD, s, u::password));
      rows.add(row(ITEMS_REVIEWED, s, () -> reviewed(id, items, interval, now)));
    }
    for (Identity id : identities) {
      if (id.kind() != IdentityKind.APP) {
        continue;
      }
      AppChecks a = new AppChecks(id, directory, ledger, now);
      String s = id.ref();
      rows.add(row(APP_CERTIFICATES, s, a::certificates));
      rows.add(row(APP_CERTIFICATE_EXPIRY, s, a::expiry));
      rows.add(row(APP_CLIENT_SECRETS, s, a::clientSecrets));
      rows.add(row(ITEMS_REVIEWED, s, () -> reviewed(id, items, interval, now)));
    }
    rows.add(row(BREAK_GLASS_USERS, TENANT, () -> enoughUsers(users)));
    rows.add(row(FIDO2_POLICY, TENANT, () -> fido2Policy(tenant, ledger)));
    return new PostureReport(now, rows);
  }

  @FunctionalInterface
  private interface Check {
    Outcome run() throws NotChecked, DirectoryException, CustodyException;
  }

  private static PostureCheck row(String check, String subject, Check body) throws DirectoryException,
      CustodyException {
    Outcome o;
    try {
      o = body.run();
    } catch (NotChecked e) {
      o = Outcome.fail("not checked: " + e.evidence(), e.fix());
    }
    return new PostureCheck(check, subject, o.status(), o.evidence(), o.fix());
  }

  // --- 6. items reviewed within the review interval ---------------------------------------------------

  private static Outcome reviewed(Identity id, List<Item> items, Duration interval, Instant now) {
    List<Item> mine = items.stream().filter(i -> i.identity().map(id.ref()::equalsIgnoreCase).orElse(false)).toList();
    if (mine.isEmpty()) {
      return Outcome.warn("no custody items belong to this identity: nothing in a safe unlocks it",
          "add the items that unlock it: bg item add LABEL --identity " + id.ref() + " …");
    }
    Instant dueBefore = now.minus(interval);
    List<String> due = new ArrayList<>();
    Instant oldest = null;
    for (Item i : mine) {
      Optional<Instant> last = i.lastReviewed();
      if (last.isEmpty() || last.get().isBefore(dueBefore)) {
        due.add(Texts.quoted(i.label()) + " (" + last.map(t -> "last reviewed " + at(t)).orElse("never reviewed")
            + (i.checkedOut() ? ", checked out by " + i.holder().orElse("?") : "") + ")");
      } else if (oldest == null || last.get().isBefore(oldest)) {
        oldest = last.get();
      }
    }
    if (!due.isEmpty()) {
      return Outcome.fail(Texts.plural(due.size(), "item", "items") + " not reviewed within " + interval.toDays()
          + " days: " + String.join(", ", due), "inspect each in its safe and record it: bg item review LABEL --by"
          + " CUSTODIAN --seal SEAL (an item that is out: check it in first)");
    }
    return Outcome.pass(Texts.plural(mine.size(), "item", "items") + " reviewed within " + interval.toDays()
        + " days (the oldest review at " + at(oldest) + ")");
  }

  // --- 7. at least two break-glass users ---------------------------------------------------------------

  private static Outcome enoughUsers(List<UserChecks> users) throws DirectoryException {
    String fix = "keep at least two cloud-only break-glass accounts, each with its own keys in separate safes: create"
        + " another and record it with bg identity add";
    if (users.size() < 2) {
      return Outcome.fail("the ledger holds " + Texts.plural(users.size(), "break-glass user", "break-glass users")
          + "; Microsoft asks for two or more, so that one lost or locked account does not lock the tenant out", fix);
    }
    int usable = 0;
    int unknown = 0;
    for (UserChecks u : users) {
      Optional<Boolean> ok = u.usable();
      if (ok.isEmpty()) {
        unknown++;
      } else if (ok.get()) {
        usable++;
      }
    }
    if (usable + unknown < 2) {
      return Outcome.fail("the ledger holds " + users.size() + " break-glass users, but only " + usable
          + " of them exists and is enabled in Entra", "see the " + CLOUD_ONLY + " and " + ENABLED + " rows; " + fix);
    }
    if (usable < 2) {
      return Outcome.fail("not checked: the ledger holds " + users.size() + " break-glass users, but the directory"
          + " would not show whether they exist", "see the " + CLOUD_ONLY + " rows");
    }
    return Outcome.pass(users.size() + " break-glass users in the ledger, " + usable + " of them enabled in Entra");
  }

  // --- 8. the FIDO2 security key policy -----------------------------------------------------------------

  private static Outcome fido2Policy(Tenant tenant, Ledger ledger) throws DirectoryException, NotChecked,
      CustodyException {
    Fido2Policy p = tenant.fido2();
    String where = "Entra admin centre > Protection > Authentication methods > Policies > Passkey (FIDO2)";
    if (!p.enabled()) {
      return Outcome.fail("the FIDO2 security key method is " + p.state() + " in the tenant: the break-glass keys"
          + " cannot sign in", "enable it for the break-glass accounts: " + where + " > Enable and target them");
    }
    Map<UUID, String> models = new LinkedHashMap<>();
    for (FidoKey k : ledger.keys()) {
      if (k.owner().kind() == KeyOwner.Kind.ITEM) {
        models.putIfAbsent(k.aaguid(), k.model().map(m -> "AAGUID " + k.aaguid() + " (" + m + ")")
            .orElse("AAGUID " + k.aaguid()));
      }
    }
    List<String> refused = models.entrySet().stream().filter(e -> !p.allows(e.getKey())).map(Map.Entry::getValue)
        .toList();
    if (!refused.isEmpty()) {
      String how = "allow".equalsIgnoreCase(p.enforcementType()) ? "are not on its allow list"
          : "block".equalsIgnoreCase(p.enforcementType()) ? "are on its block list"
          : "fall under key restrictions of enforcement type '" + p.enforcementType() + "'";
      return Outcome.fail("the FIDO2 policy enforces key restrictions and the models of keys in custody " + how
          + ", so Entra refuses them: " + String.join(", ", refused), "let those models in: " + where
          + " > Configure > Key restrictions policy (add the AAGUIDs to the allow list, or remove them from the block"
          + " list)");
    }
    String restrictions = p.keyRestrictionsEnforced()
        ? "key restrictions (" + p.enforcementType() + " list) let in " + (models.isEmpty()
            ? "any model: no keys are registered in custody"
            : "every model in custody: " + String.join(", ", models.values()))
        : "no key restrictions";
    return Outcome.pass("FIDO2 enabled; " + restrictions + "; attestation "
        + (p.attestationEnforced() ? "enforced" : "not enforced: Entra registers keys whose model it cannot verify"));
  }
}
