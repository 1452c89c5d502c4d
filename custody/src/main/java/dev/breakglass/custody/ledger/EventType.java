package dev.breakglass.custody.ledger;

import java.util.Arrays;
import java.util.Optional;

/** The kinds of ledger event. The wire name is what the ledger stores and hashes. */
public enum EventType {
  LEDGER_CREATED("ledger-created"),
  SCHEMA_MIGRATED("schema-migrated"),
  SAFE_ADDED("safe-added"),
  CUSTODIAN_ADDED("custodian-added"),
  IDENTITY_ADDED("identity-added"),
  ITEM_ADDED("item-added"),
  ITEM_CHECKED_OUT("item-checked-out"),
  ITEM_CHECKED_IN("item-checked-in"),
  ITEM_REVIEWED("item-reviewed"),
  CA_CREATED("ca-created"),
  CERTIFICATE_ISSUED("certificate-issued"),
  CERTIFICATE_REVOKED("certificate-revoked"),
  CRL_ISSUED("crl-issued"),
  PASSWORD_CREATED("password-created"),
  PASSWORD_VERIFIED("password-verified"),
  PASSWORD_REVEALED("password-revealed"),
  KEY_REGISTERED("key-registered"),
  KEY_VERIFIED("key-verified"),
  KEY_ALARM("key-alarm"),
  CERTIFICATE_ATTACHED("certificate-attached"),
  CERTIFICATE_DETACHED("certificate-detached"),
  PASSWORD_SET("password-set"),
  IDENTITY_OBJECT_ID_SET("identity-object-id-set"),
  SESSION_OPENED("session-opened"),
  SESSION_CLOSED("session-closed"),
  SIGNIN_OBSERVED("signin-observed"),
  KIT_REVIEWED("kit-reviewed");

  private final String wireName;

  EventType(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<EventType> fromWireName(String name) {
    return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
