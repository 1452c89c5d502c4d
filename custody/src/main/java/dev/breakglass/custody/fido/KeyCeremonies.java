package dev.breakglass.custody.fido;

import com.yubico.webauthn.AssertionRequest;
import com.yubico.webauthn.AssertionResult;
import com.yubico.webauthn.CredentialRepository;
import com.yubico.webauthn.FinishAssertionOptions;
import com.yubico.webauthn.FinishRegistrationOptions;
import com.yubico.webauthn.RegisteredCredential;
import com.yubico.webauthn.RegistrationResult;
import com.yubico.webauthn.RelyingParty;
import com.yubico.webauthn.StartAssertionOptions;
import com.yubico.webauthn.StartRegistrationOptions;
import com.yubico.webauthn.data.AttestationConveyancePreference;
import com.yubico.webauthn.data.AuthenticatorAssertionResponse;
import com.yubico.webauthn.data.AuthenticatorAttachment;
import com.yubico.webauthn.data.AuthenticatorAttestationResponse;
import com.yubico.webauthn.data.AuthenticatorSelectionCriteria;
import com.yubico.webauthn.data.AuthenticatorTransport;
import com.yubico.webauthn.data.ByteArray;
import com.yubico.webauthn.data.ClientAssertionExtensionOutputs;
import com.yubico.webauthn.data.ClientRegistrationExtensionOutputs;
import com.yubico.webauthn.data.PublicKeyCredential;
import com.yubico.webauthn.data.PublicKeyCredentialCreationOptions;
import com.yubico.webauthn.data.PublicKeyCredentialDescriptor;
import com.yubico.webauthn.data.RelyingPartyIdentity;
import com.yubico.webauthn.data.ResidentKeyRequirement;
import com.yubico.webauthn.data.UserIdentity;
import com.yubico.webauthn.data.UserVerificationRequirement;
import com.yubico.webauthn.data.exception.Base64UrlException;
import com.yubico.webauthn.exception.AssertionFailedException;
import com.yubico.webauthn.exception.RegistrationFailedException;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.KitConfig;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.FidoKey;
import dev.breakglass.custody.ledger.KeyAssertion;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.NewKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The kit's own WebAuthn relying party: registers FIDO2 security keys for custody items and
 * custodians, and verifies later that the key in hand is the registered one.
 *
 * <p>RP ID {@code localhost}; the only accepted origin is the loopback page of one ceremony
 * ({@code http://localhost:PORT}). Each ceremony has its own one-time challenge. Verification is
 * webauthn-server-core's; this class adds the kit's policy (allowed models, trusted attestation)
 * and leaves the signature counter to the ledger, which judges it under its write lock.
 */
public final class KeyCeremonies {
  public static final String RP_ID = "localhost";
  static final String RP_NAME = "BreakGlass Kit";

  private final Ledger ledger;
  private final KitConfig.Fido policy;
  private final AttestationTrust trust;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public KeyCeremonies(Ledger ledger, AttestationTrust trust, Clock clock) {
    this.ledger = ledger;
    this.policy = ledger.config().fido();
    this.trust = trust;
    this.clock = clock;
  }

  /** A registration waiting for the browser's answer; {@link #page()} is what the browser runs. */
  public static final class Registration {
    private final KeyOwner owner;
    private final RelyingParty rp;
    private final PublicKeyCredentialCreationOptions request;
    private final java.util.concurrent.atomic.AtomicBoolean used = new java.util.concurrent.atomic.AtomicBoolean();

    private Registration(KeyOwner owner, RelyingParty rp, PublicKeyCredentialCreationOptions request) {
      this.owner = owner;
      this.rp = rp;
      this.request = request;
    }

    public KeyOwner owner() {
      return owner;
    }

    public CeremonyPage page() {
      try {
        return new CeremonyPage(CeremonyPage.Kind.CREATE, "Register a security key for " + owner,
            instructions(owner), request.toCredentialsCreateJson());
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException("cannot encode the registration options", e);
      }
    }
  }

  /** An assertion waiting for the browser's answer. */
  public static final class Verification {
    private final KeyOwner owner;
    private final RelyingParty rp;
    private final AssertionRequest request;
    private final java.util.concurrent.atomic.AtomicBoolean used = new java.util.concurrent.atomic.AtomicBoolean();

    private Verification(KeyOwner owner, RelyingParty rp, AssertionRequest request) {
      this.owner = owner;
      this.rp = rp;
      this.request = request;
    }

    public KeyOwner owner() {
      return owner;
    }

    public CeremonyPage page() {
      try {
        return new CeremonyPage(CeremonyPage.Kind.GET, "Verify the security key of " + owner,
            instructions(owner), request.toCredentialsGetJson());
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException("cannot encode the assertion options", e);
      }
    }
  }

  /**
   * A registered key and what the operator should know about it.
   *
   * @param warnings e.g. that the attestation is not trusted
   */
  public record Registered(FidoKey key, Event event, List<String> warnings) {}

  /**
   * Starts registering a key for {@code owner} (an item must be a fido2-key item without a key; a
   * custodian may enrol several). Every credential the kit knows is excluded, so that one physical
   * key cannot be registered twice (a break-glass key cannot double as a custodian's key).
   *
   * @param origin the page's origin, {@code http://localhost:PORT}
   */
  public Registration startRegistration(KeyOwner owner, String origin, Duration timeout) throws CustodyException {
    KeyOwner o = ledger.requireKeyOwner(owner, true);
    List<FidoKey> all = ledger.keys();
    ByteArray userHandle = all.stream().filter(k -> k.owner().equals(o)).findFirst()
        .map(k -> bytes(k.userHandle())).orElseGet(this::newUserHandle);
    RelyingParty rp = relyingParty(origin, all);
    PublicKeyCredentialCreationOptions options = rp.startRegistration(StartRegistrationOptions.builder()
        .user(UserIdentity.builder().name(username(o)).displayName(displayName(o)).id(userHandle).build())
        .authenticatorSelection(AuthenticatorSelectionCriteria.builder()
            .authenticatorAttachment(AuthenticatorAttachment.CROSS_PLATFORM)
            .residentKey(ResidentKeyRequirement.DISCOURAGED)
            .userVerification(userVerification(o))
            .build())
        .timeout(timeout.toMillis())
        .build());
    Set<PublicKeyCredentialDescriptor> exclude = all.stream().map(KeyCeremonies::descriptor)
        .collect(Collectors.toCollection(TreeSet::new));
    return new Registration(o, rp, options.toBuilder().excludeCredentials(exclude).build());
  }

  /**
   * Verifies the browser's answer to {@code r} (challenge, origin, RP ID, attestation signature),
   * applies the attestation policy and records the key. Nothing is recorded when any check fails.
   */
  public Registered finishRegistration(Registration r, String responseJson, String by, Optional<String> witness)
      throws CustodyException {
    once(r.used);
    PublicKeyCredential<AuthenticatorAttestationResponse, ClientRegistrationExtensionOutputs> pkc;
    try {
      pkc = PublicKeyCredential.parseRegistrationResponseJson(responseJson);
    } catch (IOException | RuntimeException e) {
      throw malformed("registration", e);
    }
    RegistrationResult result;
    try {
      result = r.rp.finishRegistration(FinishRegistrationOptions.builder().request(r.request).response(pkc).build());
    } catch (RegistrationFailedException | RuntimeException e) {
      throw new CustodyException(Reason.CEREMONY_FAILED, "the key's registration did not verify ("
          + oneLine(failedStep(e)) + "); nothing was recorded");
    }
    if (result.isBackupEligible()) {
      throw new CustodyException(Reason.REFUSED, "the credential can be copied to other devices (a synced passkey,"
          + " backup eligible): the kit registers only device-bound security keys; nothing was recorded");
    }
    UUID aaguid = uuid(result.getAaguid());
    Optional<String> model = trust.model(aaguid).or(() -> KnownModels.name(aaguid));
    String named = aaguid.equals(new UUID(0, 0))
        ? "unknown (the browser withheld the key's model: AAGUID all zeros)"
        : model.orElse("unknown model") + " (AAGUID " + aaguid + ")";
    if (!policy.allowedAaguids().isEmpty() && !policy.allowedAaguids().contains(aaguid)) {
      throw new CustodyException(Reason.REFUSED, "security key model " + named + " is not allowed by "
          + KitConfig.FIDO_ALLOWED_AAGUIDS + " in bg.conf: use an allowed model, or add its AAGUID there; nothing"
          + " was recorded");
    }
    String format = pkc.getResponse().getAttestation().getFormat();
    if (policy.requireTrustedAttestation() && !result.isAttestationTrusted()) {
      throw new CustodyException(Reason.REFUSED, "the attestation of " + named + " (format " + format + ", "
          + result.getAttestationType() + ") does not chain to a configured trust root, and "
          + KitConfig.FIDO_REQUIRE_TRUSTED + " = true: use a genuine key of an allowed model or add its vendor's"
          + " root; nothing was recorded");
    }
    List<String> warnings = new ArrayList<>();
    if (!result.isAttestationTrusted()) {
      String what = format.equals("none") ? "the key sent no attestation"
          : "the attestation (" + format + ", " + result.getAttestationType() + ") is not trusted"
              + (trust.empty() ? " (no trust roots are configured)" : "");
      warnings.add(what + ": the model " + named + " is the key's own claim; it is recorded as untrusted");
    }
    List<String> transports = pkc.getResponse().getTransports().stream().map(AuthenticatorTransport::getId)
        .sorted().toList();
    NewKey key = new NewKey(r.owner, result.getKeyId().getId().getBase64Url(),
        r.request.getUser().getId().getBase64Url(), result.getPublicKeyCose().getBase64Url(), aaguid, model, format,
        result.getAttestationType().name(), result.isAttestationTrusted(), transports, result.getSignatureCount(),
        result.isUserVerified(), pkc.getResponse().getAttestationObject().getBase64Url(),
        pkc.getResponse().getClientDataJSON().getBase64Url());
    Event event = ledger.recordKey(key, by, witness);
    FidoKey recorded = ledger.keys(r.owner).stream().filter(k -> k.credentialId().equals(key.credentialId()))
        .findFirst().orElseThrow();
    return new Registered(recorded, event, warnings);
  }

  /** Starts verifying that the key in hand is one of {@code owner}'s registered keys. */
  public Verification startVerification(KeyOwner owner, String origin, Duration timeout) throws CustodyException {
    KeyOwner o = ledger.requireKeyOwner(owner, false);
    RelyingParty rp = relyingParty(origin, ledger.keys());
    AssertionRequest request = rp.startAssertion(StartAssertionOptions.builder().username(username(o))
        .userVerification(userVerification(o)).timeout(timeout.toMillis()).build());
    return new Verification(o, rp, request);
  }

  /**
   * Verifies the browser's answer to {@code v}: challenge, origin, RP ID, that the credential is
   * one of the owner's, and the signature. The result is not recorded yet: the caller records it
   * with {@link Ledger#recordKeyVerification} or carries it in a check-out or check-in, where the
   * counter is judged.
   */
  public KeyAssertion finishVerification(Verification v, String responseJson) throws CustodyException {
    once(v.used);
    PublicKeyCredential<AuthenticatorAssertionResponse, ClientAssertionExtensionOutputs> pkc;
    try {
      pkc = PublicKeyCredential.parseAssertionResponseJson(responseJson);
    } catch (IOException | RuntimeException e) {
      throw malformed("assertion", e);
    }
    AssertionResult result;
    try {
      result = v.rp.finishAssertion(FinishAssertionOptions.builder().request(v.request).response(pkc).build());
    } catch (AssertionFailedException | RuntimeException e) {
      throw new CustodyException(Reason.CEREMONY_FAILED, "the key is not the registered key of " + v.owner
          + " (" + oneLine(failedStep(e)) + "); nothing was recorded");
    }
    if (!result.isSuccess()) {
      throw new CustodyException(Reason.CEREMONY_FAILED, "the key's assertion did not verify; nothing was recorded");
    }
    return new KeyAssertion(result.getCredential().getCredentialId().getBase64Url(), result.getSignatureCount(),
        result.isUserVerified(), pkc.getResponse().getAuthenticatorData().getBase64Url(),
        pkc.getResponse().getClientDataJSON().getBase64Url(), pkc.getResponse().getSignature().getBase64Url());
  }

  private RelyingParty relyingParty(String origin, List<FidoKey> keys) {
    return RelyingParty.builder()
        .identity(RelyingPartyIdentity.builder().id(RP_ID).name(RP_NAME).build())
        .credentialRepository(new Snapshot(keys))
        .origins(Set.of(origin))
        .attestationConveyancePreference(AttestationConveyancePreference.DIRECT)
        .attestationTrustSource(trust.source())
        .allowUntrustedAttestation(true) // the kit's policy decides, with a message that names the model
        .validateSignatureCounter(false) // judged by the ledger, which records an alarm first
        .clock(clock)
        .build();
  }

  private static String instructions(KeyOwner owner) {
    return owner.kind() == KeyOwner.Kind.ITEM
        ? "Insert the break-glass key of item '" + owner.name() + "', press Start and touch it."
        : "Insert your own security key, press Start, enter its PIN and touch it.";
  }

  /** Custodians prove who they are with the key's PIN; a break-glass key only proves it is there. */
  private static UserVerificationRequirement userVerification(KeyOwner o) {
    return o.kind() == KeyOwner.Kind.CUSTODIAN ? UserVerificationRequirement.REQUIRED
        : UserVerificationRequirement.PREFERRED;
  }

  static String username(KeyOwner o) {
    return o.kind().wireName() + ":" + o.name();
  }

  private static String displayName(KeyOwner o) {
    return o.kind() == KeyOwner.Kind.ITEM ? "Break-glass key " + o.name() : "Custodian " + o.name();
  }

  private ByteArray newUserHandle() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return new ByteArray(b);
  }

  private static PublicKeyCredentialDescriptor descriptor(FidoKey k) {
    Set<AuthenticatorTransport> t = k.transports().stream().map(AuthenticatorTransport::of)
        .collect(Collectors.toCollection(TreeSet::new));
    return PublicKeyCredentialDescriptor.builder().id(bytes(k.credentialId()))
        .transports(t.isEmpty() ? Optional.empty() : Optional.of(t)).build();
  }

  static ByteArray bytes(String base64Url) {
    try {
      return ByteArray.fromBase64Url(base64Url);
    } catch (Base64UrlException e) {
      throw new IllegalStateException("the ledger holds a malformed base64url value; run 'bg ledger verify'", e);
    }
  }

  private static UUID uuid(ByteArray aaguid) {
    if (aaguid.size() != 16) {
      return new UUID(0, 0);
    }
    ByteBuffer b = ByteBuffer.wrap(aaguid.getBytes());
    return new UUID(b.getLong(), b.getLong());
  }

  /** A challenge answers once: a second answer to the same ceremony is refused unverified. */
  private static void once(java.util.concurrent.atomic.AtomicBoolean used) throws CustodyException {
    if (!used.compareAndSet(false, true)) {
      throw new CustodyException(Reason.CEREMONY_FAILED, "this ceremony was already answered; its challenge is"
          + " spent. Run the command again; nothing was recorded");
    }
  }

  private static CustodyException malformed(String what, Exception e) {
    // The parser's own message names Java classes and quotes the input: no help to an operator.
    return new CustodyException(Reason.CEREMONY_FAILED, "the browser's answer is not a well-formed WebAuthn " + what
        + " response; nothing was recorded. Use the page at the address bg printed", e);
  }

  /**
   * The failed verification step: the library wraps it (an IllegalArgumentException) and its own
   * message starts with the wrapped class's name, which tells an operator nothing.
   */
  private static String failedStep(Exception e) {
    boolean wrapped = e instanceof RegistrationFailedException || e instanceof AssertionFailedException;
    return wrapped && e.getCause() instanceof IllegalArgumentException c && c.getMessage() != null
        ? c.getMessage() : e.getMessage();
  }

  /**
   * Library messages and the browser's error reports can span lines and quote input: keep the first
   * line, bounded, with control, format and line-separator characters made '?' (they reach the
   * terminal).
   */
  static String oneLine(String message) {
    if (message == null || message.isBlank()) {
      return "no detail";
    }
    String first = message.strip().lines().findFirst().orElse("");
    String bounded = first.length() > 200 ? first.substring(0, 200) + "…" : first;
    // Library messages quote what the browser sent (e.g. its origin): no terminal control codes.
    return dev.breakglass.custody.PrintableText.replaceUnprintable(bounded);
  }

  /** The registered keys as the library asks for them, read once per ceremony. */
  private static final class Snapshot implements CredentialRepository {
    private final List<FidoKey> keys;

    Snapshot(List<FidoKey> keys) {
      this.keys = List.copyOf(keys);
    }

    @Override
    public Set<PublicKeyCredentialDescriptor> getCredentialIdsForUsername(String username) {
      return keys.stream().filter(k -> username(k.owner()).equals(username)).map(KeyCeremonies::descriptor)
          .collect(Collectors.toCollection(TreeSet::new));
    }

    @Override
    public Optional<ByteArray> getUserHandleForUsername(String username) {
      return keys.stream().filter(k -> username(k.owner()).equals(username)).findFirst()
          .map(k -> bytes(k.userHandle()));
    }

    @Override
    public Optional<String> getUsernameForUserHandle(ByteArray userHandle) {
      return keys.stream().filter(k -> k.userHandle().equals(userHandle.getBase64Url())).findFirst()
          .map(k -> username(k.owner()));
    }

    @Override
    public Optional<RegisteredCredential> lookup(ByteArray credentialId, ByteArray userHandle) {
      return keys.stream().filter(k -> k.credentialId().equals(credentialId.getBase64Url())
          && k.userHandle().equals(userHandle.getBase64Url())).findFirst().map(Snapshot::registered);
    }

    @Override
    public Set<RegisteredCredential> lookupAll(ByteArray credentialId) {
      return keys.stream().filter(k -> k.credentialId().equals(credentialId.getBase64Url()))
          .map(Snapshot::registered).collect(Collectors.toSet());
    }

    private static RegisteredCredential registered(FidoKey k) {
      return RegisteredCredential.builder().credentialId(bytes(k.credentialId())).userHandle(bytes(k.userHandle()))
          .publicKeyCose(bytes(k.publicKeyCose())).signatureCount(k.signCount()).build();
    }
  }
}
