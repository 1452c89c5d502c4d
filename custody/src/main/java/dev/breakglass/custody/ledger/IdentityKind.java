package dev.breakglass.custody.ledger;

import java.util.Arrays;
import java.util.Optional;

/** A break-glass identity is either a user account or an app registration. */
public enum IdentityKind {
  /** A user account, referenced by its UPN. */
  USER("user"),
  /** An app registration, referenced by its application (client) id. */
  APP("app");

  private final String wireName;

  IdentityKind(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<IdentityKind> fromWireName(String name) {
    return Arrays.stream(values()).filter(k -> k.wireName.equals(name)).findFirst();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
