package dev.breakglass.custody.posture;

import static dev.breakglass.custody.posture.Texts.at;
import static dev.breakglass.custody.posture.Texts.plural;
import static dev.breakglass.custody.posture.Texts.quoted;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.directory.AppRegistration;
import dev.breakglass.custody.directory.AppRegistration.KeyCredential;
import dev.breakglass.custody.directory.AppRegistration.PasswordCredential;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.ledger.AppCertificate;
import dev.breakglass.custody.ledger.CaRecord;
import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.posture.Outcome.Findings;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** The checks of one break-glass app registration. */
final class AppChecks {
  private final Identity identity;
  private final Ledger ledger;
  private final Instant now;
  private final Duration warning;
  private final Lookup<Optional<AppRegistration>> app;

  AppChecks(Identity identity, DirectoryReader directory, Ledger ledger, Instant now) {
    this.identity = identity;
    this.ledger = ledger;
    this.now = now;
    this.warning = ledger.config().expiryWarning();
    this.app = new Lookup<>(Lookup.Source.APPLICATION, () -> directory.application(identity.ref()));
  }

  /** Every certificate credential is one our CA issued for this app and has not revoked. */
  Outcome certificates() throws DirectoryException, NotChecked, CustodyException {
    Optional<AppRegistration> found = app.get();
    if (found.isEmpty()) {
      return Outcome.fail("no app registration with application (client) id " + identity.ref() + " in Entra",
          "register the app (Entra admin centre > Identity > Applications > App registrations > New registration),"
              + " or correct the identity in the ledger");
    }
    AppRegistration a = found.get();
    String remove = "remove each from the app (Entra admin centre > Identity > Applications > App registrations > "
        + quoted(a.displayName()) + " > Certificates & secrets > Certificates) and attach one the kit issued: bg ca"
        + " issue --identity " + identity.ref() + ", then bg app attach-cert";
    if (a.keyCredentials().isEmpty()) {
      return Outcome.fail("the app has no certificate credentials: it cannot sign in with a certificate",
          "issue one and attach it: bg ca issue --identity " + identity.ref() + ", then bg app attach-cert");
    }
    List<CertificateRecord> issued = ledger.certificates();
    List<CaRecord> cas = ledger.cas();
    Findings f = new Findings();
    List<String> ours = new ArrayList<>();
    for (KeyCredential k : a.keyCredentials()) {
      Optional<String> thumbprint = thumbprint(k);
      if (thumbprint.isEmpty()) {
        // customKeyIdentifier is whatever whoever added the credential chose: it cannot vouch for it.
        f.fail("cannot verify credential " + k.keyId() + k.displayName().map(n -> " (" + quoted(n) + ")").orElse("")
            + ": Graph did not return its certificate" + k.thumbprint().map(t -> " (its customKeyIdentifier, "
            + t + ", is chosen by whoever added it and proves nothing)").orElse(""), "read the app with"
            + " $select=keyCredentials (GET /v1.0/applications(appId='" + identity.ref() + "')?$select=keyCredentials"
            + " returns each certificate) and check that the app bg posture signs in as has Application.Read.All;"
            + " if Graph still returns no certificate for it, remove the credential");
        continue;
      }
      Optional<CertificateRecord> c = issued.stream().filter(x -> x.sha1().equalsIgnoreCase(thumbprint.get()))
          .findFirst();
      String which = describe(k, thumbprint);
      if (c.isEmpty()) {
        f.fail(which + " is not a certificate the kit's CA issued", remove);
      } else if (!c.get().identity().equalsIgnoreCase(identity.ref())) {
        f.fail(which + " is certificate " + c.get().serial() + ", issued for app " + c.get().identity()
            + ", not this one", remove);
      } else if (c.get().revoked()) {
        f.fail(which + " is certificate " + c.get().serial() + ", revoked at " + at(c.get().revokedAt().get())
            + " but still on the app", remove);
      } else if (cas.stream().anyMatch(ca -> ca.serial().equals(c.get().caSerial()) && ca.revoked())) {
        f.fail(which + " is certificate " + c.get().serial() + ", issued by CA " + c.get().caSerial()
            + ", which was revoked", remove);
      } else {
        ours.add("serial " + c.get().serial());
      }
    }
    for (AppCertificate attached : ledger.appCertificates()) {
      if (attached.attached() && attached.identity().equalsIgnoreCase(identity.ref())
          && a.keyCredentials().stream().noneMatch(k -> k.keyId().equalsIgnoreCase(attached.keyId()))) {
        f.warn("the ledger records certificate " + attached.serial() + " as attached (keyId " + attached.keyId()
            + ") but the app no longer has it", "find out who removed it (Entra audit log: Update application),"
            + " then record it with bg app detach-cert or attach it again");
      }
    }
    return Outcome.of(f, plural(a.keyCredentials().size(), "certificate credential", "certificate credentials")
        + ", all issued by the kit's CA for this app and not revoked: " + String.join(", ", ours));
  }

  /** No certificate credential expired or expiring within {@code ca.expiry-warning-days}. */
  Outcome expiry() throws DirectoryException, NotChecked, CustodyException {
    AppRegistration a = require();
    if (a.keyCredentials().isEmpty()) {
      throw new NotChecked("the app has no certificate credentials", "see " + Posture.APP_CERTIFICATES);
    }
    List<CertificateRecord> issued = ledger.certificates();
    Findings f = new Findings();
    Instant soonest = null;
    for (KeyCredential k : a.keyCredentials()) {
      Optional<String> thumbprint = thumbprint(k);
      String which = describe(k, thumbprint);
      if (k.endDateTime().isEmpty()) {
        // Not our notAfter instead: only the credential's own end date says how long Entra accepts it.
        f.warn(which + " has no end date", "check it in the Entra admin centre");
        continue;
      }
      Optional<Instant> notAfter = thumbprint.flatMap(t -> issued.stream()
          .filter(x -> x.sha1().equalsIgnoreCase(t)).findFirst()).map(CertificateRecord::notAfter);
      // Entra refuses an end date after the certificate's; take the earlier of the two where both are known.
      Instant own = k.endDateTime().get();
      Instant end = notAfter.filter(n -> n.isBefore(own)).orElse(own);
      if (!end.isAfter(now)) {
        f.fail(which + " expired at " + at(end), "remove it from the app: bg app detach-cert (or Entra admin"
            + " centre > App registrations > the app > Certificates & secrets)");
      } else if (end.isBefore(now.plus(warning))) {
        f.warn(which + " expires at " + at(end) + ", within " + warning.toDays() + " days", "renew it and"
            + " attach the new one before then: bg ca renew SERIAL, then bg app attach-cert");
      }
      if (soonest == null || end.isBefore(soonest)) {
        soonest = end;
      }
    }
    return Outcome.of(f, "none expires within " + warning.toDays() + " days (the first at "
        + (soonest == null ? "?" : at(soonest)) + ")");
  }

  /** No client secrets: a secret is a password that can be copied without anyone noticing. */
  Outcome clientSecrets() throws DirectoryException, NotChecked {
    AppRegistration a = require();
    if (a.passwordCredentials().isEmpty()) {
      return Outcome.pass("no client secrets");
    }
    List<String> secrets = new ArrayList<>();
    List<String> calls = new ArrayList<>();
    for (PasswordCredential p : a.passwordCredentials()) {
      secrets.add(p.displayName().map(n -> quoted(n) + " ").orElse("") + "(keyId " + p.keyId()
          + p.endDateTime().map(e -> ", ends " + at(e)).orElse("") + ")");
      calls.add("POST /v1.0/applications/" + a.id() + "/removePassword {\"keyId\": \"" + p.keyId() + "\"}");
    }
    return Outcome.fail("the app has " + plural(secrets.size(), "client secret", "client secrets") + ": "
        + String.join(", ", secrets), "delete them: Entra admin centre > Identity > Applications > App registrations"
        + " > " + quoted(a.displayName()) + " > Certificates & secrets > Client secrets; or " + String.join(", ", calls));
  }

  private AppRegistration require() throws DirectoryException, NotChecked {
    Optional<AppRegistration> a = app.get();
    if (a.isEmpty()) {
      throw new NotChecked("no app registration with application (client) id " + identity.ref() + " in Entra",
          "see " + Posture.APP_CERTIFICATES);
    }
    return a.get();
  }

  /**
   * The SHA-1 thumbprint computed from the certificate, when Graph returned it; empty otherwise.
   * Never {@code customKeyIdentifier}: whoever adds a credential chooses that, and could choose ours.
   */
  static Optional<String> thumbprint(KeyCredential k) {
    if (k.key().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-1")
          .digest(k.key().get())));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-1", e);
    }
  }

  private static String describe(KeyCredential k, Optional<String> thumbprint) {
    return "certificate credential " + k.displayName().map(n -> quoted(n) + " ").orElse("") + "(keyId " + k.keyId()
        + ", thumbprint " + thumbprint.orElse("unknown: Graph did not return the certificate") + ")";
  }
}
