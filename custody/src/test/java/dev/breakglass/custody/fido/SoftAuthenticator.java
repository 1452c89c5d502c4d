package dev.breakglass.custody.fido;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.upokecenter.cbor.CBORObject;
import com.yubico.webauthn.data.ByteArray;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A software FIDO2 security key holding ES256 (P-256) credentials, for tests only.
 *
 * <p>It reads the JSON a relying party hands the browser ({@code toCredentialsCreateJson()},
 * {@code toCredentialsGetJson()}) and returns the JSON the browser's {@code credential.toJSON()}
 * would post back, so ceremonies run without a browser.
 *
 * <p>One device has one global signature counter, like a YubiKey: registration reports the current
 * value, every assertion increments it first. A counter of 0 models a key without a counter; it then
 * stays 0. A fresh device starts at 1 so that the default is a counting key.
 *
 * <p>The knobs {@link #rpId}, {@link #tamperSignature}, {@link #userVerified} and {@link #transports}
 * return a view of the same device (same credentials, same counter) that behaves differently;
 * {@link #counter(long)} changes the device itself. Not thread-safe.
 *
 * <p>Non-features: no extensions, no resident-key storage limits, no PIN/UV protocol, no attestation
 * conveyance handling (the browser's job), only ES256.
 */
public final class SoftAuthenticator {
  /** Signing key and certificate of a test CA (see {@link #testRootCa}). */
  public record KeyPairAndCert(KeyPair keyPair, X509Certificate certificate) {
    public KeyPairAndCert {
      Objects.requireNonNull(keyPair, "keyPair");
      Objects.requireNonNull(certificate, "certificate");
    }
  }

  private enum Format {
    NONE("none"),
    PACKED_SELF("packed"),
    PACKED_FULL("packed");

    final String fmt;

    Format(String fmt) {
      this.fmt = fmt;
    }
  }

  private static final int COSE_ES256 = -7;
  private static final byte FLAG_UP = 0x01;
  private static final byte FLAG_UV = 0x04;
  private static final byte FLAG_AT = 0x40;
  private static final long MAX_COUNTER = 0xFFFF_FFFFL;
  private static final String ID_FIDO_GEN_CE_AAGUID = "1.3.6.1.4.1.45724.1.1.4";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Credential(ByteArray id, KeyPair keyPair, String rpId, ByteArray userHandle) {}

  /** State shared by every view of one physical key. */
  private static final class Device {
    final Map<ByteArray, Credential> credentials = new LinkedHashMap<>();
    long counter = 1;
    Optional<ByteArray> lastCredentialId = Optional.empty();
  }

  private final UUID aaguid;
  private final Format format;
  private final Optional<KeyPairAndCert> attestation;
  private final Device device;
  private final Optional<String> rpIdOverride;
  private final boolean tamperSignature;
  private final boolean userVerified;
  private final List<String> transports;

  private SoftAuthenticator(UUID aaguid, Format format, Optional<KeyPairAndCert> attestation, Device device,
      Optional<String> rpIdOverride, boolean tamperSignature, boolean userVerified, List<String> transports) {
    this.aaguid = Objects.requireNonNull(aaguid, "aaguid");
    this.format = format;
    this.attestation = attestation;
    this.device = device;
    this.rpIdOverride = rpIdOverride;
    this.tamperSignature = tamperSignature;
    this.userVerified = userVerified;
    this.transports = List.copyOf(transports);
  }

  private static SoftAuthenticator fresh(UUID aaguid, Format format, Optional<KeyPairAndCert> attestation) {
    return new SoftAuthenticator(aaguid, format, attestation, new Device(), Optional.empty(), false, true,
        List.of("usb"));
  }

  /** A key whose registrations carry attestation format "none" (empty attStmt). */
  public static SoftAuthenticator none(UUID aaguid) {
    return fresh(aaguid, Format.NONE, Optional.empty());
  }

  /** A key that self-attests: "packed" with {alg, sig}, signed by the new credential's own key. */
  public static SoftAuthenticator packedSelf(UUID aaguid) {
    return fresh(aaguid, Format.PACKED_SELF, Optional.empty());
  }

  /**
   * A key with "packed" full (basic) attestation: it makes its own attestation key and an attestation
   * certificate issued by {@code caKey}/{@code caCert} that meets WebAuthn §8.2.1, and sends it as the
   * only x5c entry.
   */
  public static SoftAuthenticator packedFull(UUID aaguid, PrivateKey caKey, X509Certificate caCert) {
    Objects.requireNonNull(aaguid, "aaguid");
    Objects.requireNonNull(caKey, "caKey");
    Objects.requireNonNull(caCert, "caCert");
    KeyPair attestationKey = newP256KeyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.C, "SE")
        .addRDN(BCStyle.O, "BreakGlass Kit Test")
        .addRDN(BCStyle.OU, "Authenticator Attestation")
        .addRDN(BCStyle.CN, "SoftAuthenticator " + aaguid)
        .build();
    try {
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCert, serial(), notBefore(),
          notAfter(), subject, attestationKey.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(new ASN1ObjectIdentifier(ID_FIDO_GEN_CE_AAGUID), false,
              new DEROctetString(uuidBytes(aaguid)))
          .addExtension(Extension.authorityKeyIdentifier, false,
              new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCert));
      X509Certificate cert = sign(builder, caKey);
      return fresh(aaguid, Format.PACKED_FULL, Optional.of(new KeyPairAndCert(attestationKey, cert)));
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue attestation certificate", e);
    }
  }

  /** A self-signed EC P-256 root CA named {@code CN=cn}, valid from a day ago for 20 years. */
  public static KeyPairAndCert testRootCa(String cn) {
    Objects.requireNonNull(cn, "cn");
    KeyPair keyPair = newP256KeyPair();
    X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), notBefore(), notAfter(),
          name, keyPair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keyPair.getPublic()));
      return new KeyPairAndCert(keyPair, sign(builder, keyPair.getPrivate()));
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make test root CA " + cn, e);
    }
  }

  // ---- knobs -------------------------------------------------------------------------------------

  /** A view that hashes {@code rpId} into authenticator data instead of the RP ID the options name. */
  public SoftAuthenticator rpId(String rpId) {
    return new SoftAuthenticator(aaguid, format, attestation, device, Optional.of(rpId), tamperSignature,
        userVerified, transports);
  }

  /** A view whose assertion signatures have one bit flipped (still valid DER, wrong value). */
  public SoftAuthenticator tamperSignature(boolean tamper) {
    return new SoftAuthenticator(aaguid, format, attestation, device, rpIdOverride, tamper, userVerified,
        transports);
  }

  /** A view that sets (default) or clears the UV flag. */
  public SoftAuthenticator userVerified(boolean verified) {
    return new SoftAuthenticator(aaguid, format, attestation, device, rpIdOverride, tamperSignature, verified,
        transports);
  }

  /** A view that reports these transports in registration responses (default {@code ["usb"]}). */
  public SoftAuthenticator transports(List<String> transports) {
    return new SoftAuthenticator(aaguid, format, attestation, device, rpIdOverride, tamperSignature,
        userVerified, transports);
  }

  /** Sets this device's counter; 0 makes it a key without a counter. Returns this. */
  public SoftAuthenticator counter(long value) {
    if (value < 0 || value > MAX_COUNTER) {
      throw new IllegalArgumentException("counter must be in [0, 2^32-1], was " + value);
    }
    device.counter = value;
    return this;
  }

  // ---- accessors ---------------------------------------------------------------------------------

  public long counter() {
    return device.counter;
  }

  public UUID aaguid() {
    return aaguid;
  }

  /** The id of the credential this device made last; throws if it has made none. */
  public ByteArray lastCredentialId() {
    return device.lastCredentialId.orElseThrow(() -> new IllegalStateException("no credential registered yet"));
  }

  /** The attestation certificate sent in x5c ({@link #packedFull} keys only). */
  public Optional<X509Certificate> attestationCertificate() {
    return attestation.map(KeyPairAndCert::certificate);
  }

  // ---- ceremonies --------------------------------------------------------------------------------

  /**
   * Answers {@code navigator.credentials.create()}: makes a new credential and returns the
   * registration response JSON.
   *
   * @throws IllegalStateException if the options do not offer ES256 or exclude a credential this
   *     device holds (the browser's NotSupportedError / InvalidStateError)
   */
  public String register(String createOptionsJson, String origin) {
    JsonNode options = publicKey(createOptionsJson);
    String challenge = required(options, "challenge").asText();
    String rpId = rpIdOf(options.path("rp").path("id"), origin);
    ByteArray userHandle = base64Url(required(options.path("user"), "id").asText());

    if (!offersEs256(options.path("pubKeyCredParams"))) {
      throw new IllegalStateException("NotSupportedError: pubKeyCredParams does not offer ES256 (-7)");
    }
    for (JsonNode excluded : options.path("excludeCredentials")) {
      ByteArray id = base64Url(excluded.path("id").asText());
      if (device.credentials.containsKey(id)) {
        throw new IllegalStateException("InvalidStateError: credential " + id.getBase64Url() + " is excluded");
      }
    }

    byte[] idBytes = new byte[16 + RANDOM.nextInt(17)];
    RANDOM.nextBytes(idBytes);
    ByteArray credentialId = new ByteArray(idBytes);
    KeyPair credentialKey = newP256KeyPair();
    String hashedRpId = rpIdOverride.orElse(rpId);

    ByteArrayOutputStream authData = new ByteArrayOutputStream();
    authData.writeBytes(sha256(hashedRpId.getBytes(StandardCharsets.UTF_8)));
    authData.write(FLAG_UP | (userVerified ? FLAG_UV : 0) | FLAG_AT);
    authData.writeBytes(counterBytes(device.counter));
    authData.writeBytes(uuidBytes(aaguid));
    authData.write(idBytes.length >> 8);
    authData.write(idBytes.length & 0xFF);
    authData.writeBytes(idBytes);
    authData.writeBytes(coseEs256((ECPublicKey) credentialKey.getPublic()));
    byte[] authDataBytes = authData.toByteArray();

    byte[] clientDataJson = clientData("webauthn.create", challenge, origin);
    byte[] signedData = concat(authDataBytes, sha256(clientDataJson));
    CBORObject attStmt = CBORObject.NewMap();
    switch (format) {
      case NONE -> { }
      case PACKED_SELF -> attStmt
          .Add("alg", COSE_ES256)
          .Add("sig", sign(credentialKey.getPrivate(), signedData));
      case PACKED_FULL -> {
        KeyPairAndCert att = attestation.orElseThrow();
        attStmt
            .Add("alg", COSE_ES256)
            .Add("sig", sign(att.keyPair().getPrivate(), signedData))
            .Add("x5c", CBORObject.NewArray().Add(encoded(att.certificate())));
      }
    }
    byte[] attestationObject = CBORObject.NewMap()
        .Add("fmt", format.fmt)
        .Add("attStmt", attStmt)
        .Add("authData", authDataBytes)
        .EncodeToBytes();

    device.credentials.put(credentialId, new Credential(credentialId, credentialKey, hashedRpId, userHandle));
    device.lastCredentialId = Optional.of(credentialId);

    ObjectNode response = JSON.createObjectNode()
        .put("clientDataJSON", b64u(clientDataJson))
        .put("attestationObject", b64u(attestationObject));
    ArrayNode transportList = response.putArray("transports");
    transports.forEach(transportList::add);
    return credentialJson(credentialId, response);
  }

  /**
   * Answers {@code navigator.credentials.get()} with the first allowed credential this device holds
   * (or, for an empty allow list, the newest one for the RP ID) and returns the assertion response JSON.
   *
   * @throws IllegalStateException if this device holds none of the allowed credentials
   */
  public String authenticate(String getOptionsJson, String origin) {
    JsonNode options = publicKey(getOptionsJson);
    String challenge = required(options, "challenge").asText();
    String rpId = rpIdOf(options.path("rpId"), origin);
    Credential credential = pick(options.path("allowCredentials"), rpId);

    if (device.counter != 0) {
      if (device.counter == MAX_COUNTER) {
        throw new IllegalStateException("signature counter exhausted");
      }
      device.counter++;
    }
    ByteArrayOutputStream authData = new ByteArrayOutputStream();
    authData.writeBytes(sha256(rpIdOverride.orElse(rpId).getBytes(StandardCharsets.UTF_8)));
    authData.write(FLAG_UP | (userVerified ? FLAG_UV : 0));
    authData.writeBytes(counterBytes(device.counter));
    byte[] authDataBytes = authData.toByteArray();

    byte[] clientDataJson = clientData("webauthn.get", challenge, origin);
    byte[] signature = sign(credential.keyPair().getPrivate(), concat(authDataBytes, sha256(clientDataJson)));
    if (tamperSignature) {
      // The last byte belongs to s, so the DER stays well-formed and only the value is wrong.
      signature[signature.length - 1] ^= 0x01;
    }

    ObjectNode response = JSON.createObjectNode()
        .put("clientDataJSON", b64u(clientDataJson))
        .put("authenticatorData", b64u(authDataBytes))
        .put("signature", b64u(signature))
        .put("userHandle", credential.userHandle().getBase64Url());
    return credentialJson(credential.id(), response);
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private Credential pick(JsonNode allowCredentials, String rpId) {
    if (allowCredentials.isArray() && !allowCredentials.isEmpty()) {
      List<String> asked = new ArrayList<>();
      for (JsonNode allowed : allowCredentials) {
        ByteArray id = base64Url(allowed.path("id").asText());
        Credential held = device.credentials.get(id);
        if (held != null) {
          return held;
        }
        asked.add(id.getBase64Url());
      }
      throw new IllegalStateException("this authenticator holds none of the allowed credentials " + asked);
    }
    Credential newest = null;
    for (Credential c : device.credentials.values()) {
      if (c.rpId().equals(rpIdOverride.orElse(rpId))) {
        newest = c;
      }
    }
    if (newest == null) {
      throw new IllegalStateException("this authenticator holds no credential for RP ID " + rpId);
    }
    return newest;
  }

  private static String credentialJson(ByteArray credentialId, ObjectNode response) {
    ObjectNode credential = JSON.createObjectNode()
        .put("type", "public-key")
        .put("id", credentialId.getBase64Url())
        .put("rawId", credentialId.getBase64Url());
    credential.set("response", response);
    credential.putObject("clientExtensionResults");
    return write(credential);
  }

  private static byte[] clientData(String type, String challenge, String origin) {
    ObjectNode clientData = JSON.createObjectNode()
        .put("type", type)
        .put("challenge", challenge)
        .put("origin", Objects.requireNonNull(origin, "origin"))
        .put("crossOrigin", false);
    return write(clientData).getBytes(StandardCharsets.UTF_8);
  }

  /** Accepts both {@code {"publicKey":{...}}} and the bare options object. */
  private static JsonNode publicKey(String json) {
    try {
      JsonNode root = JSON.readTree(Objects.requireNonNull(json, "options JSON"));
      return root.has("publicKey") ? root.get("publicKey") : root;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("options are not JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode value = node.path(field);
    if (!value.isTextual() || value.asText().isEmpty()) {
      throw new IllegalArgumentException("options lack " + field + ": " + node);
    }
    return value;
  }

  /** The options' RP ID, or, as a browser does when it is absent, the origin's host. */
  private static String rpIdOf(JsonNode rpId, String origin) {
    if (rpId.isTextual() && !rpId.asText().isEmpty()) {
      return rpId.asText();
    }
    String host = URI.create(Objects.requireNonNull(origin, "origin")).getHost();
    if (host == null) {
      throw new IllegalArgumentException("origin has no host: " + origin);
    }
    return host;
  }

  private static boolean offersEs256(JsonNode params) {
    if (!params.isArray() || params.isEmpty()) {
      return true; // the spec's default list includes ES256
    }
    for (JsonNode p : params) {
      if ("public-key".equals(p.path("type").asText()) && p.path("alg").asInt() == COSE_ES256) {
        return true;
      }
    }
    return false;
  }

  /** COSE_Key with integer labels: kty EC2, alg ES256, crv P-256, x, y. */
  private static byte[] coseEs256(ECPublicKey key) {
    return CBORObject.NewMap()
        .Add(1, 2)
        .Add(3, COSE_ES256)
        .Add(-1, 1)
        .Add(-2, unsigned32(key.getW().getAffineX()))
        .Add(-3, unsigned32(key.getW().getAffineY()))
        .EncodeToBytes();
  }

  private static byte[] unsigned32(BigInteger n) {
    byte[] raw = n.toByteArray();
    byte[] out = new byte[32];
    int len = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - len, out, 32 - len, len);
    return out;
  }

  private static byte[] counterBytes(long counter) {
    return ByteBuffer.allocate(4).putInt((int) counter).array();
  }

  private static byte[] uuidBytes(UUID uuid) {
    return ByteBuffer.allocate(16)
        .putLong(uuid.getMostSignificantBits())
        .putLong(uuid.getLeastSignificantBits())
        .array();
  }

  private static KeyPair newP256KeyPair() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no P-256 in this JDK", e);
    }
  }

  private static byte[] sign(PrivateKey key, byte[] data) {
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(key);
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ES256 signing failed", e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
      throws GeneralSecurityException {
    try {
      // JDK providers only: registering Bouncy Castle's provider costs ~420 ms.
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static byte[] encoded(X509Certificate cert) {
    try {
      return cert.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(64, RANDOM).setBit(63);
  }

  private static Date notBefore() {
    return Date.from(Instant.now().minus(Duration.ofDays(1)));
  }

  private static Date notAfter() {
    return Date.from(Instant.now().plus(Duration.ofDays(20 * 365)));
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static ByteArray base64Url(String s) {
    try {
      return new ByteArray(Base64.getUrlDecoder().decode(s));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not base64url: " + s, e);
    }
  }

  private static String b64u(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
