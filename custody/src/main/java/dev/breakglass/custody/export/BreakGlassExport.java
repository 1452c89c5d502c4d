package dev.breakglass.custody.export;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.Json;
import dev.breakglass.custody.ledger.Ledger;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes the break-glass inventory in the format each of three other tools reads, so that they
 * check the accounts the ledger holds rather than a list someone keeps by hand.
 *
 * <p>All three formats list <em>users</em> only: none of them has a place for an app registration
 * (Maester's entries are {@code User} or {@code Group}; ScubaGear's exclusion lists hold user and
 * group object ids; the Sentinel template is keyed by a UPN). {@link #notExported} names the
 * identities a caller should tell the operator about. Output is deterministic: users sorted by UPN
 * (ignoring case), object ids in lower case, {@code \n} line ends except where the format says
 * otherwise (CSV uses CRLF).
 *
 * <h2>Where each format is documented (the files read when this was written)</h2>
 *
 * <ul>
 *   <li><b>Maester</b>, {@link #maester}: the {@code GlobalSettings.EmergencyAccessAccounts} array of
 *       the custom config {@code tests/Custom/maester-config.json}; entries have {@code Type}
 *       ({@code User} or {@code Group}, required) and {@code Id} (object id) and/or
 *       {@code UserPrincipalName}. Sources: maester365/maester {@code
 *       website/docs/configuration/overview.md} (complete example), the page
 *       https://maester.dev/docs/configuration/emergency-access-accounts (parameter table),
 *       {@code powershell/internal/Get-MtMaesterConfig.ps1} (the custom file is read with
 *       {@code ConvertFrom-Json} and its {@code GlobalSettings} override the defaults) and
 *       {@code powershell/internal/Get-MtEmergencyAccessAccount.ps1} ({@code Id} is used when
 *       present, else the UPN; an entry that does not resolve fails the check). JSON has no
 *       comments, and Windows PowerShell's {@code ConvertFrom-Json} rejects them, so the file
 *       carries no provenance line. Non-ASCII characters are written as JSON escapes (backslash, u,
 *       four hex digits), so the file reads the same whatever encoding {@code Get-Content} assumes.
 *   <li><b>ScubaGear</b>, {@link #scubaGear}: the {@code Aad} section, {@code MS.AAD.x.yvN:
 *       CapExclusions: Users: [object ids]} for the Conditional Access checks and {@code
 *       RoleExclusions: Users:} for MS.AAD.7.4v1 (permanent active assignments, which break-glass
 *       Global Administrators are). Sources: cisagov/ScubaGear {@code
 *       docs/configuration/configuration.md} ("Entra ID Configuration"), {@code
 *       PowerShell/ScubaGear/Sample-Config-Files/full_config.yaml} and {@code aad-config.yaml},
 *       {@code PowerShell/ScubaGear/Modules/ScubaConfig/ScubaConfigSchema.json} ({@code
 *       policyExclusionMappings}, which gives the policy ids below; users are GUIDs, unique),
 *       {@code ScubaConfigDefaults.json} ({@code OrgName} and {@code ProductNames} are required in a
 *       config file, so this output is a section to merge, not a whole file) and {@code
 *       PowerShell/ScubaGear/Rego/Utils/AAD.rego} ({@code UserExclusionsFullyExempt} compares ids
 *       as plain strings, hence lower case).
 *   <li><b>Microsoft Sentinel</b>, {@link #sentinelWatchlist}: a CSV for the built-in "VIP Users"
 *       watchlist template: {@code User Identifier, User AAD Object Id, User On-Prem Sid, User
 *       Principal Name, Tags}, of which only the UPN is mandatory; {@code Tags} is a list written
 *       {@code ["a","b"]}. Sources: MicrosoftDocs/azure-docs {@code
 *       articles/sentinel/watchlist-schemas.md} and {@code articles/sentinel/watchlists-create.md}
 *       ("CSV file with a header"; a template upload offers no "lines before row with headings", so
 *       the header is the first line and there is no comment line). Fields follow RFC 4180. The
 *       template fixes its search key; for a custom upload of this file choose {@code User Principal
 *       Name}. Provenance goes in a tag.
 * </ul>
 */
public final class BreakGlassExport {
  /**
   * ScubaGear policies whose check accepts {@code CapExclusions}: {@code policyExclusionMappings} in
   * ScubaConfigSchema.json (schema metadata 1.0.1, 2026-01-12) and full_config.yaml. Older ScubaGear
   * releases named MS.AAD.3.2 "v1"; the current baseline is v2.
   */
  static final List<String> CAP_EXCLUSION_POLICIES = List.of(
      "MS.AAD.1.1v1", "MS.AAD.2.1v1", "MS.AAD.2.3v1", "MS.AAD.3.1v1", "MS.AAD.3.2v2", "MS.AAD.3.6v1",
      "MS.AAD.3.7v1", "MS.AAD.3.8v1", "MS.AAD.3.9v1");

  /** ScubaGear policies whose check accepts {@code RoleExclusions} (same sources). */
  static final List<String> ROLE_EXCLUSION_POLICIES = List.of("MS.AAD.7.4v1");

  /** The VIP Users watchlist template's columns, in the documented order. */
  static final List<String> VIP_USERS_COLUMNS =
      List.of("User Identifier", "User AAD Object Id", "User On-Prem Sid", "User Principal Name", "Tags");

  static final String TAG = "Break glass";

  private static final Comparator<ExportIdentity> ORDER = Comparator
      .comparing((ExportIdentity i) -> i.kind())
      .thenComparing(i -> i.upnOrAppId().toLowerCase(Locale.ROOT))
      .thenComparing(ExportIdentity::upnOrAppId);

  private BreakGlassExport() {}

  /** The ledger's identities, users first, each group sorted by UPN or app id. */
  public static List<ExportIdentity> from(Ledger ledger) throws CustodyException {
    Objects.requireNonNull(ledger, "ledger");
    return ledger.identities().stream().map(ExportIdentity::of).sorted(ORDER).toList();
  }

  /** The identities none of the formats can hold (the app registrations), sorted. */
  public static List<ExportIdentity> notExported(List<ExportIdentity> identities) {
    return identities.stream().filter(i -> i.kind() != IdentityKind.USER).sorted(ORDER).toList();
  }

  /**
   * Maester's custom config, {@code tests/Custom/maester-config.json}: each user as {@code Type
   * User} with its object id (when known) and UPN.
   *
   * @throws CustodyException INVALID_ARGUMENT when there is no user, or two identities share a UPN,
   *     app id or object id
   */
  public static String maester(List<ExportIdentity> identities) throws CustodyException {
    List<ExportIdentity> users = users(identities);
    StringWriter out = new StringWriter();
    try (JsonGenerator g = Json.factory().createGenerator(out)) {
      g.enable(JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature());
      g.setPrettyPrinter(prettyPrinter());
      g.writeStartObject();
      g.writeObjectFieldStart("GlobalSettings");
      g.writeArrayFieldStart("EmergencyAccessAccounts");
      for (ExportIdentity u : users) {
        g.writeStartObject();
        g.writeStringField("Type", "User");
        if (u.objectId().isPresent()) {
          g.writeStringField("Id", u.objectId().get());
        }
        g.writeStringField("UserPrincipalName", u.upnOrAppId());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out + "\n";
  }

  /**
   * The {@code Aad} section of a ScubaGear config file (YAML), excluding every user from each
   * policy check that accepts exclusions, with a comment saying where it came from.
   *
   * @throws CustodyException INVALID_ARGUMENT when there is no user, two identities share a UPN,
   *     app id or object id, or a user has no object id (ScubaGear lists users by object id only)
   */
  public static String scubaGear(List<ExportIdentity> identities, Head head) throws CustodyException {
    Objects.requireNonNull(head, "head");
    List<ExportIdentity> users = users(identities);
    List<String> missing = users.stream().filter(u -> u.objectId().isEmpty()).map(ExportIdentity::upnOrAppId).toList();
    if (!missing.isEmpty()) {
      throw new CustodyException(Reason.INVALID_ARGUMENT, (missing.size() == 1 ? "user " : "users ")
          + String.join(", ", missing) + (missing.size() == 1 ? " has" : " have")
          + " no object id in the ledger, and ScubaGear lists excluded users by object id only;"
          + " record it with bg identity add --user UPN --object-id GUID"
          + " (the Object ID on the user's page in the Entra admin center)");
    }
    StringBuilder y = new StringBuilder();
    y.append("# ScubaGear exclusions for the break-glass accounts (Entra ID baseline).\n");
    y.append("# Generated by BreakGlass Kit from ledger head ").append(head).append(".\n");
    y.append("# Do not edit by hand: run 'bg export scubagear' again after the ledger changes.\n");
    y.append("# Merge this Aad section into your ScubaGear config file, which also needs OrgName and ProductNames.\n");
    List<ExportIdentity> apps = notExported(identities);
    if (!apps.isEmpty()) {
      y.append("# Not listed (ScubaGear's exclusions take user and group object ids only):\n");
      for (ExportIdentity a : apps) {
        y.append("#   ").append(describe(a)).append('\n');
      }
    }
    y.append("Aad:\n");
    for (String policy : CAP_EXCLUSION_POLICIES) {
      exclusions(y, policy, "CapExclusions", users);
    }
    for (String policy : ROLE_EXCLUSION_POLICIES) {
      exclusions(y, policy, "RoleExclusions", users);
    }
    return y.toString();
  }

  /**
   * A CSV for Microsoft Sentinel's "VIP Users" watchlist template: a header, then one row per user
   * tagged "Break glass" and with the ledger head it came from.
   *
   * @throws CustodyException INVALID_ARGUMENT when there is no user, or two identities share a UPN,
   *     app id or object id
   */
  public static String sentinelWatchlist(List<ExportIdentity> identities, Head head) throws CustodyException {
    Objects.requireNonNull(head, "head");
    List<ExportIdentity> users = users(identities);
    String tags = jsonStrings(List.of(TAG, "BreakGlass Kit ledger head " + head));
    StringBuilder csv = new StringBuilder();
    csvRow(csv, VIP_USERS_COLUMNS);
    for (ExportIdentity u : users) {
      csvRow(csv, List.of("", u.objectId().orElse(""), "", u.upnOrAppId(), tags));
    }
    return csv.toString();
  }

  /** The users, sorted; refuses an empty list and duplicates, which every format would mishandle. */
  private static List<ExportIdentity> users(List<ExportIdentity> identities) throws CustodyException {
    Objects.requireNonNull(identities, "identities");
    Map<String, ExportIdentity> refs = new HashMap<>();
    Map<String, ExportIdentity> objectIds = new HashMap<>();
    for (ExportIdentity i : identities) {
      Objects.requireNonNull(i, "identity");
      ExportIdentity sameRef = refs.putIfAbsent(i.kind() + " " + i.upnOrAppId().toLowerCase(Locale.ROOT), i);
      if (sameRef != null) {
        throw new CustodyException(Reason.INVALID_ARGUMENT,
            i.label() + " is listed twice; each break-glass identity must appear once");
      }
      if (i.objectId().isPresent()) {
        ExportIdentity sameId = objectIds.putIfAbsent(i.objectId().get(), i);
        if (sameId != null) {
          throw new CustodyException(Reason.INVALID_ARGUMENT, sameId.label() + " and " + i.label()
              + " have the same object id " + i.objectId().get() + "; at most one of them is right");
        }
      }
    }
    List<ExportIdentity> users =
        identities.stream().filter(i -> i.kind() == IdentityKind.USER).sorted(ORDER).toList();
    if (users.isEmpty()) {
      throw new CustodyException(Reason.INVALID_ARGUMENT, "the ledger holds no break-glass user to export;"
          + " register each with bg identity add --user UPN --object-id GUID");
    }
    return users;
  }

  private static void exclusions(StringBuilder y, String policy, String kind, List<ExportIdentity> users) {
    y.append("  ").append(policy).append(":\n");
    y.append("    ").append(kind).append(":\n");
    y.append("      Users:\n");
    for (ExportIdentity u : users) {
      y.append("        - ").append(yamlQuoted(u.objectId().orElseThrow()))
          .append(" # ").append(describe(u)).append('\n');
    }
  }

  /** "bg1@contoso.onmicrosoft.com (Break glass 1)": for comments, where any one-line text is safe. */
  private static String describe(ExportIdentity i) {
    return i.upnOrAppId() + i.displayName().map(n -> " (" + n + ")").orElse("");
  }

  /**
   * A YAML double-quoted scalar, so that a value stays a string whatever a YAML 1.1 or 1.2 reader
   * would make of it plain. Values are one line already ({@link ExportIdentity}).
   */
  static String yamlQuoted(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /** One CSV record per RFC 4180: fields joined by commas, quoted when needed, ended by CRLF. */
  static void csvRow(StringBuilder csv, List<String> fields) {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        csv.append(',');
      }
      csv.append(csvField(fields.get(i)));
    }
    csv.append("\r\n");
  }

  /** A field is quoted when it holds a comma, quote, CR or LF (or edge spaces); quotes are doubled. */
  static String csvField(String value) {
    boolean quote = value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\r') >= 0
        || value.indexOf('\n') >= 0 || (!value.isEmpty() && (value.charAt(0) == ' '
            || value.charAt(value.length() - 1) == ' '));
    return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
  }

  /** {@code ["a","b"]}, the list form of the watchlist templates' Tags column. */
  private static String jsonStrings(List<String> values) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = Json.factory().createGenerator(out)) {
      g.writeStartArray();
      for (String v : values) {
        g.writeString(v);
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** Two-space indents, {@code "key": value}, one array element a line; the same on every OS. */
  private static DefaultPrettyPrinter prettyPrinter() {
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    return new DefaultPrettyPrinter(Separators.createDefaultInstance()
        .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
        .withObjectIndenter(indenter)
        .withArrayIndenter(indenter);
  }
}
