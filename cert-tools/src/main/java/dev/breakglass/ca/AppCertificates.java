package dev.breakglass.ca;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.directory.AppRegistration;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.directory.DirectoryWriter;
import dev.breakglass.custody.ledger.AppCertificate;
import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Ledger;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Optional;

/**
 * Attaches our certificates to the break-glass app registration in Entra, and removes them, with
 * a ledger event for each change. The ledger is written only after Graph accepted the change; the
 * adapter keeps every other credential of the app (Graph's PATCH replaces the whole collection).
 */
public final class AppCertificates {
  private final Ledger ledger;
  private final CertificateAuthority ca;
  private final DirectoryReader reader;
  private final DirectoryWriter writer;

  public AppCertificates(Ledger ledger, CertificateAuthority ca, DirectoryReader reader, DirectoryWriter writer) {
    this.ledger = ledger;
    this.ca = ca;
    this.reader = reader;
    this.writer = writer;
  }

  /** What an attach or detach did. */
  public record Change(String serial, String appId, String applicationObjectId, String keyId, Event event) {}

  /**
   * Adds certificate {@code serial} to the app {@code appId} it was issued for. Refused for a
   * certificate of another app, a revoked or expired one, and one the app already holds.
   */
  public Change attach(String appId, String serial, String actor)
      throws CustodyException, CaException, DirectoryException {
    // Every ledger rule first: once Entra holds the certificate, a refusal would leave the two apart.
    CertificateRecord c = ledger.requireAttachable(serial);
    String app = ledger.requireAppIdentity(appId).ref();
    if (!c.identity().equalsIgnoreCase(app)) {
      throw new CaException(CaException.Reason.REFUSED, "certificate " + c.serial() + " was issued for app "
          + c.identity() + ", not " + app + ": issue one for this app with 'bg ca issue --identity " + app + "'");
    }
    X509Certificate cert = KeyFiles.readCertificate(ca.certificateFile(c.serial()), "certificate");
    AppRegistration registration = registration(app);
    for (AppRegistration.KeyCredential k : registration.keyCredentials()) {
      boolean sameBytes = k.key().map(b -> CertificateAuthority.sha1Hex(b).equalsIgnoreCase(c.sha1())).orElse(false);
      if (sameBytes && recorded(c.serial(), k.keyId())) {
        throw new CaException(CaException.Reason.REFUSED, "the app already holds certificate " + c.serial()
            + " (keyId " + k.keyId() + ")");
      }
      if (sameBytes) {
        // Added outside the kit (or by an attach whose ledger write failed): adopt it, change nothing in Entra.
        Event e = ledger.recordCertificateAttached(c.serial(), k.keyId(), actor);
        return new Change(c.serial(), app, registration.id(), k.keyId(), e);
      }
      if (k.key().isEmpty() && k.thumbprint().map(t -> t.equalsIgnoreCase(c.sha1())).orElse(false)) {
        throw new CaException(CaException.Reason.REFUSED, "the app has a credential (keyId " + k.keyId() + ") that"
            + " claims certificate " + c.serial() + "'s thumbprint but Graph did not return its certificate, so it"
            + " cannot be checked: remove it in the Entra admin centre, then attach again");
      }
    }
    byte[] der;
    try {
      der = cert.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new CaException(CaException.Reason.CRYPTO, "cannot encode certificate " + c.serial(), e);
    }
    String keyId = writer.addCertificate(registration.id(), der, "BreakGlass Kit " + c.serial());
    try {
      Event e = ledger.recordCertificateAttached(c.serial(), keyId, actor);
      return new Change(c.serial(), app, registration.id(), keyId, e);
    } catch (CustodyException e) {
      throw new CustodyException(e.reason(), "certificate " + c.serial() + " IS on the app now (keyId " + keyId
          + ") but the ledger could not record it (" + e.getMessage() + "): run the same attach-cert again to record"
          + " it", e);
    }
  }

  /** Removes certificate {@code serial} from the app; the kit must have attached it. */
  public Change detach(String appId, String serial, String reason, String actor)
      throws CustodyException, CaException, DirectoryException {
    CertificateRecord c = ledger.certificate(serial);
    String app = ledger.requireAppIdentity(appId).ref();
    Optional<AppCertificate> attached = ledger.appCertificates().stream()
        .filter(a -> a.serial().equals(c.serial()) && a.identity().equalsIgnoreCase(app) && a.attached()).findFirst();
    if (attached.isEmpty()) {
      throw new CaException(CaException.Reason.REFUSED, "certificate " + c.serial() + " is not recorded as attached to"
          + " app " + app + ": see 'bg app list'");
    }
    AppRegistration registration = registration(app);
    boolean present = registration.keyCredentials().stream()
        .anyMatch(k -> k.keyId().equalsIgnoreCase(attached.get().keyId()));
    if (present) {
      writer.removeCertificate(registration.id(), attached.get().keyId());
    }
    Event e = ledger.recordCertificateDetached(c.serial(), attached.get().keyId(),
        present ? reason : reason + " (it was already gone from the app)", actor);
    return new Change(c.serial(), app, registration.id(), attached.get().keyId(), e);
  }

  private AppRegistration registration(String appId) throws DirectoryException {
    return reader.application(appId).orElseThrow(() -> new DirectoryException(DirectoryException.Reason.NOT_FOUND,
        "no app registration with client id " + appId + " in the tenant: check 'bg identity list' and the tenant"));
  }

  private boolean recorded(String serial, String keyId) throws CustodyException {
    return ledger.appCertificates().stream().anyMatch(a -> a.serial().equals(serial)
        && a.keyId().toLowerCase(Locale.ROOT).equals(keyId.toLowerCase(Locale.ROOT)) && a.attached());
  }
}
