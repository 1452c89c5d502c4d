package dev.breakglass.custody.fido;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import com.yubico.webauthn.attestation.AttestationTrustSource;
import com.yubico.webauthn.attestation.AttestationTrustSource.TrustRootsResult;
import com.yubico.webauthn.data.AttestationType;
import com.yubico.webauthn.data.AuthenticatorSelectionCriteria;
import com.yubico.webauthn.data.AuthenticatorTransport;
import com.yubico.webauthn.data.ByteArray;
import com.yubico.webauthn.data.PublicKeyCredential;
import com.yubico.webauthn.data.PublicKeyCredentialCreationOptions;
import com.yubico.webauthn.data.PublicKeyCredentialDescriptor;
import com.yubico.webauthn.data.RelyingPartyIdentity;
import com.yubico.webauthn.data.UserIdentity;
import com.yubico.webauthn.data.UserVerificationRequirement;
import com.yubico.webauthn.exception.AssertionFailedException;
import com.yubico.webauthn.exception.InvalidSignatureCountException;
import com.yubico.webauthn.exception.RegistrationFailedException;
import dev.breakglass.custody.fido.SoftAuthenticator.KeyPairAndCert;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SoftAuthenticatorTest {
  static final String ORIGIN = "http://localhost:8123";
  static final String USERNAME = "bg1@contoso.onmicrosoft.com";
  static final ByteArray USER_HANDLE = new ByteArray(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
  static final UUID AAGUID = UUID.fromString("2fc0579f-8113-47ea-b116-bb5a8db9202a");
  /** Built once: key generation and certificate issuing are the slow part. */
  static final KeyPairAndCert ROOT = SoftAuthenticator.testRootCa("BreakGlass Test Attestation Root");

  InMemoryCredentials credentials;
  RelyingParty rp;

  @BeforeEach
  void setUp() {
    credentials = new InMemoryCredentials();
    rp = relyingParty(Optional.empty());
  }

  private RelyingParty relyingParty(Optional<AttestationTrustSource> trustSource) {
    return RelyingParty.builder()
        .identity(RelyingPartyIdentity.builder().id("localhost").name("BreakGlass Kit").build())
        .credentialRepository(credentials)
        .origins(Set.of(ORIGIN))
        .allowUntrustedAttestation(true)
        .attestationTrustSource(trustSource)
        .build();
  }

  /** Trusts ROOT; revocation checking is on by default in TrustRootsResult and the test CA has no CRL. */
  private static AttestationTrustSource trusting(KeyPairAndCert root) {
    return (chain, aaguid) -> TrustRootsResult.builder()
        .trustRoots(Set.of(root.certificate()))
        .enableRevocationChecking(false)
        .build();
  }

  private PublicKeyCredentialCreationOptions startRegistration(UserVerificationRequirement uv) {
    return rp.startRegistration(StartRegistrationOptions.builder()
        .user(UserIdentity.builder().name(USERNAME).displayName("Break Glass 1").id(USER_HANDLE).build())
        .authenticatorSelection(AuthenticatorSelectionCriteria.builder().userVerification(uv).build())
        .build());
  }

  private RegistrationResult register(SoftAuthenticator key) throws Exception {
    return register(key, ORIGIN);
  }

  private RegistrationResult register(SoftAuthenticator key, String origin) throws Exception {
    PublicKeyCredentialCreationOptions request = startRegistration(UserVerificationRequirement.PREFERRED);
    String json = key.register(request.toCredentialsCreateJson(), origin);
    RegistrationResult result = rp.finishRegistration(FinishRegistrationOptions.builder()
        .request(request)
        .response(PublicKeyCredential.parseRegistrationResponseJson(json))
        .build());
    credentials.add(result);
    return result;
  }

  private AssertionResult authenticate(SoftAuthenticator key) throws Exception {
    return authenticate(key, ORIGIN);
  }

  private AssertionResult authenticate(SoftAuthenticator key, String origin) throws Exception {
    AssertionRequest request = rp.startAssertion(StartAssertionOptions.builder().username(USERNAME).build());
    String json = key.authenticate(request.toCredentialsGetJson(), origin);
    AssertionResult result = rp.finishAssertion(FinishAssertionOptions.builder()
        .request(request)
        .response(PublicKeyCredential.parseAssertionResponseJson(json))
        .build());
    credentials.updateSignatureCount(result);
    return result;
  }

  /** Yubico wraps the failed step's IllegalArgumentException; its message names the step. */
  private static void assertReason(String expected, Exception e) {
    String reason = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
    assertTrue(reason.contains(expected), () -> "expected \"" + expected + "\" in: " + reason);
  }

  private static ByteArray bytes(UUID uuid) {
    return new ByteArray(ByteBuffer.allocate(16)
        .putLong(uuid.getMostSignificantBits())
        .putLong(uuid.getLeastSignificantBits())
        .array());
  }

  // ---- registration ------------------------------------------------------------------------------

  @Test
  void register_none_isAcceptedWithAuthenticatorAaguid() throws Exception {
    SoftAuthenticator key = SoftAuthenticator.none(AAGUID);

    RegistrationResult result = register(key);

    assertEquals(bytes(key.aaguid()), result.getAaguid());
    assertEquals(AttestationType.NONE, result.getAttestationType());
    assertFalse(result.isAttestationTrusted());
    assertEquals(key.lastCredentialId(), result.getKeyId().getId());
    assertTrue(result.isUserVerified());
    assertEquals(key.counter(), result.getSignatureCount());
  }

  @Test
  void register_packedSelf_isAcceptedButNotTrusted() throws Exception {
    rp = relyingParty(Optional.of(trusting(ROOT)));
    SoftAuthenticator key = SoftAuthenticator.packedSelf(AAGUID);

    RegistrationResult result = register(key);

    assertEquals(bytes(AAGUID), result.getAaguid());
    assertEquals(AttestationType.SELF_ATTESTATION, result.getAttestationType());
    assertFalse(result.isAttestationTrusted());
  }

  @Test
  void register_packedFull_isTrustedUnderTestRoot() throws Exception {
    rp = relyingParty(Optional.of(trusting(ROOT)));
    SoftAuthenticator key = SoftAuthenticator.packedFull(AAGUID, ROOT.keyPair().getPrivate(), ROOT.certificate());

    RegistrationResult result = register(key);

    assertEquals(bytes(AAGUID), result.getAaguid());
    assertEquals(AttestationType.BASIC, result.getAttestationType());
    assertTrue(result.isAttestationTrusted());
    assertEquals(List.of(key.attestationCertificate().orElseThrow()),
        result.getAttestationTrustPath().orElseThrow());
  }

  @Test
  void register_packedFull_isUntrustedUnderAnotherRoot() throws Exception {
    rp = relyingParty(Optional.of(trusting(SoftAuthenticator.testRootCa("Some Other Root"))));
    SoftAuthenticator key = SoftAuthenticator.packedFull(AAGUID, ROOT.keyPair().getPrivate(), ROOT.certificate());

    RegistrationResult result = register(key);

    assertEquals(AttestationType.BASIC, result.getAttestationType());
    assertFalse(result.isAttestationTrusted());
  }

  @Test
  void register_reportsConfiguredTransports() throws Exception {
    RegistrationResult result = register(SoftAuthenticator.none(AAGUID).transports(List.of("usb", "nfc")));

    assertEquals(Set.of(AuthenticatorTransport.USB, AuthenticatorTransport.NFC),
        result.getKeyId().getTransports().orElseThrow());
  }

  @Test
  void register_wrongOrigin_fails() {
    SoftAuthenticator key = SoftAuthenticator.none(AAGUID);

    RegistrationFailedException e =
        assertThrows(RegistrationFailedException.class, () -> register(key, "http://localhost:9999"));
    assertReason("Incorrect origin", e);
  }

  @Test
  void register_wrongRpId_fails() {
    SoftAuthenticator key = SoftAuthenticator.packedSelf(AAGUID).rpId("evil.example");

    RegistrationFailedException e = assertThrows(RegistrationFailedException.class, () -> register(key));
    assertReason("Wrong RP ID hash", e);
  }

  @Test
  void register_withoutUserVerification_failsWhenRequired() throws Exception {
    SoftAuthenticator key = SoftAuthenticator.none(AAGUID).userVerified(false);
    PublicKeyCredentialCreationOptions request = startRegistration(UserVerificationRequirement.REQUIRED);
    String json = key.register(request.toCredentialsCreateJson(), ORIGIN);

    assertThrows(RegistrationFailedException.class, () -> rp.finishRegistration(FinishRegistrationOptions.builder()
        .request(request)
        .response(PublicKeyCredential.parseRegistrationResponseJson(json))
        .build()));
  }

  @Test
  void register_refusesExcludedCredential() throws Exception {
    SoftAuthenticator key = SoftAuthenticator.none(AAGUID);
    register(key); // the RP now lists it in excludeCredentials

    assertThrows(IllegalStateException.class, () -> register(key));
  }

  // ---- assertion ---------------------------------------------------------------------------------

  @Test
  void authenticate_reportsDeviceCounter_thenCounterPlusOne() throws Exception {
    SoftAuthenticator key = SoftAuthenticator.packedSelf(AAGUID).counter(41);
    RegistrationResult registration = register(key);
    assertEquals(41, registration.getSignatureCount());

    AssertionResult first = authenticate(key);
    AssertionResult second = authenticate(key);

    assertTrue(first.isSuccess());
    assertEquals(42, first.getSignatureCount());
    assertEquals(key.lastCredentialId(), first.getCredential().getCredentialId());
    assertEquals(USER_HANDLE, first.getCredential().getUserHandle());
    assertTrue(first.isUserVerified());
    assertTrue(first.isSignatureCounterValid());
    assertEquals(43, second.getSignatureCount());
    assertTrue(second.isSignatureCounterValid());
    assertEquals(43, key.counter());
  }

  @Test
  void authenticate_keyWithoutCounter_staysAtZero() throws Exception {
    SoftAuthenticator key = SoftAuthenticator.none(AAGUID).counter(0);
    register(key);

    assertEquals(0, authenticate(key).getSignatureCount());
    assertEquals(0, authenticate(key).getSignatureCount());
    assertEquals(0, key.counter());
  }

  @Test
  void authenticate_wrongOrigin_fails() throws Exception {
    SoftAuthenticator key = SoftAuthenticator.none(AAGUID);
    register(key);

    AssertionFailedException e =
        assertThrows(AssertionFailedException.class, () -> authenticate(key, "https://evil.example"));
    assertReason("Incorrect origin", e);
  }

  @Test
  void authenticate_wrongRpId_fails() throws Exception {
    SoftAuthenticator key = SoftAuthenticator.none(AAGUID);
    register(key);

    AssertionFailedException e =
        assertThrows(AssertionFailedException.class, () -> authenticate(key.rpId("evil.example")));
    assertReason("Wrong RP ID hash", e);
  }

  @Test
  void authenticate_tamperedSignature_fails_andUntamperedViewStillWorks() throws Exception {
    SoftAuthenticator key = SoftAuthenticator.none(AAGUID);
    register(key);

    AssertionFailedException e =
        assertThrows(AssertionFailedException.class, () -> authenticate(key.tamperSignature(true)));
    assertReason("Invalid assertion signature", e);
    assertTrue(authenticate(key).isSuccess());
  }

  @Test
  void authenticate_counterGoingBack_looksLikeClonedKey() throws Exception {
    SoftAuthenticator key = SoftAuthenticator.none(AAGUID).counter(10);
    register(key);
    authenticate(key); // RP now expects more than 11

    InvalidSignatureCountException e =
        assertThrows(InvalidSignatureCountException.class, () -> authenticate(key.counter(5)));
    assertEquals(6, e.getReceived());
  }

  @Test
  void authenticate_unknownCredential_throwsIllegalState() throws Exception {
    register(SoftAuthenticator.none(AAGUID));
    SoftAuthenticator stranger = SoftAuthenticator.none(AAGUID);

    assertThrows(IllegalStateException.class, () -> authenticate(stranger));
  }

  @Test
  void counter_rejectsValuesOutside32Bits() {
    SoftAuthenticator key = SoftAuthenticator.none(AAGUID);

    assertThrows(IllegalArgumentException.class, () -> key.counter(-1));
    assertThrows(IllegalArgumentException.class, () -> key.counter(1L << 32));
  }

  /** One user, credentials kept in memory; signature counts updated after each assertion. */
  static final class InMemoryCredentials implements CredentialRepository {
    private final Map<ByteArray, RegisteredCredential> byId = new HashMap<>();

    void add(RegistrationResult result) {
      byId.put(result.getKeyId().getId(), RegisteredCredential.builder()
          .credentialId(result.getKeyId().getId())
          .userHandle(USER_HANDLE)
          .publicKeyCose(result.getPublicKeyCose())
          .signatureCount(result.getSignatureCount())
          .build());
    }

    void updateSignatureCount(AssertionResult result) {
      byId.computeIfPresent(result.getCredential().getCredentialId(),
          (id, c) -> c.toBuilder().signatureCount(result.getSignatureCount()).build());
    }

    @Override
    public Set<PublicKeyCredentialDescriptor> getCredentialIdsForUsername(String username) {
      if (!USERNAME.equals(username)) {
        return Set.of();
      }
      return byId.keySet().stream()
          .map(id -> PublicKeyCredentialDescriptor.builder().id(id).build())
          .collect(Collectors.toSet());
    }

    @Override
    public Optional<ByteArray> getUserHandleForUsername(String username) {
      return USERNAME.equals(username) ? Optional.of(USER_HANDLE) : Optional.empty();
    }

    @Override
    public Optional<String> getUsernameForUserHandle(ByteArray userHandle) {
      return USER_HANDLE.equals(userHandle) ? Optional.of(USERNAME) : Optional.empty();
    }

    @Override
    public Optional<RegisteredCredential> lookup(ByteArray credentialId, ByteArray userHandle) {
      return Optional.ofNullable(byId.get(credentialId)).filter(c -> c.getUserHandle().equals(userHandle));
    }

    @Override
    public Set<RegisteredCredential> lookupAll(ByteArray credentialId) {
      return Optional.ofNullable(byId.get(credentialId)).map(Set::of).orElse(Set.of());
    }
  }
}
