package dev.breakglass.custody.export;

import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One break-glass identity as the exports see it.
 *
 * <p>Every value is one line: the formats put them in JSON strings, YAML comments and CSV fields,
 * and a line break smuggled into any of those would let a name rewrite the file around it. Object
 * ids are kept in lower case because ScubaGear compares them with Graph's lower-case ids as plain
 * strings.
 *
 * @param kind a user account or an app registration
 * @param upnOrAppId the user's UPN, or the app's application (client) id
 * @param objectId the directory object id (a GUID), when known
 * @param displayName a human name, when known; shown only where the format has room for a comment
 */
public record ExportIdentity(
    IdentityKind kind, String upnOrAppId, Optional<String> objectId, Optional<String> displayName) {
  /** Control, format, private-use and unassigned characters, and line or paragraph separators. */
  private static final Pattern NOT_ONE_LINE = Pattern.compile("[\\p{C}\\p{Zl}\\p{Zp}]");
  private static final Pattern UPN = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
  static final Pattern GUID =
      Pattern.compile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  public ExportIdentity {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(objectId, "objectId (use Optional.empty())");
    Objects.requireNonNull(displayName, "displayName (use Optional.empty())");
    String what = kind == IdentityKind.USER ? "user principal name" : "application id";
    upnOrAppId = oneLine(what, upnOrAppId);
    if (kind == IdentityKind.USER && !UPN.matcher(upnOrAppId).matches()) {
      throw new IllegalArgumentException(
          "user principal name '" + upnOrAppId + "' is not of the form name@domain (e.g. bg1@contoso.onmicrosoft.com)");
    }
    if (kind == IdentityKind.APP && !GUID.matcher(upnOrAppId).matches()) {
      throw new IllegalArgumentException("application id '" + upnOrAppId + "' is not a GUID");
    }
    String owner = upnOrAppId;
    objectId = objectId.map(id -> {
      String v = oneLine("object id", id);
      if (!GUID.matcher(v).matches()) {
        throw new IllegalArgumentException("object id '" + v + "' of " + owner + " is not a GUID");
      }
      return v.toLowerCase(Locale.ROOT);
    });
    displayName = displayName.map(n -> oneLine("display name", n));
  }

  /** The ledger's view of the same identity. */
  public static ExportIdentity of(Identity identity) {
    return new ExportIdentity(identity.kind(), identity.ref(), identity.objectId(), identity.displayName());
  }

  /** "user bg1@contoso.onmicrosoft.com" or "app 3f1c…": how messages name this identity. */
  String label() {
    return kind + " " + upnOrAppId;
  }

  private static String oneLine(String what, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " is required and must not be empty");
    }
    String v = value.strip();
    if (NOT_ONE_LINE.matcher(v).find()) {
      throw new IllegalArgumentException(what + " '" + NOT_ONE_LINE.matcher(v).replaceAll("?")
          + "' contains a line break or another control character; the exports write one line per value");
    }
    return v;
  }
}
