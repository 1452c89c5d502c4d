package dev.breakglass.custody.ledger;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.LocalDateTime;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The canonical encoding of an event and its hash. Written down in docs/architecture.md; change
 * it only together with a new domain tag, or every existing ledger stops verifying.
 *
 * <pre>
 * hash = hex(SHA-256( "bg-ledger-event-v1\n"
 *                     field(seq) field(timestamp) field(type) field(actor) field(witness)
 *                     field(item) field(reason) field(ticket) field(details) field(prev_hash) ))
 * field(absent) = "-\n"
 * field(text)   = decimal length of UTF-8(text) in bytes, ":", UTF-8(text), "\n"
 * </pre>
 *
 * The length prefix makes the encoding unambiguous whatever the fields contain, and "-" (no colon)
 * keeps an absent field apart from an empty one. Fields are hashed exactly as stored: the
 * timestamp as its text, the details as their JSON text.
 */
public final class EventHash {
  /** The previous hash of the first event. */
  public static final String GENESIS = "0".repeat(64);

  static final String DOMAIN = "bg-ledger-event-v1\n";

  private static final Pattern TIMESTAMP =
      Pattern.compile("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$");

  private EventHash() {}

  /** The stored text of a timestamp: UTC, milliseconds, fixed width so text order is time order. */
  public static String formatTimestamp(Instant instant) {
    // Written out by hand: a DateTimeFormatter pattern loads locale data, which costs every
    // short-lived bg process several milliseconds.
    LocalDateTime t = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), 0, ZoneOffset.UTC);
    if (t.getYear() < 0 || t.getYear() > 9999) {
      throw new IllegalArgumentException("timestamp " + instant + " is outside the years 0000-9999");
    }
    StringBuilder b = new StringBuilder(24);
    pad(b, t.getYear(), 4).append('-');
    pad(b, t.getMonthValue(), 2).append('-');
    pad(b, t.getDayOfMonth(), 2).append('T');
    pad(b, t.getHour(), 2).append(':');
    pad(b, t.getMinute(), 2).append(':');
    pad(b, t.getSecond(), 2).append('.');
    return pad(b, instant.getNano() / 1_000_000, 3).append('Z').toString();
  }

  private static StringBuilder pad(StringBuilder b, int value, int width) {
    String digits = Integer.toString(value);
    for (int i = digits.length(); i < width; i++) {
      b.append('0');
    }
    return b.append(digits);
  }

  /** Reads a stored timestamp; refuses any other form than the one {@link #formatTimestamp} writes. */
  public static Instant parseTimestamp(String text) {
    if (text == null || !TIMESTAMP.matcher(text).matches()) {
      throw new IllegalArgumentException("timestamp '" + text + "' is not of the form YYYY-MM-DDTHH:MM:SS.mmmZ");
    }
    try {
      return Instant.parse(text);
    } catch (java.time.DateTimeException e) {
      throw new IllegalArgumentException("timestamp '" + text + "' is not a valid date and time", e);
    }
  }

  /** Hashes the fields exactly as stored; {@code null} means absent. */
  public static String compute(
      long seq,
      String timestamp,
      String type,
      String actor,
      String witness,
      String item,
      String reason,
      String ticket,
      String details,
      String prevHash) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(DOMAIN.getBytes(StandardCharsets.UTF_8));
    for (String field :
        new String[] {
          Long.toString(seq), timestamp, type, actor, witness, item, reason, ticket, details, prevHash
        }) {
      if (field == null) {
        out.writeBytes(new byte[] {'-', '\n'});
      } else {
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        out.writeBytes((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(bytes);
        out.write('\n');
      }
    }
    return HexFormat.of().formatHex(sha256().digest(out.toByteArray()));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
