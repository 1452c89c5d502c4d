package dev.breakglass.ca;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Key types the CA makes. Entra ID accepts only RSA keys for application certificate credentials
 * (EC certificates fail sign-in), so leaves are RSA; the root may also be EC P-384, since Entra
 * does not check the chain of an app's certificate.
 */
public enum KeyType {
  RSA_2048("rsa-2048", "RSA", 2048, false, true),
  RSA_3072("rsa-3072", "RSA", 3072, true, true),
  RSA_4096("rsa-4096", "RSA", 4096, true, true),
  EC_P384("ec-p384", "EC", 384, true, false);

  private final String wireName;
  private final String algorithm;
  private final int size;
  private final boolean forCa;
  private final boolean forLeaf;

  KeyType(String wireName, String algorithm, int size, boolean forCa, boolean forLeaf) {
    this.wireName = wireName;
    this.algorithm = algorithm;
    this.size = size;
    this.forCa = forCa;
    this.forLeaf = forLeaf;
  }

  public String wireName() {
    return wireName;
  }

  String algorithm() {
    return algorithm;
  }

  int size() {
    return size;
  }

  /** The signature algorithm a CA key of this type signs with. */
  String signatureAlgorithm() {
    return algorithm.equals("EC") ? "SHA384withECDSA" : "SHA256withRSA";
  }

  public boolean forCa() {
    return forCa;
  }

  public boolean forLeaf() {
    return forLeaf;
  }

  public static Optional<KeyType> fromWireName(String name) {
    return Arrays.stream(values()).filter(k -> k.wireName.equals(name)).findFirst();
  }

  public static String names(boolean ca) {
    return Arrays.stream(values()).filter(k -> ca ? k.forCa : k.forLeaf).map(KeyType::wireName)
        .collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
