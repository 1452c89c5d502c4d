package dev.breakglass.daemon.sink;

import dev.breakglass.custody.PrintableText;
import dev.breakglass.daemon.DaemonException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One sink's settings as the config file gave them (the keys after {@code sink.NAME.}), read with
 * messages that name the full key, so an operator can find the line to fix.
 */
final class SinkSettings {
  /** Hosts for which plain http and SMTP without TLS are allowed: traffic that never leaves the machine. */
  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "::1");

  private final String name;
  private final Map<String, String> values;
  private final Path baseDir;

  SinkSettings(String name, Map<String, String> values, Path baseDir) {
    this.name = name;
    this.values = Map.copyOf(values);
    this.baseDir = baseDir;
  }

  String name() {
    return name;
  }

  /** {@code sink.NAME.key}, as the operator wrote it in the config file. */
  String key(String key) {
    return "sink." + name + "." + key;
  }

  DaemonException config(String message) {
    return new DaemonException(DaemonException.Reason.CONFIG, "sink '" + name + "': " + message);
  }

  Optional<String> optional(String key) throws DaemonException {
    String v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    v = v.strip();
    if (v.isEmpty()) {
      throw config(key(key) + " is empty: give a value or remove the line");
    }
    return Optional.of(v);
  }

  String required(String key, String example) throws DaemonException {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      throw config("missing " + key(key) + " (e.g. " + key(key) + " = " + example + ")");
    }
    return v.get();
  }

  int integer(String key, int defaultValue, int min, int max) throws DaemonException {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    try {
      int i = Integer.parseInt(v.get());
      if (i >= min && i <= max) {
        return i;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw config(key(key) + " must be a whole number from " + min + " to " + max + ", not '" + shown(v.get()) + "'");
  }

  /** {@code timeout-seconds}: how long one delivery may take, 1 to 600 s. */
  Duration timeout(int defaultSeconds) throws DaemonException {
    return Duration.ofSeconds(integer("timeout-seconds", defaultSeconds, 1, 600));
  }

  /** One of the allowed words, lower case. */
  String choice(String key, String defaultValue, Set<String> allowed, String listed) throws DaemonException {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    String s = v.get().toLowerCase(Locale.ROOT);
    if (!allowed.contains(s)) {
      throw config(key(key) + " must be one of " + listed + ", not '" + shown(v.get()) + "'");
    }
    return s;
  }

  /** A path, relative ones resolved against the config file's directory. */
  Path path(String value) {
    return baseDir.resolve(value).toAbsolutePath().normalize();
  }

  /**
   * The URL of a webhook. It must be https; plain http only to this machine (tests, a local relay),
   * since the URL itself is the credential for Teams and Slack webhooks. The message never shows the
   * path or query (which hold that credential).
   */
  URI url(String key, String example) throws DaemonException {
    String raw = required(key, example);
    URI u;
    try {
      u = new URI(raw);
    } catch (URISyntaxException e) {
      throw config(key(key) + " is not a URL (" + e.getReason() + ")");
    }
    if (!u.isAbsolute() || u.getHost() == null || u.getRawAuthority() == null) {
      throw config(key(key) + " must be an absolute URL like " + example);
    }
    if (u.getRawUserInfo() != null) {
      throw config(key(key) + " must not carry a user name or password before the host");
    }
    String scheme = u.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("http") && !isLoopback(u.getHost())) {
      throw config(key(key) + " must be https (http only for 127.0.0.1, ::1 or localhost): "
          + HttpPoster.redacted(u));
    }
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw config(key(key) + " must be an https URL, not " + scheme + ":");
    }
    return u;
  }

  /** Whether the host names this machine: a name or literal that cannot leave it. */
  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return LOOPBACK.contains(h) || h.equals("0:0:0:0:0:0:0:1");
  }

  /**
   * A secret kept in a file of its own (HMAC key, SMTP password): the file must be readable by its
   * owner only, like the kit's other private files, and its trailing line break is not part of the
   * secret.
   */
  byte[] secretFile(String key) throws DaemonException {
    Path file = path(optional(key).orElseThrow());
    if (!Files.isRegularFile(file)) {
      throw config(key(key) + ": " + file + " is not a readable file");
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      Set<PosixFilePermission> others = Set.of(
          PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
      if (perms.stream().anyMatch(others::contains)) {
        throw config(key(key) + ": " + file + " has mode " + mode(perms)
            + " but must be readable by its owner only: chmod 600 " + file);
      }
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system (Windows): its ACLs are the operator's to check.
    } catch (IOException e) {
      throw config(key(key) + ": cannot read the mode of " + file + " (" + e.getClass().getSimpleName() + ")");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw config(key(key) + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
    int end = bytes.length;
    while (end > 0 && (bytes[end - 1] == '\n' || bytes[end - 1] == '\r')) {
      end--;
    }
    if (end == 0) {
      throw config(key(key) + ": " + file + " is empty");
    }
    return Arrays.copyOf(bytes, end);
  }

  /** A secret file that holds text (a password): UTF-8. */
  String secretText(String key) throws DaemonException {
    byte[] b = secretFile(key);
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw config(key(key) + ": " + path(optional(key).orElseThrow()) + " is not UTF-8 text");
    } finally {
      Arrays.fill(b, (byte) 0);
    }
  }

  /** An executable named by absolute path. */
  Path executable(String key, String example) throws DaemonException {
    String raw = required(key, example);
    Path p;
    try {
      p = Path.of(raw);
    } catch (InvalidPathException e) {
      throw config(key(key) + " is not a path: '" + shown(raw) + "'");
    }
    if (!p.isAbsolute()) {
      throw config(key(key) + " must be an absolute path (no shell, no PATH lookup), not '" + shown(raw) + "'");
    }
    if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
      throw config(key(key) + ": " + p + " is not an executable file");
    }
    return p;
  }

  private static String mode(Set<PosixFilePermission> perms) {
    int m = 0;
    for (PosixFilePermission p : perms) {
      m |= 1 << (8 - p.ordinal());
    }
    return String.format(Locale.ROOT, "%04o", m);
  }

  /** A value as shown back in a message: one line, bounded. */
  static String shown(String value) {
    String s = PrintableText.replaceUnprintable(value);
    return s.length() > 60 ? s.substring(0, 60) + "…" : s;
  }
}
