package dev.breakglass.daemon;

import dev.breakglass.daemon.DaemonException.Reason;
import dev.breakglass.daemon.sink.AlertSink;
import dev.breakglass.daemon.sink.Sinks;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The daemon's settings, from its config file ({@code bg daemon run --config FILE}; {@code
 * daemon.conf} in the home by default) plus {@code --webhook URL} options.
 *
 * <p>Format as {@code bg.conf}: one {@code key = value} a line, {@code #} comments, each key once,
 * unknown keys refused (a typo must not leave a default in force). Sinks are {@code
 * sink.NAME.SETTING} lines (see the module README). Errors name the file, the line and the key.
 *
 * @param pollInterval time between polls of the sign-in log ({@code poll.interval-seconds}, 60)
 * @param overlap how far back each poll reaches before the checkpoint ({@code poll.overlap-minutes}, 60):
 *     Entra ID delivers sign-ins late; one that arrives later than this after it happened is missed
 * @param firstLookback where the first poll of a ledger starts ({@code poll.first-lookback-hours}, 24)
 * @param grace how far outside a custody window a sign-in still counts as inside ({@code
 *     correlation.grace-minutes}, 10)
 * @param checksInterval review, expiry, session and posture checks ({@code checks.interval-minutes}, 360)
 * @param posture whether the checks include posture drift through Graph ({@code checks.posture}, true)
 * @param heartbeatUrl a dead-man's-switch URL pinged after healthy polls ({@code heartbeat.url})
 * @param heartbeatInterval at most one ping this often ({@code heartbeat.interval-seconds}, 300)
 * @param healthListen the loopback address of /healthz and /metrics ({@code health.listen},
 *     127.0.0.1:9464; {@code off})
 * @param allowInternalRecipients send mail to the monitored tenant's own domains anyway, with a
 *     warning ({@code guard.allow-internal-recipients}, false)
 * @param maxBackoff the longest wait between two deliveries of one alert ({@code
 *     outbox.max-backoff-seconds}, 900)
 * @param degradedAfter alert when no poll succeeded for this long ({@code alerts.degraded-after-minutes}, 15)
 * @param sinks where alerts go, in config order, then the {@code --webhook} ones
 */
public record DaemonConfig(Duration pollInterval, Duration overlap, Duration firstLookback, Duration grace,
    Duration checksInterval, boolean posture, Optional<URI> heartbeatUrl, Duration heartbeatInterval,
    Optional<InetSocketAddress> healthListen, boolean allowInternalRecipients, Duration maxBackoff,
    Duration degradedAfter, List<AlertSink> sinks) {
  public static final String FILE_NAME = "daemon.conf";
  static final long MAX_FILE = 1 << 20;

  public DaemonConfig {
    sinks = List.copyOf(sinks);
  }

  private static final Map<String, String> KEYS = new TreeMap<>(Map.ofEntries(
      Map.entry("poll.interval-seconds", "60"), Map.entry("poll.overlap-minutes", "60"),
      Map.entry("poll.first-lookback-hours", "24"), Map.entry("correlation.grace-minutes", "10"),
      Map.entry("checks.interval-minutes", "360"), Map.entry("checks.posture", "true"),
      Map.entry("heartbeat.url", ""), Map.entry("heartbeat.interval-seconds", "300"),
      Map.entry("health.listen", "127.0.0.1:9464"), Map.entry("guard.allow-internal-recipients", "false"),
      Map.entry("outbox.max-backoff-seconds", "900"), Map.entry("alerts.degraded-after-minutes", "15")));

  /** The settings with every default and no sinks. */
  public static DaemonConfig defaults() {
    try {
      return parse(Map.of(), Map.of(), Path.of("."), "defaults", List.of());
    } catch (DaemonException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads {@code file} (absent: every default) and adds a webhook sink for each of {@code webhooks}.
   *
   * @param required whether a missing file is an error (a file named on the command line) or the defaults
   */
  public static DaemonConfig load(Path file, boolean required, List<URI> webhooks) throws DaemonException {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, Integer> lines = new LinkedHashMap<>();
    String text;
    try {
      if (Files.size(file) > MAX_FILE) {
        throw new DaemonException(Reason.CONFIG, file + " is larger than 1 MiB: is it the daemon's config?");
      }
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
    } catch (NoSuchFileException e) {
      if (required) {
        throw new DaemonException(Reason.CONFIG, "no daemon config at " + file + ": create it (see the"
            + " vault-daemon README) or leave out --config");
      }
      return parse(Map.of(), Map.of(), file.toAbsolutePath().getParent(), file.toString(), webhooks);
    } catch (CharacterCodingException e) {
      throw new DaemonException(Reason.CONFIG, file + " is not UTF-8 text");
    } catch (IOException e) {
      throw new DaemonException(Reason.IO, "cannot read " + file + ": " + e.getMessage(), e);
    }
    String[] rows = text.split("\r?\n", -1);
    for (int n = 0; n < rows.length; n++) {
      String line = rows[n].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new DaemonException(Reason.CONFIG, file + " line " + (n + 1) + ": expected 'key = value'");
      }
      String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
      String value = line.substring(eq + 1).strip();
      if (values.containsKey(key)) {
        throw new DaemonException(Reason.CONFIG, file + " line " + (n + 1) + ": '" + key + "' is already set on line "
            + lines.get(key));
      }
      values.put(key, value);
      lines.put(key, n + 1);
    }
    return parse(values, lines, file.toAbsolutePath().getParent(), file.toString(), webhooks);
  }

  private static DaemonConfig parse(Map<String, String> values, Map<String, Integer> lines, Path baseDir, String name,
      List<URI> webhooks) throws DaemonException {
    Map<String, Map<String, String>> sinkSettings = new LinkedHashMap<>();
    Map<String, String> v = new TreeMap<>(KEYS);
    for (Map.Entry<String, String> e : values.entrySet()) {
      String key = e.getKey();
      if (key.startsWith("sink.")) {
        int dot = key.indexOf('.', "sink.".length());
        if (dot < 0 || dot == key.length() - 1) {
          throw new DaemonException(Reason.CONFIG, where(name, lines, key) + "'" + key
              + "' is not of the form sink.NAME.SETTING (e.g. sink.ops.type = webhook)");
        }
        sinkSettings.computeIfAbsent(key.substring("sink.".length(), dot), k -> new LinkedHashMap<>())
            .put(key.substring(dot + 1), e.getValue());
      } else if (KEYS.containsKey(key)) {
        v.put(key, e.getValue());
      } else {
        throw new DaemonException(Reason.CONFIG, where(name, lines, key) + "unknown key '" + key + "' (known: "
            + String.join(", ", KEYS.keySet()) + ", sink.NAME.SETTING)");
      }
    }
    List<AlertSink> sinks = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> s : sinkSettings.entrySet()) {
      sinks.add(Sinks.create(s.getKey(), s.getValue(), baseDir));
    }
    int n = 1;
    for (URI url : webhooks) {
      String sinkName = "webhook-" + n++;
      while (sinkSettings.containsKey(sinkName)) {
        sinkName = "webhook-" + n++;
      }
      sinks.add(Sinks.webhook(sinkName, url));
    }
    Optional<URI> heartbeat = Optional.empty();
    if (!v.get("heartbeat.url").isEmpty()) {
      heartbeat = Optional.of(url(v.get("heartbeat.url"), where(name, lines, "heartbeat.url") + "heartbeat.url"));
    }
    return new DaemonConfig(
        seconds(v, "poll.interval-seconds", 1, 3600, name, lines),
        minutes(v, "poll.overlap-minutes", 1, 24 * 60, name, lines),
        Duration.ofHours(number(v, "poll.first-lookback-hours", 0, 24 * 30, name, lines)),
        minutes(v, "correlation.grace-minutes", 0, 24 * 60, name, lines),
        minutes(v, "checks.interval-minutes", 1, 7 * 24 * 60, name, lines),
        bool(v, "checks.posture", name, lines),
        heartbeat,
        seconds(v, "heartbeat.interval-seconds", 1, 24 * 3600, name, lines),
        HealthServer.parseListen(v.get("health.listen")),
        bool(v, "guard.allow-internal-recipients", name, lines),
        seconds(v, "outbox.max-backoff-seconds", 5, 24 * 3600, name, lines),
        minutes(v, "alerts.degraded-after-minutes", 1, 24 * 60, name, lines),
        sinks);
  }

  /** An https URL, or http to a loopback host (tests, a local relay). */
  static URI url(String value, String what) throws DaemonException {
    URI u;
    try {
      u = new URI(value);
    } catch (java.net.URISyntaxException e) {
      throw new DaemonException(Reason.CONFIG, what + ": '" + value + "' is not a URL");
    }
    String host = u.getHost();
    if (host == null || u.getScheme() == null) {
      throw new DaemonException(Reason.CONFIG, what + ": '" + value + "' is not an absolute URL");
    }
    boolean loopback = Set.of("localhost", "127.0.0.1", "[::1]", "::1").contains(host.toLowerCase(Locale.ROOT));
    if (!u.getScheme().equalsIgnoreCase("https") && !(u.getScheme().equalsIgnoreCase("http") && loopback)) {
      throw new DaemonException(Reason.CONFIG, what + ": use https (plain http only to a loopback address)");
    }
    return u;
  }

  private static String where(String file, Map<String, Integer> lines, String key) {
    Integer n = lines.get(key);
    return n == null ? "" : file + " line " + n + ": ";
  }

  private static long number(Map<String, String> v, String key, long min, long max, String file,
      Map<String, Integer> lines) throws DaemonException {
    long n;
    try {
      n = Long.parseLong(v.get(key));
    } catch (NumberFormatException e) {
      throw new DaemonException(Reason.CONFIG, where(file, lines, key) + key + " must be a whole number, not '"
          + v.get(key) + "'");
    }
    if (n < min || n > max) {
      throw new DaemonException(Reason.CONFIG, where(file, lines, key) + key + " must be from " + min + " to " + max
          + ", not " + n);
    }
    return n;
  }

  private static Duration seconds(Map<String, String> v, String key, long min, long max, String file,
      Map<String, Integer> lines) throws DaemonException {
    return Duration.ofSeconds(number(v, key, min, max, file, lines));
  }

  private static Duration minutes(Map<String, String> v, String key, long min, long max, String file,
      Map<String, Integer> lines) throws DaemonException {
    return Duration.ofMinutes(number(v, key, min, max, file, lines));
  }

  private static boolean bool(Map<String, String> v, String key, String file, Map<String, Integer> lines)
      throws DaemonException {
    return switch (v.get(key).toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new DaemonException(Reason.CONFIG, where(file, lines, key) + key + " must be true or false, not '"
          + v.get(key) + "'");
    };
  }

  /** The sink names, in order. */
  public List<String> sinkNames() {
    return sinks.stream().map(AlertSink::name).toList();
  }
}
