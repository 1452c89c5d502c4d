package dev.breakglass.entra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import dev.breakglass.entra.graph.TokenSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A token someone already holds, read from a file: the raw JWT, or the JSON {@code az account
 * get-access-token} prints ({@code accessToken}, {@code expiresOn} in local time, and in newer
 * versions {@code expires_on} in epoch seconds). Its expiry comes from the JWT's {@code exp} when the
 * token is a readable JWT, else from the JSON. An expired token is refused before Graph sees it; the
 * file is read again when the token expires or Graph refuses it, so an admin can refresh it while
 * the kit runs.
 */
final class AccessTokenFile implements TokenSource {
  static final Set<String> GRAPH_AUDIENCES = Set.of("https://graph.microsoft.com", "https://graph.microsoft.com/",
      "00000003-0000-0000-c000-000000000000");
  static final Duration EXPIRY_WARNING = Duration.ofMinutes(5);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter AZ_LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS]");

  private final Path file;
  private final Clock clock;
  private Token current;

  /** One read of the file. */
  record Token(String value, Optional<Instant> expiresAt) {
    @Override
    public String toString() {
      return "AccessTokenFile.Token[expiresAt=" + expiresAt + "]";
    }
  }

  private AccessTokenFile(Path file, Clock clock, Token first) {
    this.file = file;
    this.clock = clock;
    this.current = first;
  }

  /** Reads the file now, so that a missing, malformed or expired token is reported at once. */
  static AccessTokenFile open(Path file, Clock clock, List<String> warnings) throws DirectoryException {
    Token t = read(file, clock);
    checkNotExpired(file, t, clock);
    t.expiresAt().filter(at -> at.isBefore(clock.instant().plus(EXPIRY_WARNING))).ifPresent(at -> warnings.add(
        "the access token in " + file + " expires at " + at + ": get a new one soon (az account get-access-token"
            + " --resource https://graph.microsoft.com)"));
    return new AccessTokenFile(file, clock, t);
  }

  @Override
  public synchronized String token() throws DirectoryException {
    if (expired(current, clock)) {
      current = read(file, clock);
      checkNotExpired(file, current, clock);
    }
    return current.value();
  }

  @Override
  public synchronized Optional<String> renew(String refused) throws DirectoryException {
    Token t = read(file, clock);
    if (t.value().equals(refused)) {
      checkNotExpired(file, t, clock);
      return Optional.empty();
    }
    checkNotExpired(file, t, clock);
    current = t;
    return Optional.of(t.value());
  }

  static Token read(Path file, Clock clock) throws DirectoryException {
    String text = SecretFiles.text(SecretFiles.readPrivate(file, "access token")).strip();
    if (text.startsWith("{")) {
      JsonNode json;
      try {
        json = JSON.readTree(text);
      } catch (IOException e) {
        throw bad(file, "it starts with '{' but is not JSON");
      }
      String token = json.path("accessToken").asText("");
      if (token.isEmpty()) {
        throw bad(file, "its JSON has no accessToken (expected what 'az account get-access-token' prints)");
      }
      checkTokenText(file, token);
      Optional<Instant> exp = jwtExpiry(file, token);
      if (exp.isEmpty() && json.path("expires_on").canConvertToLong()) {
        exp = Optional.of(Instant.ofEpochSecond(json.path("expires_on").asLong()));
      }
      if (exp.isEmpty() && json.path("expires_on").isTextual()) {
        try {
          exp = Optional.of(Instant.ofEpochSecond(Long.parseLong(json.path("expires_on").asText().strip())));
        } catch (NumberFormatException ignored) {
          // Fall through to expiresOn.
        }
      }
      if (exp.isEmpty() && json.path("expiresOn").isTextual()) {
        try {
          // az prints expiresOn in the machine's local time, without a zone.
          exp = Optional.of(LocalDateTime.parse(json.path("expiresOn").asText().strip(), AZ_LOCAL)
              .atZone(clock.getZone()).toInstant());
        } catch (DateTimeParseException e) {
          throw bad(file, "its expiresOn '" + json.path("expiresOn").asText() + "' is not a date");
        }
      }
      return new Token(token, exp);
    }
    checkTokenText(file, text);
    return new Token(text, jwtExpiry(file, text));
  }

  /** The JWT's exp claim; refuses a token for another resource than Graph. */
  private static Optional<Instant> jwtExpiry(Path file, String token) throws DirectoryException {
    String[] parts = token.split("\\.");
    if (parts.length != 3) {
      return Optional.empty(); // not a JWT we can read; Graph will judge it
    }
    JsonNode claims;
    try {
      claims = JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | IOException e) {
      return Optional.empty();
    }
    if (claims == null || !claims.isObject()) {
      return Optional.empty();
    }
    String aud = claims.path("aud").asText("");
    if (!aud.isEmpty() && !GRAPH_AUDIENCES.contains(aud)) {
      throw new DirectoryException(Reason.CONFIG, "the access token in " + file + " is for '" + aud + "', not"
          + " Microsoft Graph: get one with 'az account get-access-token --resource https://graph.microsoft.com'");
    }
    return claims.path("exp").canConvertToLong() ? Optional.of(Instant.ofEpochSecond(claims.path("exp").asLong()))
        : Optional.empty();
  }

  private static void checkTokenText(Path file, String token) throws DirectoryException {
    if (token.isEmpty() || token.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
      throw bad(file, "it holds no access token (a JWT is one line of letters, digits, '-', '_' and '.')");
    }
  }

  private static boolean expired(Token t, Clock clock) {
    return t.expiresAt().isPresent() && !clock.instant().isBefore(t.expiresAt().get());
  }

  private static void checkNotExpired(Path file, Token t, Clock clock) throws DirectoryException {
    if (expired(t, clock)) {
      throw new DirectoryException(Reason.UNAUTHENTICATED, "the access token in " + file + " expired at "
          + t.expiresAt().get() + ": get a new one with '(umask 077; az account get-access-token --resource"
          + " https://graph.microsoft.com > " + file + ")'");
    }
  }

  private static DirectoryException bad(Path file, String why) {
    return new DirectoryException(Reason.CONFIG, "the access token file " + file + " cannot be used: " + why);
  }
}
