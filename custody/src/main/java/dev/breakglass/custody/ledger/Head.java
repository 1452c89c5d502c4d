package dev.breakglass.custody.ledger;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The newest event of a ledger, as {@code SEQ:HASH}. Recorded outside the ledger (a ticket, a
 * printed report, a second system), it lets a later verification prove that the ledger was not cut
 * back or rewritten since.
 */
public record Head(long seq, String hash) {
  private static final Pattern FORM = Pattern.compile("^(\\d{1,18}):([0-9a-f]{64})$");

  public Head {
    if (seq < 1) {
      throw new IllegalArgumentException("head sequence must be 1 or more, got " + seq);
    }
    if (hash == null || !hash.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("head hash must be 64 lower-case hex digits, got '" + hash + "'");
    }
  }

  /** Parses {@code SEQ:HASH} as printed by {@code bg ledger head}. */
  public static Head parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.strip().toLowerCase(java.util.Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "head '" + text + "' is not of the form SEQ:HASH (as printed by 'bg ledger head', e.g. 42:9f86d0…)");
    }
    return new Head(Long.parseLong(m.group(1)), m.group(2));
  }

  @Override
  public String toString() {
    return seq + ":" + hash;
  }
}
