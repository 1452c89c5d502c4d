package dev.breakglass.custody;

import dev.breakglass.custody.CustodyException.Reason;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kit's settings, read once from {@code bg.conf} in the home.
 *
 * <p>Format: one {@code key = value} a line; blank lines and lines starting with {@code #} are
 * ignored; keys are dotted lower-case names; a key may appear once. An unknown key is an error, so
 * that a typo cannot silently leave a default in force. Errors name the file, the line and the key.
 *
 * @param reviewInterval how often every item must be inspected ({@code review.interval-days})
 * @param busyTimeout how long to wait for another process's write to finish ({@code
 *     ledger.busy-timeout-ms})
 * @param expiryWarning how long before expiry a certificate or CA shows in {@code bg status}
 *     ({@code ca.expiry-warning-days})
 */
public record KitConfig(Duration reviewInterval, Duration busyTimeout, Duration expiryWarning) {
  public static final String FILE_NAME = "bg.conf";
  public static final String REVIEW_INTERVAL_DAYS = "review.interval-days";
  public static final String BUSY_TIMEOUT_MS = "ledger.busy-timeout-ms";
  public static final String EXPIRY_WARNING_DAYS = "ca.expiry-warning-days";

  /** Six months, as Microsoft recommends for reviewing emergency-access accounts. */
  public static final KitConfig DEFAULTS =
      new KitConfig(Duration.ofDays(183), Duration.ofSeconds(10), Duration.ofDays(30));

  private static final List<String> KNOWN = List.of(REVIEW_INTERVAL_DAYS, BUSY_TIMEOUT_MS, EXPIRY_WARNING_DAYS);

  public KitConfig {
    if (reviewInterval.isNegative() || reviewInterval.isZero()) {
      throw new IllegalArgumentException("review interval must be positive, got " + reviewInterval);
    }
    if (busyTimeout.isNegative()) {
      throw new IllegalArgumentException("busy timeout must not be negative, got " + busyTimeout);
    }
    if (expiryWarning.isNegative()) {
      throw new IllegalArgumentException("expiry warning must not be negative, got " + expiryWarning);
    }
  }

  /** The file {@code bg init} writes: every key with its default and what it means. */
  public static String defaultFileText() {
    return "# BreakGlass Kit configuration. One 'key = value' a line; '#' starts a comment.\n"
        + "# Unknown keys are refused, so a typo cannot leave a default in force.\n"
        + "\n"
        + "# Days after which an item that has not been inspected shows as due in 'bg status'.\n"
        + REVIEW_INTERVAL_DAYS + " = " + DEFAULTS.reviewInterval.toDays() + "\n"
        + "\n"
        + "# Milliseconds to wait for another bg process that is writing the ledger.\n"
        + BUSY_TIMEOUT_MS + " = " + DEFAULTS.busyTimeout.toMillis() + "\n"
        + "\n"
        + "# Days before expiry at which a certificate or the CA shows in 'bg status'.\n"
        + EXPIRY_WARNING_DAYS + " = " + DEFAULTS.expiryWarning.toDays() + "\n";
  }

  /** Reads {@code file}; a missing file means the defaults. */
  public static KitConfig load(Path file) throws CustodyException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (NoSuchFileException e) {
      return DEFAULTS;
    } catch (CharacterCodingException e) {
      throw new CustodyException(Reason.BAD_CONFIG, file + ": not UTF-8 text; rewrite it as UTF-8", e);
    } catch (IOException e) {
      throw new CustodyException(Reason.IO, "cannot read " + file + ": " + e.getMessage(), e);
    }
    return parse(file, text);
  }

  static KitConfig parse(Path file, String text) throws CustodyException {
    Map<String, Integer> lineOf = new LinkedHashMap<>();
    Map<String, String> values = new LinkedHashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      int lineNo = i + 1;
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 0) {
        throw bad(file, lineNo, "expected 'key = value', found '" + line + "'");
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (!KNOWN.contains(key)) {
        throw bad(file, lineNo, "unknown key '" + key + "'; known keys: " + String.join(", ", KNOWN));
      }
      if (lineOf.containsKey(key)) {
        throw bad(file, lineNo, "key '" + key + "' is already set on line " + lineOf.get(key));
      }
      lineOf.put(key, lineNo);
      values.put(key, value);
    }
    Duration review = DEFAULTS.reviewInterval;
    if (values.containsKey(REVIEW_INTERVAL_DAYS)) {
      review = Duration.ofDays(
          number(file, lineOf.get(REVIEW_INTERVAL_DAYS), REVIEW_INTERVAL_DAYS,
              values.get(REVIEW_INTERVAL_DAYS), 1, 3650, "a whole number of days"));
    }
    Duration busy = DEFAULTS.busyTimeout;
    if (values.containsKey(BUSY_TIMEOUT_MS)) {
      busy = Duration.ofMillis(
          number(file, lineOf.get(BUSY_TIMEOUT_MS), BUSY_TIMEOUT_MS,
              values.get(BUSY_TIMEOUT_MS), 0, 600_000, "a whole number of milliseconds"));
    }
    Duration expiry = DEFAULTS.expiryWarning;
    if (values.containsKey(EXPIRY_WARNING_DAYS)) {
      expiry = Duration.ofDays(
          number(file, lineOf.get(EXPIRY_WARNING_DAYS), EXPIRY_WARNING_DAYS,
              values.get(EXPIRY_WARNING_DAYS), 0, 3650, "a whole number of days"));
    }
    return new KitConfig(review, busy, expiry);
  }

  private static long number(
      Path file, int line, String key, String value, long min, long max, String what)
      throws CustodyException {
    try {
      long n = Long.parseLong(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below with the range
    }
    throw bad(file, line, key + " must be " + what + " from " + min + " to " + max + ", got '" + value + "'");
  }

  private static CustodyException bad(Path file, int line, String what) {
    return new CustodyException(Reason.BAD_CONFIG, file + " line " + line + ": " + what);
  }
}
