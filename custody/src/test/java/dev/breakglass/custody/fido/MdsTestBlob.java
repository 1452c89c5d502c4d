package dev.breakglass.custody.fido;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Signed FIDO MDS3 BLOBs for tests, under a throwaway PKI made fresh on each run: the same shapes as
 * the FIDO Alliance's (a JWT whose {@code x5c} holds the signing certificate and its issuers; a payload
 * of legalHeader, no, nextUpdate and entries with a metadata statement and status reports), with keys
 * nobody else has. Metadata statements carry every member the library's parser requires.
 */
final class MdsTestBlob {
  static final String LEGAL_HEADER = "Retrieval and use of this BLOB indicates acceptance of the appropriate"
      + " agreement located at https://fidoalliance.org/metadata/metadata-legal-terms/";

  /**
   * Put in the signing certificate's CRL distribution points, as GlobalSign's are in the real chain,
   * so that a test can see whether anything tries to fetch it. The .invalid TLD never resolves.
   */
  static final String CRL_URL = "http://crl.breakglass.invalid/mds-test.crl";

  /** The FIDO AAGUID extension (id-fido-gen-ce-aaguid) of attestation certificates. */
  private static final ASN1ObjectIdentifier FIDO_AAGUID = new ASN1ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4");

  private static final AtomicLong SERIAL = new AtomicLong(1000);

  /** A key pair and the certificate for it. */
  record Issued(KeyPair keys, X509Certificate cert) {
    /** Writes the certificate as PEM. */
    Path writePem(Path file) {
      try {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(cert.getEncoded());
        return Files.writeString(file, "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A status report of an entry. */
  record Status(String status, LocalDate effectiveDate) {}

  private record Entry(UUID aaguid, String description, X509Certificate attestationRoot, List<Status> statuses) {}

  private final int no;
  private final LocalDate nextUpdate;
  private final List<Entry> entries = new ArrayList<>();

  MdsTestBlob(int no, LocalDate nextUpdate) {
    this.no = no;
    this.nextUpdate = nextUpdate;
  }

  /** Adds an entry for a model whose attestations chain to {@code attestationRoot}. */
  MdsTestBlob entry(UUID aaguid, String description, X509Certificate attestationRoot, Status... statuses) {
    entries.add(new Entry(aaguid, description, attestationRoot, List.of(statuses)));
    return this;
  }

  /** A self-signed CA valid from a year before {@code now} to ten years after. */
  static Issued root(String cn, Instant now) {
    KeyPair keys = ecKeys();
    return new Issued(keys, certificate(name(cn), keys, name(cn), keys, now, true, null, null));
  }

  /** {@code subject}'s name and key certified by {@code issuer}, as GlobalSign's R46 is by R3. */
  static Issued crossSigned(Issued subject, Issued issuer, Instant now) {
    X500Name name = X500Name.getInstance(subject.cert().getSubjectX500Principal().getEncoded());
    return new Issued(subject.keys(), certificate(name, subject.keys(), issuer, now, true, null, null));
  }

  /** An intermediate CA under {@code issuer}. */
  static Issued intermediate(Issued issuer, String cn, Instant now) {
    KeyPair keys = ecKeys();
    return new Issued(keys, certificate(name(cn), keys, issuer, now, true, null, null));
  }

  /** A BLOB signing certificate under {@code issuer}, with {@link #CRL_URL}; RSA for RS256, else EC. */
  static Issued signer(Issued issuer, Instant now, boolean rsa) {
    KeyPair keys = rsa ? rsaKeys() : ecKeys();
    return new Issued(keys, certificate(name("MDS Test Signer"), keys, issuer, now, false, CRL_URL, null));
  }

  /** An authenticator's attestation certificate under {@code issuer}, naming its AAGUID. */
  static Issued attestation(Issued issuer, UUID aaguid, Instant now) {
    KeyPair keys = ecKeys();
    return new Issued(keys, certificate(name("Test Authenticator Attestation"), keys, issuer, now, false, null,
        aaguid));
  }

  /** The BLOB as a compact JWS signed by {@code signer}, with {@code x5c} as its header's chain. */
  String sign(Issued signer, List<X509Certificate> x5c) {
    boolean rsa = signer.keys().getPublic() instanceof RSAPublicKey;
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String signingInput = url.encodeToString(headerJson(rsa ? "RS256" : "ES256", x5c))
        + "." + url.encodeToString(payloadJson());
    try {
      Signature signature = Signature.getInstance(rsa ? "SHA256withRSA" : "SHA256withECDSAinP1363Format");
      signature.initSign(signer.keys().getPrivate());
      signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + url.encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@link #sign} to {@code file}, with a trailing newline as a download would have. */
  Path write(Path file, Issued signer, List<X509Certificate> x5c) {
    try {
      return Files.writeString(file, sign(signer, x5c) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] headerJson(String alg, List<X509Certificate> x5c) {
    return json(g -> {
      g.writeStartObject();
      g.writeStringField("alg", alg);
      g.writeStringField("typ", "JWT");
      g.writeArrayFieldStart("x5c");
      for (X509Certificate cert : x5c) {
        g.writeString(der(cert));
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private byte[] payloadJson() {
    return json(g -> {
      g.writeStartObject();
      g.writeStringField("legalHeader", LEGAL_HEADER);
      g.writeNumberField("no", no);
      g.writeStringField("nextUpdate", nextUpdate.toString());
      g.writeArrayFieldStart("entries");
      for (Entry entry : entries) {
        writeEntry(g, entry);
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /** Shaped after a YubiKey 5's entry in the real BLOB, trimmed to what the parser requires and more. */
  private static void writeEntry(JsonGenerator g, Entry entry) throws IOException {
    g.writeStartObject();
    g.writeStringField("aaguid", entry.aaguid().toString());
    g.writeObjectFieldStart("metadataStatement");
    g.writeStringField("legalHeader", LEGAL_HEADER);
    g.writeStringField("aaguid", entry.aaguid().toString());
    g.writeStringField("description", entry.description());
    g.writeNumberField("authenticatorVersion", 50100);
    g.writeStringField("protocolFamily", "fido2");
    g.writeNumberField("schema", 3);
    g.writeArrayFieldStart("upv");
    g.writeStartObject();
    g.writeNumberField("major", 1);
    g.writeNumberField("minor", 0);
    g.writeEndObject();
    g.writeEndArray();
    stringArray(g, "authenticationAlgorithms", "secp256r1_ecdsa_sha256_raw", "ed25519_eddsa_sha512_raw");
    stringArray(g, "publicKeyAlgAndEncodings", "cose");
    stringArray(g, "attestationTypes", "basic_full");
    g.writeArrayFieldStart("userVerificationDetails");
    g.writeStartArray();
    g.writeStartObject();
    g.writeStringField("userVerificationMethod", "presence_internal");
    g.writeEndObject();
    g.writeEndArray();
    g.writeEndArray();
    stringArray(g, "keyProtection", "hardware", "secure_element");
    stringArray(g, "matcherProtection", "on_chip");
    stringArray(g, "attachmentHint", "external", "wired", "nfc");
    stringArray(g, "tcDisplay");
    stringArray(g, "attestationRootCertificates", der(entry.attestationRoot()));
    g.writeEndObject();
    g.writeArrayFieldStart("statusReports");
    LocalDate last = LocalDate.of(2020, 1, 1);
    for (Status status : entry.statuses()) {
      g.writeStartObject();
      g.writeStringField("status", status.status());
      g.writeStringField("effectiveDate", status.effectiveDate().toString());
      g.writeEndObject();
      last = status.effectiveDate().isAfter(last) ? status.effectiveDate() : last;
    }
    g.writeEndArray();
    g.writeStringField("timeOfLastStatusChange", last.toString());
    g.writeEndObject();
  }

  private static void stringArray(JsonGenerator g, String field, String... values) throws IOException {
    g.writeArrayFieldStart(field);
    for (String value : values) {
      g.writeString(value);
    }
    g.writeEndArray();
  }

  private interface JsonWriter {
    void write(JsonGenerator g) throws IOException;
  }

  private static byte[] json(JsonWriter writer) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      writer.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String der(X509Certificate cert) {
    try {
      return Base64.getEncoder().encodeToString(cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X500Name name(String cn) {
    return new X500Name("CN=" + cn + ", O=BreakGlass Kit Tests");
  }

  private static KeyPair ecKeys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair rsaKeys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate certificate(X500Name subject, KeyPair subjectKeys, Issued issuer, Instant now,
      boolean ca, String crlUrl, UUID aaguid) {
    X500Name issuerName = X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded());
    return certificate(subject, subjectKeys, issuerName, issuer.keys(), now, ca, crlUrl, aaguid);
  }

  private static X509Certificate certificate(X500Name subject, KeyPair subjectKeys, X500Name issuer,
      KeyPair issuerKeys, Instant now, boolean ca, String crlUrl, UUID aaguid) {
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
          BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofDays(365))),
          Date.from(now.plus(Duration.ofDays(3650))), subject, subjectKeys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(ca))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature))
          .addExtension(Extension.subjectKeyIdentifier, false,
              utils.createSubjectKeyIdentifier(subjectKeys.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false,
              utils.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
      if (crlUrl != null) {
        GeneralNames names = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, crlUrl));
        builder.addExtension(Extension.cRLDistributionPoints, false,
            new CRLDistPoint(new DistributionPoint[] {
                new DistributionPoint(new DistributionPointName(names), null, null)}));
      }
      if (aaguid != null) {
        byte[] bytes = ByteBuffer.allocate(16)
            .putLong(aaguid.getMostSignificantBits())
            .putLong(aaguid.getLeastSignificantBits())
            .array();
        builder.addExtension(FIDO_AAGUID, false, new DEROctetString(bytes));
      }
      String algorithm = issuerKeys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }
}
