package dev.breakglass.entra;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.breakglass.custody.PrintableText;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import dev.breakglass.entra.graph.SignInJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Sign-ins from a file, for {@code bg correlate --signins FILE.json}: the same records as {@link
 * SignInSource} gives, read offline. Three shapes are accepted:
 *
 * <ol>
 *   <li>a Graph response, {@code {"value":[…]}} as {@code GET /beta/auditLogs/signIns} answers it
 *       ({@code @odata.context} and {@code @odata.nextLink} are ignored: the file is what it is);
 *   <li>a JSON list of sign-in objects, as the Entra admin center's <i>Sign-in logs → Download →
 *       JSON</i> writes it;
 *   <li>a JSON list of Graph responses, e.g. several pages saved one after the other.
 * </ol>
 *
 * <p>Records are read as {@code GraphSignIns} reads Graph's (see {@link SignInJson} for the fields,
 * the checks and how {@code signInEventTypes} is derived when the download leaves it out): unreadable
 * ones are in {@link SignInBatch#skipped()}, readable ones oldest first and de-duplicated by id (a
 * sign-in in two overlapping downloads counts once). A file that is not JSON, is cut off, is empty, or
 * holds none of the three shapes is refused as a whole ({@code CONFIG}, naming the file and what was
 * expected): nothing in it is skipped silently. Files over {@value #MAX_MIB} MiB are refused; the
 * file is streamed, so memory grows with the number of sign-ins, not the file's size.
 *
 * <p><b>The admin center's download.</b> Microsoft documents that the sign-in logs can be downloaded
 * as CSV or JSON, with timestamps in UTC, and that above about 250,000 records the Graph API should
 * be used instead (MicrosoftDocs/entra-docs {@code
 * docs/identity/monitoring-health/howto-download-logs.md}); it does not document the JSON's shape.
 * What public tools that read these downloads rely on: one file per sign-in type ({@code
 * InteractiveSignIns_<from>_<to>.json}, {@code NonInteractiveSignIns_…}, {@code ApplicationSignIns_…},
 * {@code MSISignIns_…}), each a bare JSON list of objects with Graph's camelCase property names and
 * nesting ({@code createdDateTime}, {@code userPrincipalName}, {@code ipAddress}, {@code
 * location.city}, {@code authenticationDetails[].succeeded}, {@code userAgent}): a jq script for
 * "Azure Entra ID user Sign-in log JSON downloads" runs {@code .[] | .createdDateTime,
 * .userPrincipalName, .location.city, …}, and a Python script iterates {@code json.load(…)} of an
 * {@code InteractiveSignIns_*.json} and reads {@code userAgent}. Unconfirmed here (no tenant to
 * download from): whether the download carries {@code signInEventTypes} and {@code
 * status.errorCode} as Graph does, hence the derivation of the former and the tolerance of an
 * error code written as a string of digits; a download whose records lack {@code status.errorCode}
 * altogether would be reported record by record in {@code skipped}, not guessed at.
 */
public final class SignInExport {
  static final int MAX_MIB = 512;
  static final long MAX_BYTES = MAX_MIB * 1024L * 1024L;
  static final String EXPECTED = "expected a Graph response {\"value\":[…]}, a JSON list of sign-ins (the Entra"
      + " admin center's Download → JSON) or a JSON list of Graph responses";

  private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxDocumentLength(MAX_BYTES).build()).build())
      .build();

  private SignInExport() {}

  /**
   * The sign-ins in {@code file}.
   *
   * @throws DirectoryException {@code CONFIG}: the file is missing, unreadable, too big, not JSON, or
   *     none of the accepted shapes
   */
  public static SignInBatch read(Path file) throws DirectoryException {
    Objects.requireNonNull(file, "file");
    String name = printable(file.toString());
    if (Files.isDirectory(file)) {
      throw config("sign-in file " + name + " is a directory: give the downloaded .json file");
    }
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      throw config("sign-in file " + name + " does not exist", e);
    } catch (IOException e) {
      throw config("cannot read sign-in file " + name + " (" + why(e) + ")", e);
    }
    if (size > MAX_BYTES) {
      long mib = (size + (1 << 20) - 1) >> 20;
      throw config("sign-in file " + name + " is " + mib + " MiB; at most " + MAX_MIB
          + " MiB is read: download or fetch a shorter time range per file");
    }
    SignInJson read = new SignInJson();
    try (InputStream in = Files.newInputStream(file); JsonParser p = JSON.createParser(in)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw config("sign-in file " + name + " is empty: " + EXPECTED);
      }
      if (first == JsonToken.START_OBJECT) {
        page(p, read, name);
      } else if (first == JsonToken.START_ARRAY) {
        list(p, read, name);
      } else {
        throw config("sign-in file " + name + " holds a single JSON " + scalar(first) + ", not sign-ins: " + EXPECTED);
      }
      if (p.nextToken() != null) {
        throw config("sign-in file " + name + " goes on after its first JSON value (line "
            + p.currentLocation().getLineNr() + "); join several downloads into one JSON list: " + EXPECTED);
      }
    } catch (StreamConstraintsException e) {
      throw config("sign-in file " + name + " grew past " + MAX_MIB + " MiB while being read", e);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw config("sign-in file " + name + " is not valid JSON (" + printable(e.getOriginalMessage())
          + (at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr()) + "): " + EXPECTED, e);
    } catch (AccessDeniedException e) {
      throw config("cannot read sign-in file " + name + " (permission denied)", e);
    } catch (IOException e) {
      throw config("cannot read sign-in file " + name + " (" + why(e) + ")", e);
    }
    return read.batch();
  }

  /** A Graph response, the parser on its START_OBJECT: the items of its {@code value}. */
  private static void page(JsonParser p, SignInJson read, String name) throws IOException, DirectoryException {
    boolean value = false;
    boolean error = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (field.equals("value")) {
        if (t != JsonToken.START_ARRAY) {
          throw config("sign-in file " + name + " has a 'value' that is not a list: " + EXPECTED);
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
          read.add(tree(p));
        }
        value = true;
      } else {
        error |= field.equals("error");
        p.skipChildren();
      }
    }
    if (!value) {
      throw config("sign-in file " + name + (error ? " holds a Graph error, not sign-ins: "
          : " is a JSON object without a 'value' list: ") + EXPECTED);
    }
  }

  /**
   * A JSON list, the parser on its START_ARRAY: of sign-ins, or of Graph responses, as its first item
   * says. A list of responses with something else in it is refused, since whatever that is would be
   * read as a broken sign-in. Items are read one at a time (a response is at most a page).
   */
  private static void list(JsonParser p, SignInJson read, String name) throws IOException, DirectoryException {
    Boolean pages = null;
    for (int i = 1; p.nextToken() != JsonToken.END_ARRAY; i++) {
      JsonNode item = tree(p);
      if (pages == null) {
        pages = isPage(item);
      }
      if (!pages) {
        read.add(item);
      } else if (isPage(item)) {
        item.get("value").forEach(read::add);
      } else {
        throw config("sign-in file " + name + " is a list of Graph responses whose item " + i + " is not one: "
            + EXPECTED);
      }
    }
  }

  /** The value the parser is on, {@code null} included. */
  private static JsonNode tree(JsonParser p) throws IOException {
    JsonNode n = JSON.readTree(p);
    return n == null ? NullNode.getInstance() : n;
  }

  /** A Graph response has a {@code value} list; a sign-in has none (and has a {@code createdDateTime}). */
  private static boolean isPage(JsonNode item) {
    return item.isObject() && item.path("value").isArray() && !item.has("createdDateTime");
  }

  private static String scalar(JsonToken t) {
    return switch (t) {
      case VALUE_STRING -> "string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_TRUE, VALUE_FALSE -> "true or false";
      case VALUE_NULL -> "null";
      default -> "value";
    };
  }

  private static DirectoryException config(String message) {
    return new DirectoryException(Reason.CONFIG, message);
  }

  private static DirectoryException config(String message, Throwable cause) {
    return new DirectoryException(Reason.CONFIG, message, cause);
  }

  private static String why(IOException e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + printable(e.getMessage()));
  }

  /** A path or a parser's complaint on one line: control, format and separator characters as '?'. */
  private static String printable(String s) {
    return PrintableText.printable(s, 200);
  }
}
