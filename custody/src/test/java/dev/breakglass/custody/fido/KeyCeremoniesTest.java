package dev.breakglass.custody.fido;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.KitConfig;
import dev.breakglass.custody.fido.KeyCeremonies.Registered;
import dev.breakglass.custody.fido.KeyCeremonies.Registration;
import dev.breakglass.custody.fido.KeyCeremonies.Verification;
import dev.breakglass.custody.fido.SoftAuthenticator.KeyPairAndCert;
import dev.breakglass.custody.ledger.CheckinRequest;
import dev.breakglass.custody.ledger.CheckoutRequest;
import dev.breakglass.custody.ledger.CounterReading;
import dev.breakglass.custody.ledger.CounterVerdict;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventType;
import dev.breakglass.custody.ledger.FidoKey;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.ItemKind;
import dev.breakglass.custody.ledger.Json;
import dev.breakglass.custody.ledger.KeyAlarm;
import dev.breakglass.custody.ledger.KeyAssertion;
import dev.breakglass.custody.ledger.KeyCheck;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.NewItem;
import dev.breakglass.custody.ledger.NewKey;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.custody.ledger.VerifyReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kit's relying party against a software authenticator and a real ledger: registration,
 * verification, the attestation policy, and the counter rule as the ledger applies it. No browser
 * and no HTTP server: the options JSON the page would run goes straight to {@link SoftAuthenticator}
 * and its answer straight back.
 */
class KeyCeremoniesTest {
  private static final String ORIGIN = "http://localhost:8123";
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final UUID YUBIKEY_5_NFC = UUID.fromString("2fc0579f-8113-47ea-b116-bb5a8db9202a");
  private static final UUID YUBIKEY_5_SERIES = UUID.fromString("cb69481e-8ff7-4039-93ec-0a2729a154a8");
  private static final UUID UNKNOWN_MODEL = UUID.fromString("8c1a5e2f-3b4d-4e6a-9f70-112233445566");
  /** In hq-safe: two-person rule, seal SEAL-1 (see {@link Fixture}). */
  private static final KeyOwner ITEM = KeyOwner.item("bg1-key");
  /** In branch-safe: no two-person rule, unsealed; added here. */
  private static final KeyOwner ITEM_B = KeyOwner.item("bg2-key");
  private static final KeyOwner ALICE = KeyOwner.custodian("Alice");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  Path home;
  TestClock clock;
  Ledger ledger;
  KeyCeremonies keys;

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    clock = new TestClock(Fixture.START);
    ledger = Ledger.init(home, "admin", clock);
    Fixture.populate(ledger);
    ledger.addItem(new NewItem("bg2-key", ItemKind.FIDO2_KEY, Optional.of("YK-456"), Optional.empty(),
        "branch-safe", Optional.empty()), "admin");
    keys = ceremonies();
  }

  @AfterEach
  void tearDown() {
    ledger.close();
  }

  // ---- registration ------------------------------------------------------------------------------

  @Test
  void finishRegistration_recordsItemKeyWithNoneAttestation() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    Head before = head();

    Registered reg = register(soft, ITEM, "Alice", Optional.of("Bob"));

    FidoKey key = reg.key();
    assertEquals(soft.lastCredentialId().getBase64Url(), key.credentialId());
    assertEquals(ITEM, key.owner());
    assertEquals(YUBIKEY_5_NFC, key.aaguid());
    assertEquals(Optional.of("YubiKey 5 NFC / 5C NFC (firmware 5.2, 5.4)"), key.model());
    assertEquals("none", key.attestationFormat());
    assertEquals("NONE", key.attestationType());
    assertFalse(key.trusted());
    assertEquals(List.of("usb"), key.transports());
    assertEquals(1, key.signCount());
    assertEquals(Optional.empty(), key.lastVerified());
    assertEquals(Optional.empty(), key.baselineEvent());
    assertEquals(0, key.alarms());
    assertEquals(reg.event().seq(), key.registeredEvent());
    assertEquals(List.of(key), ledger.keys());
    assertEquals(List.of(key), ledger.keys(ITEM));

    assertEquals(List.of(reg.event()), eventsAfter(before));
    Event e = reg.event();
    assertEquals(EventType.KEY_REGISTERED, e.type());
    assertEquals(Optional.of("bg1-key"), e.item());
    assertEquals(Optional.of("Alice"), e.actor());
    assertEquals(Optional.of("Bob"), e.witness());
    Map<String, Object> d = Json.read(e.details());
    assertEquals("item", d.get("ownerKind"));
    assertEquals(key.credentialId(), d.get("credentialId"));
    assertEquals("none", d.get("attestationFormat"));
    assertEquals(1L, d.get("signCount"));

    assertEquals(List.of(new CounterReading(e.seq(), e.timestamp(), 1, "registered")),
        ledger.counterHistory(key.credentialId()));
    assertEquals(1, reg.warnings().size(), reg.warnings().toString());
    assertTrue(reg.warnings().get(0).startsWith("the key sent no attestation: the model YubiKey 5 NFC / 5C NFC (firmware 5.2, 5.4) (AAGUID " + YUBIKEY_5_NFC + ")"),
        reg.warnings().get(0));
    assertEquals(List.of("bg2-key"), ledger.status().keysUnregistered().stream().map(i -> i.label()).toList());
    assertClean();
  }

  @Test
  void finishRegistration_recordsPackedSelfAttestationAsUntrustedWithWarning() throws Exception {
    Registered reg = register(SoftAuthenticator.packedSelf(UNKNOWN_MODEL), ITEM_B, "Carol", Optional.empty());

    assertEquals("packed", reg.key().attestationFormat());
    assertEquals("SELF_ATTESTATION", reg.key().attestationType());
    assertFalse(reg.key().trusted());
    assertEquals(Optional.empty(), reg.key().model());
    assertEquals(List.of("the attestation (packed, SELF_ATTESTATION) is not trusted (no trust roots are"
        + " configured): the model unknown model (AAGUID " + UNKNOWN_MODEL + ") is the key's own claim; it is"
        + " recorded as untrusted"), reg.warnings());
    assertEquals(List.of(reg.key()), ledger.keys(ITEM_B));
    assertClean();
  }

  @Test
  void finishRegistration_acceptsUntrustedFullAttestationByDefaultWithWarning() throws Exception {
    KeyPairAndCert vendor = SoftAuthenticator.testRootCa("Unconfigured Vendor Root");
    Registered reg = register(SoftAuthenticator.packedFull(YUBIKEY_5_NFC, vendor.keyPair().getPrivate(),
        vendor.certificate()), ITEM, "Alice", Optional.of("Bob"));

    assertFalse(reg.key().trusted());
    assertEquals(1, reg.warnings().size());
    assertTrue(reg.warnings().get(0).contains("is not trusted"), reg.warnings().get(0));
  }

  @Test
  void finishVerification_goodAssertionIsRecordedAsAdvanced() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.packedSelf(YUBIKEY_5_NFC);
    Registered reg = register(soft, ITEM, "Alice", Optional.of("Bob"));
    clock.advance(Duration.ofMinutes(5));

    KeyAssertion a = assertion(soft, ITEM);
    assertEquals(reg.key().credentialId(), a.credentialId());
    assertEquals(2, a.signCount());
    assertTrue(a.userVerified());
    Head before = head();
    KeyCheck check = ledger.recordKeyVerification(ITEM, a, "Alice", Optional.of("Bob"));

    assertEquals(CounterVerdict.ADVANCED, check.verdict());
    assertEquals(1, check.previousCount());
    assertEquals(Optional.empty(), check.alarm());
    assertEquals(List.of(check.event()), eventsAfter(before));
    assertEquals(EventType.KEY_VERIFIED, check.event().type());
    assertEquals(Optional.of("bg1-key"), check.event().item());
    Map<String, Object> d = Json.read(check.event().details());
    assertEquals("advanced", d.get("verdict"));
    assertEquals(2L, d.get("signCount"));
    assertEquals(1L, d.get("previousCount"));
    assertEquals(true, d.get("inSafe"));
    assertEquals(a.signature(), d.get("signature"));

    FidoKey key = check.key();
    assertEquals(2, key.signCount());
    assertEquals(Optional.of(Fixture.START.plus(Duration.ofMinutes(5))), key.lastVerified());
    assertEquals(Optional.of(check.event().seq()), key.lastVerifiedEvent());
    assertEquals(Optional.of(check.event().seq()), key.baselineEvent(), "verified in its safe: the baseline");
    assertEquals(List.of(key), ledger.keys(ITEM));
    assertEquals(List.of("registered", "advanced"), verdicts(key));
    assertTrue(ledger.keyAlarms().isEmpty());
    assertClean();
  }

  @Test
  void custodianKey_isEnrolledOnlyByThatCustodian() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    Registration r = keys.startRegistration(ALICE, ORIGIN, TIMEOUT);
    assertEquals("required", options(r.page().optionsJson()).path("authenticatorSelection")
        .path("userVerification").asText(), "a custodian proves who they are with the key's PIN");
    String response = soft.register(r.page().optionsJson(), ORIGIN);
    Head before = head();

    CustodyException e = fails(Reason.REFUSED,
        () -> keys.finishRegistration(r, response, "Bob", Optional.empty()));
    assertEquals("a custodian enrols their own key: run it as --by Alice", e.getMessage());
    assertEquals(before, head());
    assertTrue(ledger.keys(ALICE).isEmpty());

    Registered reg = register(soft, ALICE, "alice", Optional.of("Bob"));
    assertEquals(ALICE, reg.key().owner());
    assertEquals(Optional.of("Alice"), reg.event().actor());
    assertEquals(Optional.empty(), reg.event().item());

    // A custodian may enrol a second key; it shares the owner's user handle.
    Registered second = register(SoftAuthenticator.packedSelf(YUBIKEY_5_SERIES), ALICE, "Alice", Optional.of("Bob"));
    assertEquals(reg.key().userHandle(), second.key().userHandle());
    assertEquals(2, ledger.keys(ALICE).size());

    KeyCheck check = ledger.recordKeyVerification(ALICE, assertion(soft, ALICE), "Alice", Optional.of("Bob"));
    assertEquals(CounterVerdict.ADVANCED, check.verdict());
    assertEquals(reg.key().credentialId(), check.key().credentialId());
    assertEquals(Optional.empty(), check.key().baselineEvent(), "a custodian's key has no safe");
    assertEquals(false, Json.read(check.event().details()).get("inSafe"));
    assertClean();
  }

  @Test
  void custodianKey_withoutUserVerificationFailsTheCeremony() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    register(soft, ALICE, "Alice", Optional.of("Bob"));

    assertCeremonyFailsAndWritesNothing(ALICE, soft.userVerified(false), ORIGIN);
  }

  // ---- ceremonies that fail record nothing ------------------------------------------------------

  @Test
  void finishRegistration_refusesWrongOrigin() throws Exception {
    Registration r = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    String response = SoftAuthenticator.none(YUBIKEY_5_NFC).register(r.page().optionsJson(),
        "http://localhost:9999");

    assertRegistrationFailsAndWritesNothing(r, response);
  }

  @Test
  void finishRegistration_refusesWrongRpId() throws Exception {
    Registration r = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    String response = SoftAuthenticator.none(YUBIKEY_5_NFC).rpId("evil.example")
        .register(r.page().optionsJson(), ORIGIN);

    assertRegistrationFailsAndWritesNothing(r, response);
  }

  @Test
  void finishRegistration_refusesAnswerToAnotherCeremonysChallenge() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    Registration first = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    String answerToFirst = soft.register(first.page().optionsJson(), ORIGIN);
    Registration second = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    assertNotEquals(challenge(first.page().optionsJson()), challenge(second.page().optionsJson()));

    assertEquals("the key's registration did not verify (Incorrect challenge.); nothing was recorded",
        assertRegistrationFailsAndWritesNothing(second, answerToFirst).getMessage());

    // The answer itself is sound: its own ceremony accepts it.
    keys.finishRegistration(first, answerToFirst, "Alice", Optional.of("Bob"));
    assertEquals(1, ledger.keys(ITEM).size());
  }

  @Test
  void finishRegistration_refusesMalformedAnswer() throws Exception {
    Registration r = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    Head before = head();

    CustodyException e = fails(Reason.CEREMONY_FAILED,
        () -> keys.finishRegistration(r, "{\"type\":\"public-key\"}", "Alice", Optional.of("Bob")));
    assertEquals("the browser's answer is not a well-formed WebAuthn registration response; nothing was recorded."
        + " Use the page at the address bg printed", e.getMessage());
    assertEquals(before, head());
  }

  @Test
  void finishVerification_refusesWrongOrigin() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    register(soft, ITEM, "Alice", Optional.of("Bob"));

    assertCeremonyFailsAndWritesNothing(ITEM, soft, "http://localhost:8124");
    assertCeremonyFailsAndWritesNothing(ITEM, soft, "https://localhost:8123");
  }

  @Test
  void finishVerification_refusesWrongRpId() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    register(soft, ITEM, "Alice", Optional.of("Bob"));

    assertCeremonyFailsAndWritesNothing(ITEM, soft.rpId("evil.example"), ORIGIN);
  }

  @Test
  void finishVerification_refusesAlteredSignature() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    register(soft, ITEM, "Alice", Optional.of("Bob"));

    assertEquals("the key is not the registered key of item 'bg1-key' (Invalid assertion"
        + " signature.); nothing was recorded",
        assertCeremonyFailsAndWritesNothing(ITEM, soft.tamperSignature(true), ORIGIN).getMessage());
    // The same device, untampered, still proves itself.
    assertEquals(CounterVerdict.ADVANCED, verify(soft, ITEM).verdict());
  }

  @Test
  void finishVerification_refusesResponseReplayedToANewCeremony() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    register(soft, ITEM, "Alice", Optional.of("Bob"));
    Verification first = keys.startVerification(ITEM, ORIGIN, TIMEOUT);
    String answer = soft.authenticate(first.page().optionsJson(), ORIGIN);
    ledger.recordKeyVerification(ITEM, keys.finishVerification(first, answer), "Alice", Optional.of("Bob"));
    Head before = head();

    Verification second = keys.startVerification(ITEM, ORIGIN, TIMEOUT);
    CustodyException e = fails(Reason.CEREMONY_FAILED, () -> keys.finishVerification(second, answer));
    assertTrue(e.getMessage().startsWith("the key is not the registered key of item 'bg1-key' ("),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("); nothing was recorded"), e.getMessage());
    assertEquals(before, head());
  }

  @Test
  void finishVerification_refusesCredentialTheLedgerDoesNotKnow() throws Exception {
    register(SoftAuthenticator.none(YUBIKEY_5_NFC), ITEM, "Alice", Optional.of("Bob"));
    // A key that made a credential for this RP ID in a registration that was never finished.
    SoftAuthenticator stranger = SoftAuthenticator.none(YUBIKEY_5_NFC);
    stranger.register(keys.startRegistration(ITEM_B, ORIGIN, TIMEOUT).page().optionsJson(), ORIGIN);
    Verification v = keys.startVerification(ITEM, ORIGIN, TIMEOUT);
    // A misbehaving client ignores allowCredentials and answers with whatever the key holds.
    String answer = stranger.authenticate(withoutAllowList(v.page().optionsJson()), ORIGIN);
    Head before = head();

    fails(Reason.CEREMONY_FAILED, () -> keys.finishVerification(v, answer));
    assertEquals(before, head());
  }

  @Test
  void finishVerification_refusesKeyRegisteredToAnotherItem() throws Exception {
    SoftAuthenticator keyOfA = SoftAuthenticator.none(YUBIKEY_5_NFC);
    register(keyOfA, ITEM, "Alice", Optional.of("Bob"));
    register(SoftAuthenticator.none(YUBIKEY_5_NFC), ITEM_B, "Alice", Optional.of("Bob"));
    Verification forB = keys.startVerification(ITEM_B, ORIGIN, TIMEOUT);
    assertThrows(IllegalStateException.class, () -> keyOfA.authenticate(forB.page().optionsJson(), ORIGIN),
        "the options name only item B's credential");
    String answer = keyOfA.authenticate(withoutAllowList(forB.page().optionsJson()), ORIGIN);
    Head before = head();

    fails(Reason.CEREMONY_FAILED, () -> keys.finishVerification(forB, answer));
    assertEquals(before, head());
  }

  @Test
  void ledger_refusesAssertionOfAnotherItemsKeyAndWritesNothing() throws Exception {
    SoftAuthenticator keyOfA = SoftAuthenticator.none(YUBIKEY_5_NFC);
    String credentialA = register(keyOfA, ITEM, "Alice", Optional.of("Bob")).key().credentialId();
    register(SoftAuthenticator.none(YUBIKEY_5_NFC), ITEM_B, "Alice", Optional.of("Bob"));
    register(SoftAuthenticator.none(YUBIKEY_5_NFC), ALICE, "Alice", Optional.of("Bob"));
    KeyAssertion ofA = assertion(keyOfA, ITEM);
    Head before = head();

    CustodyException e = fails(Reason.REFUSED,
        () -> ledger.recordKeyVerification(ITEM_B, ofA, "Alice", Optional.of("Bob")));
    assertEquals("the key presented (credential " + credentialA.substring(0, 12) + "…) is not the registered key of item"
        + " 'bg2-key'; nothing was recorded", e.getMessage());
    fails(Reason.REFUSED, () -> ledger.checkout(new CheckoutRequest("bg2-key", "Alice", Optional.empty(),
        "drill", Optional.empty(), Optional.empty(), Optional.empty()).withKey(ofA)));
    fails(Reason.REFUSED, () -> ledger.recordKeyVerification(ALICE, ofA, "Alice", Optional.of("Bob")));
    assertEquals(before, head());
    assertFalse(ledger.item("bg2-key").checkedOut());
    assertClean();
  }

  // ---- attestation policy ------------------------------------------------------------------------

  @Test
  void finishRegistration_refusesDisallowedAaguidNamingModel() throws Exception {
    configure(KitConfig.FIDO_ALLOWED_AAGUIDS + " = " + YUBIKEY_5_SERIES);
    Registration r = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    String response = SoftAuthenticator.none(YUBIKEY_5_NFC).register(r.page().optionsJson(), ORIGIN);
    Head before = head();

    CustodyException e = fails(Reason.REFUSED, () -> keys.finishRegistration(r, response, "Alice",
        Optional.empty()));
    assertEquals("security key model YubiKey 5 NFC / 5C NFC (firmware 5.2, 5.4) (AAGUID " + YUBIKEY_5_NFC
        + ") is not allowed by fido.allowed-aaguids in bg.conf: use an allowed model, or add its AAGUID there;"
        + " nothing was recorded", e.getMessage());
    assertTrue(e.getMessage().contains("YubiKey 5 NFC"));
    assertEquals(before, head());
    assertTrue(ledger.keys().isEmpty());
  }

  @Test
  void finishRegistration_refusesDisallowedUnknownAaguidAsUnknownModel() throws Exception {
    configure(KitConfig.FIDO_ALLOWED_AAGUIDS + " = " + YUBIKEY_5_NFC + ", " + YUBIKEY_5_SERIES);
    Registration r = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    String response = SoftAuthenticator.packedSelf(UNKNOWN_MODEL).register(r.page().optionsJson(), ORIGIN);
    Head before = head();

    CustodyException e = fails(Reason.REFUSED, () -> keys.finishRegistration(r, response, "Alice",
        Optional.empty()));
    assertTrue(e.getMessage().startsWith("security key model unknown model (AAGUID " + UNKNOWN_MODEL
        + ") is not allowed by fido.allowed-aaguids"), e.getMessage());
    assertEquals(before, head());
  }

  @Test
  void finishRegistration_acceptsAllowedAaguid() throws Exception {
    configure(KitConfig.FIDO_ALLOWED_AAGUIDS + " = " + YUBIKEY_5_SERIES + ", " + YUBIKEY_5_NFC);

    Registered reg = register(SoftAuthenticator.none(YUBIKEY_5_NFC), ITEM, "Alice", Optional.of("Bob"));
    assertEquals(YUBIKEY_5_NFC, reg.key().aaguid());
  }

  @Test
  void requireTrustedAttestation_acceptsPackedFullFromPemRootWithoutWarning() throws Exception {
    KeyPairAndCert vendor = SoftAuthenticator.testRootCa("Test Vendor Attestation Root");
    writePem(vendor.certificate(), "vendor-root.pem");
    configure(KitConfig.FIDO_REQUIRE_TRUSTED + " = true", KitConfig.FIDO_TRUST_ROOTS + " = vendor-root.pem");

    Registered reg = register(SoftAuthenticator.packedFull(YUBIKEY_5_NFC, vendor.keyPair().getPrivate(),
        vendor.certificate()), ITEM, "Alice", Optional.of("Bob"));

    assertTrue(reg.key().trusted());
    assertEquals("packed", reg.key().attestationFormat());
    assertEquals("BASIC", reg.key().attestationType());
    assertEquals(List.of(), reg.warnings());
    assertEquals(true, Json.read(reg.event().details()).get("trusted"));
    assertClean();
  }

  @Test
  void requireTrustedAttestation_refusesSelfAttestationAndOtherRoots() throws Exception {
    KeyPairAndCert vendor = SoftAuthenticator.testRootCa("Test Vendor Attestation Root");
    writePem(vendor.certificate(), "vendor-root.pem");
    configure(KitConfig.FIDO_REQUIRE_TRUSTED + " = true", KitConfig.FIDO_TRUST_ROOTS + " = vendor-root.pem");
    Head before = head();

    Registration r = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    String self = SoftAuthenticator.packedSelf(YUBIKEY_5_NFC).register(r.page().optionsJson(), ORIGIN);
    CustodyException e = fails(Reason.REFUSED, () -> keys.finishRegistration(r, self, "Alice", Optional.of("Bob")));
    assertEquals("the attestation of YubiKey 5 NFC / 5C NFC (firmware 5.2, 5.4) (AAGUID " + YUBIKEY_5_NFC
        + ") (format packed, SELF_ATTESTATION) does not chain to a configured trust root, and"
        + " fido.require-trusted-attestation = true: use a genuine key of an allowed model or add its vendor's"
        + " root; nothing was recorded", e.getMessage());

    KeyPairAndCert forger = SoftAuthenticator.testRootCa("Some Other Root");
    Registration r2 = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    String forged = SoftAuthenticator.packedFull(YUBIKEY_5_NFC, forger.keyPair().getPrivate(),
        forger.certificate()).register(r2.page().optionsJson(), ORIGIN);
    fails(Reason.REFUSED, () -> keys.finishRegistration(r2, forged, "Alice", Optional.of("Bob")));

    Registration r3 = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    String none = SoftAuthenticator.none(YUBIKEY_5_NFC).register(r3.page().optionsJson(), ORIGIN);
    fails(Reason.REFUSED, () -> keys.finishRegistration(r3, none, "Alice", Optional.of("Bob")));

    assertEquals(before, head());
    assertTrue(ledger.keys().isEmpty());
  }

  // ---- who may register --------------------------------------------------------------------------

  @Test
  void startRegistration_excludesKnownCredentialsSoOneKeyCannotServeTwoOwners() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    String credential = register(soft, ITEM, "Alice", Optional.of("Bob")).key().credentialId();

    for (KeyOwner other : List.of(ITEM_B, ALICE)) {
      Registration r = keys.startRegistration(other, ORIGIN, TIMEOUT);
      List<String> excluded = new ArrayList<>();
      options(r.page().optionsJson()).path("excludeCredentials").forEach(c -> excluded.add(c.path("id").asText()));
      assertEquals(List.of(credential), excluded, other.toString());
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> soft.register(r.page().optionsJson(), ORIGIN));
      assertTrue(e.getMessage().startsWith("InvalidStateError"), e.getMessage());
    }
    assertEquals(1, ledger.keys().size());
  }

  @Test
  void recordKey_refusesCredentialAlreadyRegistered() throws Exception {
    FidoKey k = register(SoftAuthenticator.none(YUBIKEY_5_NFC), ITEM, "Alice", Optional.of("Bob")).key();
    Head before = head();

    CustodyException e = fails(Reason.DUPLICATE, () -> ledger.recordKey(new NewKey(ALICE, k.credentialId(),
        k.userHandle(), k.publicKeyCose(), k.aaguid(), k.model(), k.attestationFormat(), k.attestationType(),
        k.trusted(), k.transports(), 5, true, "AA", "AA"), "Alice", Optional.of("Bob")));
    assertEquals("credential " + k.credentialId().substring(0, 12) + "… is already registered: see 'bg key list'",
        e.getMessage());
    assertEquals(before, head());
  }

  @Test
  void startRegistration_refusesItemThatAlreadyHasAKey() throws Exception {
    Registered reg = register(SoftAuthenticator.none(YUBIKEY_5_NFC), ITEM, "Alice", Optional.of("Bob"));
    Head before = head();

    CustodyException e = fails(Reason.REFUSED, () -> keys.startRegistration(ITEM, ORIGIN, TIMEOUT));
    assertEquals("item 'bg1-key' already has a registered key (credential "
        + reg.key().credentialId().substring(0, 12) + "…, event " + reg.event().seq() + "); a replacement key is a"
        + " new item: bg item add --kind fido2-key", e.getMessage());
    assertEquals(before, head());
  }

  @Test
  void finishRegistration_refusesItemThatGotAKeyDuringTheCeremony() throws Exception {
    Registration first = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    Registration second = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    String answerToSecond = SoftAuthenticator.none(YUBIKEY_5_NFC).register(second.page().optionsJson(), ORIGIN);
    keys.finishRegistration(first, SoftAuthenticator.none(YUBIKEY_5_NFC).register(first.page().optionsJson(),
        ORIGIN), "Alice", Optional.of("Bob"));
    Head before = head();

    CustodyException e = fails(Reason.REFUSED,
        () -> keys.finishRegistration(second, answerToSecond, "Alice", Optional.of("Bob")));
    assertTrue(e.getMessage().startsWith("item 'bg1-key' already has a registered key"), e.getMessage());
    assertEquals(before, head());
    assertEquals(1, ledger.keys(ITEM).size());
  }

  @Test
  void startRegistration_refusesItemThatIsNotAFido2Key() throws Exception {
    Head before = head();

    CustodyException e = fails(Reason.REFUSED,
        () -> keys.startRegistration(KeyOwner.item("spare-envelope"), ORIGIN, TIMEOUT));
    assertEquals("item 'spare-envelope' is a other, not a fido2-key: only fido2-key items hold a security key",
        e.getMessage());
    assertEquals(before, head());
  }

  @Test
  void startVerification_refusesOwnerWithoutKey() throws Exception {
    CustodyException e = fails(Reason.NOT_FOUND, () -> keys.startVerification(ITEM, ORIGIN, TIMEOUT));
    assertEquals("item 'bg1-key' has no registered key: register it with 'bg key register bg1-key'",
        e.getMessage());
    fails(Reason.NOT_FOUND, () -> keys.startVerification(ALICE, ORIGIN, TIMEOUT));
    fails(Reason.NOT_FOUND, () -> keys.startRegistration(KeyOwner.item("no-such-item"), ORIGIN, TIMEOUT));
    fails(Reason.NOT_FOUND, () -> keys.startRegistration(KeyOwner.custodian("Mallory"), ORIGIN, TIMEOUT));
  }

  // ---- the counter rule --------------------------------------------------------------------------

  @Test
  void counterRegression_recordsOneAlarmRefusesAndKeepsStoredCounter() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC).counter(10);
    String credential = register(soft, ITEM, "Alice", Optional.of("Bob")).key().credentialId();
    KeyCheck last = verify(soft, ITEM);
    assertEquals(11, last.key().signCount());
    soft.counter(5); // a clone that has signed less than the original
    KeyAssertion a = assertion(soft, ITEM);
    assertEquals(6, a.signCount());
    Head before = head();

    CustodyException e = fails(Reason.KEY_ALARM,
        () -> ledger.recordKeyVerification(ITEM, a, "Alice", Optional.of("Bob")));

    List<Event> written = eventsAfter(before);
    assertEquals(1, written.size(), written.toString());
    Event alarm = written.get(0);
    assertEquals(EventType.KEY_ALARM, alarm.type());
    assertEquals(Optional.of("bg1-key"), alarm.item());
    assertEquals(Optional.of("Alice"), alarm.actor());
    assertEquals(Optional.of("Bob"), alarm.witness());
    assertEquals(Optional.of("signature counter went back from 11 to 6: the credential may have been cloned"),
        alarm.reason());
    assertEquals("ALARM: the key of item 'bg1-key' reported signature counter 6, not above 11 on record: the credential may"
        + " have been cloned. Refused; alarm recorded as event " + alarm.seq() + ". Keep the key apart and follow"
        + " the custodian guide (key alarms)", e.getMessage());

    KeyAlarm expected = new KeyAlarm(alarm.seq(), alarm.timestamp(), credential, ITEM,
        CounterVerdict.COUNTER_REGRESSED, 11, 6, last.key().baselineEvent());
    assertEquals(List.of(expected), ledger.keyAlarms());
    assertEquals(List.of(expected), ledger.status().keyAlarms());
    FidoKey key = ledger.keys(ITEM).get(0);
    assertEquals(11, key.signCount(), "the counter seen is not adopted");
    assertEquals(1, key.alarms());
    assertEquals(last.key().lastVerifiedEvent(), key.lastVerifiedEvent());
    assertEquals(last.key().baselineEvent(), key.baselineEvent());
    assertEquals(new CounterReading(alarm.seq(), alarm.timestamp(), 6, "counter-regressed"),
        ledger.counterHistory(credential).get(2));
    assertClean();
  }

  @Test
  void checkout_withRegressedCounterIsRefusedAndRecordsOnlyTheAlarm() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC).counter(40);
    register(soft, ITEM, "Alice", Optional.of("Bob"));
    soft.counter(39);
    KeyAssertion a = assertion(soft, ITEM);
    Head before = head();

    fails(Reason.KEY_ALARM, () -> ledger.checkout(checkoutBg1().withKey(a)));

    List<Event> written = eventsAfter(before);
    assertEquals(List.of(EventType.KEY_ALARM), written.stream().map(Event::type).toList());
    assertFalse(ledger.item("bg1-key").checkedOut(), "refused: the item stays in");
    assertEquals(40, ledger.keys(ITEM).get(0).signCount());
    assertEquals(1, ledger.status().keyAlarms().size());
    assertClean();
  }

  @Test
  void counterMovedInSafe_raisesUsedInSafeAlarmButJumpsWhileOutAreExpected() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    String credential = register(soft, ITEM, "Alice", Optional.of("Bob")).key().credentialId();
    KeyCheck baseline = verify(soft, ITEM);
    assertEquals(CounterVerdict.ADVANCED, baseline.verdict());
    assertEquals(Optional.of(baseline.event().seq()), baseline.key().baselineEvent());

    soft.counter(soft.counter() + 5); // five signatures while sealed in the safe
    Head before = head();
    KeyCheck moved = verify(soft, ITEM);

    assertEquals(CounterVerdict.USED_IN_SAFE, moved.verdict());
    assertEquals(2, moved.previousCount());
    assertEquals(8, moved.key().signCount());
    assertTrue(moved.alarm().isPresent());
    Event alarm = moved.alarm().get();
    assertEquals(List.of(alarm, moved.event()), eventsAfter(before));
    assertEquals(EventType.KEY_ALARM, alarm.type());
    assertEquals(EventType.KEY_VERIFIED, moved.event().type());
    assertEquals(Optional.of("signature counter moved from 2 to 8 while the key was in its safe: it signed 5"
        + " time(s) there"), alarm.reason());
    assertEquals("used-in-safe", Json.read(moved.event().details()).get("verdict"));
    assertEquals(List.of(new KeyAlarm(alarm.seq(), alarm.timestamp(), credential, ITEM,
        CounterVerdict.USED_IN_SAFE, 2, 8, Optional.of(baseline.event().seq()))), ledger.keyAlarms());
    assertEquals(1, moved.key().alarms());
    assertEquals(Optional.of(moved.event().seq()), moved.key().baselineEvent());

    // Out of the safe the key is used: the counter may jump.
    clock.advance(Duration.ofHours(1));
    Event out = ledger.checkout(checkoutBg1().withKey(assertion(soft, ITEM)));
    assertEquals("advanced", Json.read(out.details()).get("keyVerdict"));
    assertEquals(Optional.empty(), ledger.keys(ITEM).get(0).baselineEvent(), "a check-out clears the baseline");
    soft.counter(soft.counter() + 20); // signing in to the tenant, many times
    KeyCheck whileOut = verify(soft, ITEM);
    assertEquals(CounterVerdict.ADVANCED, whileOut.verdict());
    assertEquals(Optional.empty(), whileOut.key().baselineEvent());
    soft.counter(soft.counter() + 3);
    clock.advance(Duration.ofHours(1));
    Event in = ledger.checkin(checkinBg1().withKey(assertion(soft, ITEM)));
    Map<String, Object> d = Json.read(in.details());
    assertEquals("advanced", d.get("keyVerdict"));
    assertEquals(30L, d.get("keyPreviousCount"));
    assertEquals(34L, d.get("keySignCount"));
    assertEquals(Optional.of(in.seq()), ledger.keys(ITEM).get(0).baselineEvent(), "a check-in sets the baseline");

    // Back in the safe, one signature since the check-in is the verification itself.
    KeyCheck next = verify(soft, ITEM);
    assertEquals(CounterVerdict.ADVANCED, next.verdict());
    assertEquals(35, next.key().signCount());
    assertEquals(1, ledger.keyAlarms().size());
    assertEquals(List.of("registered", "advanced", "used-in-safe", "advanced", "advanced", "advanced", "advanced"),
        verdicts(next.key()));
    assertClean();
  }

  @Test
  void checkout_withKeyUsedInSafeRecordsAlarmAndChecksOut() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    register(soft, ITEM, "Alice", Optional.of("Bob"));
    KeyCheck baseline = verify(soft, ITEM);
    soft.counter(soft.counter() + 2);
    Head before = head();

    Event out = ledger.checkout(checkoutBg1().withKey(assertion(soft, ITEM)));

    List<Event> written = eventsAfter(before);
    assertEquals(List.of(EventType.KEY_ALARM, EventType.ITEM_CHECKED_OUT), written.stream().map(Event::type)
        .toList());
    assertEquals(out, written.get(1));
    assertEquals("used-in-safe", Json.read(out.details()).get("keyVerdict"));
    assertEquals(List.of(new KeyAlarm(written.get(0).seq(), written.get(0).timestamp(),
        baseline.key().credentialId(), ITEM, CounterVerdict.USED_IN_SAFE, 2, 5,
        Optional.of(baseline.event().seq()))), ledger.keyAlarms());
    assertTrue(ledger.item("bg1-key").checkedOut());
    FidoKey key = ledger.keys(ITEM).get(0);
    assertEquals(5, key.signCount());
    assertEquals(Optional.empty(), key.baselineEvent());
    assertClean();
  }

  @Test
  void checkoutAllowedAndCheckinAllowed_leaveTheKeyAloneAndWriteNothing() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC).counter(20);
    register(soft, ITEM, "Alice", Optional.of("Bob"));
    soft.counter(3);
    KeyAssertion regressed = assertion(soft, ITEM);
    Head before = head();

    ledger.checkoutAllowed(checkoutBg1().withKey(regressed));
    assertEquals(before, head());
    ledger.checkout(checkoutBg1().withSkipKeyCheck(Optional.of("no browser at hand")));
    before = head();
    ledger.checkinAllowed(checkinBg1().withKey(regressed));
    assertEquals(before, head());
    assertTrue(ledger.keyAlarms().isEmpty());
    assertEquals(20, ledger.keys(ITEM).get(0).signCount());
  }

  @Test
  void custodianKey_counterJumpIsNeverUsedInSafe() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    register(soft, ALICE, "Alice", Optional.of("Bob"));
    verify(soft, ALICE);
    soft.counter(soft.counter() + 50);

    KeyCheck check = verify(soft, ALICE);
    assertEquals(CounterVerdict.ADVANCED, check.verdict());
    assertEquals(Optional.empty(), check.alarm());
    assertTrue(ledger.keyAlarms().isEmpty());
  }

  @Test
  void counterlessKey_givesNoCounterAndNoAlarm() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.packedSelf(YUBIKEY_5_NFC).counter(0);
    Registered reg = register(soft, ITEM, "Alice", Optional.of("Bob"));
    assertEquals(0, reg.key().signCount());
    assertTrue(reg.key().noCounter());

    assertEquals(CounterVerdict.NO_COUNTER, verify(soft, ITEM).verdict());
    KeyCheck again = verify(soft, ITEM); // with a baseline now
    assertEquals(CounterVerdict.NO_COUNTER, again.verdict());
    assertEquals(Optional.empty(), again.alarm());
    Event out = ledger.checkout(checkoutBg1().withKey(assertion(soft, ITEM)));
    Event in = ledger.checkin(checkinBg1().withKey(assertion(soft, ITEM)));
    assertEquals("no-counter", Json.read(out.details()).get("keyVerdict"));
    assertEquals("no-counter", Json.read(in.details()).get("keyVerdict"));

    FidoKey key = ledger.keys(ITEM).get(0);
    assertTrue(key.noCounter());
    assertEquals(0, key.alarms());
    assertTrue(ledger.keyAlarms().isEmpty());
    assertTrue(ledger.status().keyAlarms().isEmpty());
    assertEquals(List.of("registered", "no-counter", "no-counter", "no-counter", "no-counter"), verdicts(key));
    assertClean();
  }

  // ---- custody events carry the assertion; the ledger still verifies ----------------------------

  @Test
  void checkoutAndCheckin_withKeyCarryTheAssertionInTheEventDetails() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    register(soft, ITEM, "Alice", Optional.of("Bob"));

    KeyAssertion a = assertion(soft, ITEM);
    Head before = head();
    Event out = ledger.checkout(checkoutBg1().withKey(a));
    assertEquals(List.of(out), eventsAfter(before), "an advancing counter adds no event of its own");
    assertEquals(EventType.ITEM_CHECKED_OUT, out.type());
    assertCarries(out, a, 1, "advanced");
    assertTrue(ledger.item("bg1-key").checkedOut());
    FidoKey afterOut = ledger.keys(ITEM).get(0);
    assertEquals(Optional.of(out.seq()), afterOut.lastVerifiedEvent());
    assertEquals(Optional.empty(), afterOut.baselineEvent());

    KeyAssertion b = assertion(soft, ITEM);
    Event in = ledger.checkin(checkinBg1().withKey(b));
    assertEquals(EventType.ITEM_CHECKED_IN, in.type());
    assertCarries(in, b, 2, "advanced");
    FidoKey afterIn = ledger.keys(ITEM).get(0);
    assertEquals(3, afterIn.signCount());
    assertEquals(Optional.of(in.seq()), afterIn.lastVerifiedEvent());
    assertEquals(Optional.of(in.seq()), afterIn.baselineEvent());

    // An item whose key is registered does not move unverified unless the reason is recorded.
    Head beforePlain = head();
    CustodyException refused = fails(Reason.REFUSED,
        () -> ledger.checkout(Fixture.checkout("bg1-key", "Alice", "Bob", null)));
    assertEquals("item 'bg1-key' holds a registered security key: prove it is that key with --verify-key, or record"
        + " why it cannot be checked now with --skip-key-check REASON", refused.getMessage());
    assertEquals(beforePlain, head());
    // With the reason recorded, the events carry no key fields and leave the key alone.
    Event plainOut = ledger.checkout(Fixture.checkout("bg1-key", "Alice", "Bob", null)
        .withSkipKeyCheck(Optional.of("no browser at hand")));
    assertFalse(Json.read(plainOut.details()).containsKey("keyCredentialId"), plainOut.details());
    assertEquals("no browser at hand", Json.read(plainOut.details()).get("keyCheckSkipped"));
    assertEquals(afterIn.lastVerifiedEvent(), ledger.keys(ITEM).get(0).lastVerifiedEvent());
    assertClean();
  }

  @Test
  void verify_isCleanAfterEveryKindOfKeyEventIncludingAlarms() throws Exception {
    SoftAuthenticator itemKey = SoftAuthenticator.none(YUBIKEY_5_NFC);
    SoftAuthenticator aliceKey = SoftAuthenticator.packedSelf(YUBIKEY_5_SERIES);
    SoftAuthenticator counterless = SoftAuthenticator.none(YUBIKEY_5_NFC).counter(0);
    register(itemKey, ITEM, "Alice", Optional.of("Bob"));
    register(aliceKey, ALICE, "Alice", Optional.of("Bob"));
    register(counterless, ITEM_B, "Carol", Optional.empty());
    verify(itemKey, ITEM);
    itemKey.counter(itemKey.counter() + 3);
    assertEquals(CounterVerdict.USED_IN_SAFE, verify(itemKey, ITEM).verdict());
    ledger.checkout(checkoutBg1().withKey(assertion(itemKey, ITEM)));
    itemKey.counter(2);
    KeyAssertion regressed = assertion(itemKey, ITEM);
    fails(Reason.KEY_ALARM, () -> ledger.checkin(checkinBg1().withKey(regressed)));
    itemKey.counter(100);
    ledger.checkin(checkinBg1().withKey(assertion(itemKey, ITEM)));
    verify(aliceKey, ALICE);
    verify(counterless, ITEM_B);
    ledger.checkout(new CheckoutRequest("bg2-key", "Carol", Optional.empty(), "drill", Optional.empty(),
        Optional.empty(), Optional.empty()).withKey(assertion(counterless, ITEM_B)));
    assertEquals(2, ledger.keyAlarms().size());

    assertClean();
    ledger.close();
    try (Ledger readOnly = Ledger.openReadOnly(home, clock)) {
      assertTrue(readOnly.verify(Optional.empty()).ok());
      assertEquals(2, readOnly.status().keyAlarms().size());
    }
    ledger = Ledger.open(home, "admin", clock);
  }

  @Test
  void verify_detectsFidoKeyRowEditedOutsideTheLedger() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    String credential = register(soft, ITEM, "Alice", Optional.of("Bob")).key().credentialId();
    verify(soft, ITEM);
    ledger.close();

    // Raising the stored counter would make the genuine key look like a clone at its next use.
    Fixture.attack(home, "UPDATE fido_keys SET sign_count = 999");

    ledger = Ledger.open(home, "admin", clock);
    VerifyReport report = ledger.verify(Optional.empty());
    assertFalse(report.ok());
    String problem = report.problem().orElseThrow();
    assertTrue(problem.startsWith("the inventory was edited outside the ledger: table 'fido_keys' does not match"
        + " its events at '" + credential + "'"), problem);
  }

  @Test
  void verify_detectsHiddenKeyAlarmOutsideTheLedger() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC).counter(10);
    register(soft, ITEM, "Alice", Optional.of("Bob"));
    soft.counter(3);
    KeyAssertion regressed = assertion(soft, ITEM);
    fails(Reason.KEY_ALARM, () -> ledger.recordKeyVerification(ITEM, regressed, "Alice", Optional.of("Bob")));
    ledger.close();

    Fixture.attack(home, "UPDATE fido_keys SET alarms = 0",
        "UPDATE fido_counters SET verdict = 'advanced' WHERE verdict = 'counter-regressed'");

    ledger = Ledger.open(home, "admin", clock);
    String problem = ledger.verify(Optional.empty()).problem().orElseThrow();
    assertTrue(problem.startsWith("the inventory was edited outside the ledger: table 'fido_"), problem);
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private KeyCeremonies ceremonies() throws CustodyException {
    KitConfig.Fido f = ledger.config().fido();
    return new KeyCeremonies(ledger, AttestationTrust.load(f.mdsBlob(), f.mdsRoot(), f.trustRoots(), clock),
        clock);
  }

  /** Rewrites bg.conf and reopens the ledger, which reads it at open. */
  private void configure(String... lines) throws Exception {
    ledger.close();
    Files.writeString(home.resolve(KitConfig.FILE_NAME), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    ledger = Ledger.open(home, "admin", clock);
    keys = ceremonies();
  }

  private void writePem(X509Certificate cert, String name) throws Exception {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(cert.getEncoded());
    Files.writeString(home.resolve(name), "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n",
        StandardCharsets.US_ASCII);
  }

  private Registered register(SoftAuthenticator soft, KeyOwner owner, String by, Optional<String> witness)
      throws CustodyException {
    Registration r = keys.startRegistration(owner, ORIGIN, TIMEOUT);
    return keys.finishRegistration(r, soft.register(r.page().optionsJson(), ORIGIN), by, witness);
  }

  private KeyAssertion assertion(SoftAuthenticator soft, KeyOwner owner) throws CustodyException {
    Verification v = keys.startVerification(owner, ORIGIN, TIMEOUT);
    return keys.finishVerification(v, soft.authenticate(v.page().optionsJson(), ORIGIN));
  }

  /** {@code bg key verify}: Alice verifies, alone (the key's own verification has no two-person rule). */
  private KeyCheck verify(SoftAuthenticator soft, KeyOwner owner) throws CustodyException {
    clock.advance(Duration.ofMinutes(1));
    return ledger.recordKeyVerification(owner, assertion(soft, owner), "Alice", Optional.of("Bob"));
  }

  private static CheckoutRequest checkoutBg1() {
    return Fixture.checkout("bg1-key", "Alice", "Bob", "SEAL-1");
  }

  private static CheckinRequest checkinBg1() {
    return Fixture.checkin("bg1-key", "Alice", "Bob", null);
  }

  private CustodyException assertRegistrationFailsAndWritesNothing(Registration r, String response)
      throws Exception {
    Head before = head();
    CustodyException e = fails(Reason.CEREMONY_FAILED,
        () -> keys.finishRegistration(r, response, "Alice", Optional.of("Bob")));
    assertTrue(e.getMessage().startsWith("the key's registration did not verify ("), e.getMessage());
    assertFalse(e.getMessage().contains("java."), e.getMessage());
    assertTrue(e.getMessage().endsWith("); nothing was recorded"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertEquals(before, head());
    assertTrue(ledger.keys(r.owner()).isEmpty());
    return e;
  }

  private CustodyException assertCeremonyFailsAndWritesNothing(KeyOwner owner, SoftAuthenticator soft,
      String origin) throws Exception {
    Verification v = keys.startVerification(owner, ORIGIN, TIMEOUT);
    String answer = soft.authenticate(v.page().optionsJson(), origin);
    List<FidoKey> keysBefore = ledger.keys();
    Head before = head();
    CustodyException e = fails(Reason.CEREMONY_FAILED, () -> keys.finishVerification(v, answer));
    assertTrue(e.getMessage().startsWith("the key is not the registered key of " + owner + " ("),
        e.getMessage());
    assertFalse(e.getMessage().contains("java."), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertEquals(before, head());
    assertEquals(keysBefore, ledger.keys());
    return e;
  }

  private static void assertCarries(Event e, KeyAssertion a, long previousCount, String verdict) {
    Map<String, Object> d = Json.read(e.details());
    assertEquals(a.credentialId(), d.get("keyCredentialId"));
    assertEquals(a.signCount(), d.get("keySignCount"));
    assertEquals(previousCount, d.get("keyPreviousCount"));
    assertEquals(verdict, d.get("keyVerdict"));
    assertEquals(a.userVerified(), d.get("keyUserVerified"));
    assertEquals(a.authenticatorData(), d.get("keyAuthenticatorData"));
    assertEquals(a.clientDataJson(), d.get("keyClientDataJSON"));
    assertEquals(a.signature(), d.get("keySignature"));
  }

  private void assertClean() throws CustodyException {
    VerifyReport report = ledger.verify(Optional.empty());
    assertTrue(report.ok(), report.problem().orElse(""));
  }

  private Head head() throws CustodyException {
    return ledger.head().orElseThrow();
  }

  private List<Event> eventsAfter(Head h) throws CustodyException {
    List<Event> out = new ArrayList<>();
    ledger.events(Optional.empty(), Optional.empty(), e -> {
      if (e.seq() > h.seq()) {
        out.add(e);
      }
    });
    return out;
  }

  private List<String> verdicts(FidoKey key) throws CustodyException {
    return ledger.counterHistory(key.credentialId()).stream().map(CounterReading::verdict).toList();
  }

  private static CustodyException fails(Reason reason, Executable op) {
    CustodyException e = assertThrows(CustodyException.class, op);
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }

  private static JsonNode options(String optionsJson) throws Exception {
    return JSON.readTree(optionsJson).path("publicKey");
  }

  private static String challenge(String optionsJson) throws Exception {
    return options(optionsJson).path("challenge").asText();
  }

  /** The options as a client that ignores {@code allowCredentials} would pass them to the key. */
  private static String withoutAllowList(String optionsJson) throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(optionsJson);
    ((ObjectNode) root.path("publicKey")).remove("allowCredentials");
    return JSON.writeValueAsString(root);
  }

  @Test
  void finishVerification_refusesASecondAnswerToTheSameCeremony() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    register(soft, ITEM, "Alice", Optional.of("Bob"));
    Verification v = keys.startVerification(ITEM, ORIGIN, TIMEOUT);
    String answer = soft.authenticate(v.page().optionsJson(), ORIGIN);
    keys.finishVerification(v, answer);
    Head before = head();

    CustodyException e = fails(Reason.CEREMONY_FAILED, () -> keys.finishVerification(v, answer));
    assertEquals("this ceremony was already answered; its challenge is spent. Run the command again; nothing was"
        + " recorded", e.getMessage());
    assertEquals(before, head());
  }

  @Test
  void custodianKey_verificationIsRecordedOnlyAsThatCustodian() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    register(soft, ALICE, "Alice", Optional.of("Bob"));
    KeyAssertion a = assertion(soft, ALICE);
    Head before = head();

    CustodyException e = fails(Reason.REFUSED, () -> ledger.recordKeyVerification(ALICE, a, "Bob", Optional.empty()));
    assertEquals("a custodian's key proves that custodian's presence: record it as --by Alice, not Bob",
        e.getMessage());
    assertEquals(before, head());
  }

  @Test
  void finishRegistration_refusesASyncablePasskey() throws Exception {
    Registration r = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    String answer = withBackupFlags(SoftAuthenticator.none(YUBIKEY_5_NFC).register(r.page().optionsJson(), ORIGIN));
    Head before = head();

    CustodyException e = fails(Reason.REFUSED, () -> keys.finishRegistration(r, answer, "Alice", Optional.of("Bob")));
    assertEquals("the credential can be copied to other devices (a synced passkey, backup eligible): the kit"
        + " registers only device-bound security keys; nothing was recorded", e.getMessage());
    assertEquals(before, head());
  }

  @Test
  void itemKeys_followTheSafesTwoPersonRule_andAreRefusedBeforeTheCeremony() throws Exception {
    CustodyException early = fails(Reason.REFUSED,
        () -> ledger.requireKeyPeople(ITEM, "Alice", Optional.empty(), true));
    assertEquals("safe 'hq-safe' has the two-person rule: name a second custodian with --witness",
        early.getMessage());
    fails(Reason.NOT_FOUND, () -> ledger.requireKeyPeople(ITEM, "Nobody", Optional.of("Bob"), true));
    fails(Reason.REFUSED, () -> ledger.requireKeyPeople(ALICE, "Bob", Optional.empty(), true));
    ledger.requireKeyPeople(ITEM, "Alice", Optional.of("Bob"), true);

    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    Registration r = keys.startRegistration(ITEM, ORIGIN, TIMEOUT);
    String answer = soft.register(r.page().optionsJson(), ORIGIN);
    Head before = head();
    fails(Reason.REFUSED, () -> keys.finishRegistration(r, answer, "Alice", Optional.empty()));
    assertEquals(before, head());

    register(soft, ITEM, "Alice", Optional.of("Bob"));
    KeyAssertion a = assertion(soft, ITEM);
    fails(Reason.REFUSED, () -> ledger.recordKeyVerification(ITEM, a, "Alice", Optional.empty()));
    assertEquals(CounterVerdict.ADVANCED, ledger.recordKeyVerification(ITEM, a, "Alice", Optional.of("Bob")).verdict());
  }

  @Test
  void status_listsKeysInTheirSafeWithoutABaseline() throws Exception {
    SoftAuthenticator soft = SoftAuthenticator.none(YUBIKEY_5_NFC);
    register(soft, ITEM, "Alice", Optional.of("Bob"));
    assertEquals(List.of("bg1-key"), ledger.status().keysWithoutBaseline().stream().map(i -> i.label()).toList());

    verify(soft, ITEM);
    assertTrue(ledger.status().keysWithoutBaseline().isEmpty());

    ledger.checkout(checkoutBg1().withSkipKeyCheck(Optional.of("no browser at hand")));
    assertTrue(ledger.status().keysWithoutBaseline().isEmpty(), "an item that is out has no baseline to keep");
    ledger.checkin(checkinBg1().withSkipKeyCheck(Optional.of("no browser at hand")));
    assertEquals(List.of("bg1-key"), ledger.status().keysWithoutBaseline().stream().map(i -> i.label()).toList());
  }

  @Test
  void failureMessages_carryNoTerminalControlCodes() {
    assertEquals("Incorrect origin: http://x?]0;pwned??[2J", KeyCeremonies.oneLine(
        "Incorrect origin: http://x\u001b]0;pwned\u0007\u001b[2J\nsecond line"));
  }

  /** Sets the backup-eligible and backed-up flags of a "none" registration (nothing signs its data). */
  private static String withBackupFlags(String registrationJson) throws Exception {
    ObjectNode root = (ObjectNode) new ObjectMapper().readTree(registrationJson);
    ObjectNode response = (ObjectNode) root.get("response");
    com.upokecenter.cbor.CBORObject att = com.upokecenter.cbor.CBORObject.DecodeFromBytes(
        Base64.getUrlDecoder().decode(response.get("attestationObject").asText()));
    byte[] authData = att.get("authData").GetByteString();
    authData[32] |= 0x18;
    att.set("authData", com.upokecenter.cbor.CBORObject.FromObject(authData));
    response.put("attestationObject", Base64.getUrlEncoder().withoutPadding().encodeToString(att.EncodeToBytes()));
    return root.toString();
  }
}
