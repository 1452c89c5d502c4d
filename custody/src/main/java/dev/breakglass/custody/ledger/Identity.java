package dev.breakglass.custody.ledger;

import java.util.Objects;
import java.util.Optional;

/**
 * A break-glass identity in Entra ID that custody items unlock.
 *
 * @param kind a user account or an app registration
 * @param ref the user's UPN, or the app's application (client) id; unique, case-insensitive
 * @param objectId the directory object id, when known
 * @param displayName a human name, when known
 */
public record Identity(
    IdentityKind kind, String ref, Optional<String> objectId, Optional<String> displayName) {
  public Identity {
    Objects.requireNonNull(kind, "kind");
    ref = Text.required(kind == IdentityKind.USER ? "user principal name" : "application id", ref, 256);
    objectId = Text.optional("object id", objectId, 36);
    displayName = Text.optional("display name", displayName, 200);
    if (kind == IdentityKind.USER && !ref.matches("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")) {
      throw new IllegalArgumentException(
          "user principal name '" + ref + "' is not of the form name@domain (e.g. bg1@contoso.onmicrosoft.com)");
    }
    if (kind == IdentityKind.APP && !Text.GUID.matcher(ref).matches()) {
      throw new IllegalArgumentException(
          "application id '" + ref + "' is not a GUID (copy the Application (client) ID from the app registration)");
    }
    objectId.ifPresent(
        id -> {
          if (!Text.GUID.matcher(id).matches()) {
            throw new IllegalArgumentException("object id '" + id + "' is not a GUID");
          }
        });
  }
}
