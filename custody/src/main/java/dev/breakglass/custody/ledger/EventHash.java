package dev.breakglass.custody.ledger;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

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

  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private EventHash() {}

  /** The stored text of a timestamp: UTC, milliseconds, fixed width so text order is time order. */
  public static String formatTimestamp(Instant instant) {
    return TIMESTAMP.format(instant.truncatedTo(ChronoUnit.MILLIS));
  }

  public static Instant parseTimestamp(String text) {
    return Instant.from(TIMESTAMP.parse(text));
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
