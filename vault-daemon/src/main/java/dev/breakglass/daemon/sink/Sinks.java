package dev.breakglass.daemon.sink;

import dev.breakglass.daemon.DaemonException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Builds the alert sinks from the daemon's config. Each sink is a group of lines
 * {@code sink.NAME.KEY = VALUE}; {@code type} picks the kind and the other keys are that kind's
 * settings. Every setting is checked here, so a sink that was created can be used: a missing,
 * unknown or malformed key, a secret file others can read, an http URL off this machine are all
 * CONFIG errors that name the key.
 */
public final class Sinks {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

  /** Settings each type accepts, in the order the README lists them. */
  private static final Map<String, List<String>> KNOWN = Map.of(
      "webhook", List.of("type", "url", "secret-file", "timeout-seconds"),
      "teams", List.of("type", "url", "timeout-seconds"),
      "slack", List.of("type", "url", "timeout-seconds"),
      "smtp", List.of("type", "host", "port", "tls", "from", "to", "username", "password-file", "timeout-seconds"),
      "syslog", List.of("type", "host", "port", "protocol", "facility", "timeout-seconds"),
      "command", List.of("type", "command", "args", "timeout-seconds"));
  private static final String TYPES = "webhook, teams, slack, smtp, syslog, command";
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private Sinks() {}

  /**
   * One sink from its settings.
   *
   * @param name the NAME in {@code sink.NAME.type}
   * @param settings the keys after {@code sink.NAME.} with their values
   * @param baseDir the config file's directory: relative paths ({@code secret-file}, {@code
   *     password-file}) are resolved against it
   * @throws DaemonException CONFIG naming the key that is missing, unknown or wrong
   */
  public static AlertSink create(String name, Map<String, String> settings, Path baseDir) throws DaemonException {
    return create(name, settings, baseDir, Clock.systemUTC());
  }

  static AlertSink create(String name, Map<String, String> settings, Path baseDir, Clock clock)
      throws DaemonException {
    checkName(name);
    Objects.requireNonNull(baseDir, "baseDir");
    SinkSettings s = new SinkSettings(name, settings, baseDir);
    String type = s.optional("type").orElseThrow(() -> s.config(
        "missing " + s.key("type") + " (one of " + TYPES + ")"));
    List<String> known = KNOWN.get(type);
    if (known == null) {
      throw s.config("unknown type '" + SinkSettings.shown(type) + "' in " + s.key("type") + " (known: " + TYPES + ")");
    }
    for (String key : new TreeSet<>(settings.keySet())) {
      if (!known.contains(key)) {
        throw s.config("unknown setting '" + SinkSettings.shown(key) + "' for type " + type
            + " (known: " + String.join(", ", known) + ")");
      }
    }
    return switch (type) {
      case "webhook" -> {
        URI url = s.url("url", "https://alerts.example.net/breakglass");
        Optional<byte[]> secret = s.optional("secret-file").isPresent()
            ? Optional.of(s.secretFile("secret-file")) : Optional.empty();
        yield new WebhookSink(name, url, s.timeout(10), secret, clock);
      }
      case "teams" -> new TeamsSink(name, s.url("url",
          "https://prod-00.westeurope.logic.azure.com/workflows/…"), s.timeout(10));
      case "slack" -> new SlackSink(name, s.url("url", "https://hooks.slack.com/services/…"), s.timeout(10));
      case "smtp" -> SmtpSink.fromSettings(s, clock);
      case "syslog" -> SyslogSink.fromSettings(s);
      case "command" -> CommandSink.fromSettings(s);
      default -> throw new IllegalStateException(type);
    };
  }

  /**
   * A generic webhook without a secret, for {@code bg daemon ... --webhook URL}.
   *
   * @throws DaemonException CONFIG when the name or URL is not acceptable (https, or http to this machine)
   */
  public static AlertSink webhook(String name, URI url) throws DaemonException {
    checkName(name);
    SinkSettings s = new SinkSettings(name, Map.of("url", url.toString()), Path.of("."));
    return new WebhookSink(name, s.url("url", "https://alerts.example.net/breakglass"), DEFAULT_TIMEOUT,
        Optional.empty(), Clock.systemUTC());
  }

  /** The sink types {@link #create} knows. */
  public static List<String> types() {
    return List.of(TYPES.split(", "));
  }

  private static void checkName(String name) throws DaemonException {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new DaemonException(DaemonException.Reason.CONFIG, "sink name '"
          + (name == null ? "" : SinkSettings.shown(name))
          + "' is invalid: use 1 to 32 of a-z, 0-9 and '-', starting with a letter or digit");
    }
  }
}
