package dev.breakglass.custody.secret;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The text form of a share, made to be printed, kept on paper and typed back by hand.
 *
 * <pre>
 * BreakGlass Kit password share (bg-share-v1)
 * identity: bg1@contoso.onmicrosoft.com
 * version: 3
 * share: 2 of 5
 * threshold: 3
 * set: 7K3MQXA9
 * data:
 * 01  ABCD EFGH JKMN PQRS  T
 * 02  …
 * check: 4F8M2KQZ
 * </pre>
 *
 * Data is Crockford base32 (no I, L, O, U; typing O for 0 or I/L for 1 is forgiven), sixteen
 * characters a line, each line ending in a check character (Luhn mod 32 over the line number and
 * its data) that names the line holding a typo. The final check is the first 40 bits of SHA-256
 * over every field, so a share with a wrong character, or one of another identity, version or split,
 * is refused before any arithmetic.
 */
public final class ShareText {
  static final String MAGIC = "BreakGlass Kit password share (bg-share-v1)";
  private static final String B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  private static final int PER_LINE = 16;

  private ShareText() {}

  /** A malformed or mistyped share; the message says where, never what the share holds. */
  public static final class BadShare extends Exception {
    private static final long serialVersionUID = 1L;

    BadShare(String message) {
      super(message);
    }
  }

  public static String encode(Share s) {
    String data = base32(s.data());
    StringBuilder b = new StringBuilder();
    b.append(MAGIC).append('\n');
    b.append("identity: ").append(s.identity()).append('\n');
    b.append("version: ").append(s.version()).append('\n');
    b.append("share: ").append(s.index()).append(" of ").append(s.count()).append('\n');
    b.append("threshold: ").append(s.threshold()).append('\n');
    b.append("set: ").append(s.shareSet()).append('\n');
    b.append("data:\n");
    int lines = (data.length() + PER_LINE - 1) / PER_LINE;
    for (int i = 0; i < lines; i++) {
      String chunk = data.substring(i * PER_LINE, Math.min(data.length(), (i + 1) * PER_LINE));
      b.append(String.format("%02d ", i + 1));
      for (int g = 0; g < chunk.length(); g += 4) {
        b.append(' ').append(chunk, g, Math.min(chunk.length(), g + 4));
      }
      b.append("  ").append(lineCheck(i + 1, chunk)).append('\n');
    }
    b.append("check: ").append(checksum(s.identity(), s.version(), s.shareSet(), s.index(), s.threshold(), s.count(),
        data)).append('\n');
    return b.toString();
  }

  /** Reads a share typed or printed in the form {@link #encode} writes. */
  public static Share decode(String text, String name) throws BadShare {
    List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    if (lines.isEmpty() || !lines.get(0).equalsIgnoreCase(MAGIC)) {
      throw new BadShare(name + ": not a BreakGlass Kit password share (its first line should read '" + MAGIC + "')");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    StringBuilder data = new StringBuilder();
    boolean inData = false;
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      int colon = line.indexOf(':');
      String key = colon > 0 ? line.substring(0, colon).strip().toLowerCase(Locale.ROOT) : "";
      if (key.equals("check") || (!inData && colon > 0)) {
        inData = key.equals("data");
        if (!inData) {
          fields.put(key, line.substring(colon + 1).strip());
        }
        continue;
      }
      if (!inData) {
        throw new BadShare(name + ": line " + (i + 1) + " is neither a header line nor in the data block");
      }
      data.append(dataLine(line, name, data.length() / PER_LINE + 1));
    }
    for (String k : List.of("identity", "version", "share", "threshold", "set", "check")) {
      if (!fields.containsKey(k)) {
        throw new BadShare(name + ": the '" + k + ":' line is missing");
      }
    }
    String[] of = fields.get("share").split("\\s+of\\s+");
    int version;
    int index;
    int count;
    int threshold;
    try {
      version = Integer.parseInt(fields.get("version"));
      index = Integer.parseInt(of[0].strip());
      count = Integer.parseInt(of[1].strip());
      threshold = Integer.parseInt(fields.get("threshold"));
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      throw new BadShare(name + ": 'version', 'share: I of N' or 'threshold' is not a number");
    }
    String set = normalise(fields.get("set"));
    String expected = checksum(fields.get("identity"), version, set, index, threshold, count, data.toString());
    if (!normalise(fields.get("check")).equals(expected)) {
      throw new BadShare(name + ": the final check does not match: a typo in a header line, or lines of two"
          + " different shares");
    }
    try {
      return new Share(fields.get("identity"), version, set, index, threshold, count, unbase32(data.toString()));
    } catch (IllegalArgumentException e) {
      throw new BadShare(name + ": " + e.getMessage());
    }
  }

  private static String dataLine(String line, String name, int expectedNo) throws BadShare {
    String[] parts = line.split("\\s+");
    int no;
    try {
      no = Integer.parseInt(parts[0]);
    } catch (NumberFormatException e) {
      throw new BadShare(name + ": data line " + expectedNo + " does not start with its number");
    }
    if (no != expectedNo) {
      throw new BadShare(name + ": data line " + no + " where line " + expectedNo + " was expected (a line missing"
          + " or repeated?)");
    }
    if (parts.length < 3) {
      throw new BadShare(name + ": data line " + no + " is incomplete");
    }
    String chunk = normalise(String.join("", Arrays.copyOfRange(parts, 1, parts.length - 1)));
    String check = normalise(parts[parts.length - 1]);
    for (char c : chunk.toCharArray()) {
      if (B32.indexOf(c) < 0) {
        throw new BadShare(name + ": data line " + no + " holds a character that is not a share character");
      }
    }
    if (check.length() != 1 || lineCheck(no, chunk) != check.charAt(0)) {
      throw new BadShare(name + ": data line " + no + " does not match its check character: a typo in that line");
    }
    return chunk;
  }

  /** Upper case, without spaces and hyphens, with Crockford's forgiving substitutions. */
  private static String normalise(String s) {
    return s.toUpperCase(Locale.ROOT).replaceAll("[\\s-]", "").replace('O', '0').replace('I', '1').replace('L', '1');
  }

  /** Luhn mod 32 over the line number's two digits and the line's characters. */
  static char lineCheck(int lineNo, String chunk) {
    String input = String.format("%02d", lineNo) + chunk;
    int factor = 2;
    int sum = 0;
    for (int i = input.length() - 1; i >= 0; i--) {
      int addend = factor * B32.indexOf(input.charAt(i));
      factor = factor == 2 ? 1 : 2;
      sum += addend / 32 + addend % 32;
    }
    return B32.charAt((32 - sum % 32) % 32);
  }

  private static String checksum(String identity, int version, String set, int index, int threshold, int count,
      String data) {
    String canonical = "bg-share-v1\n" + identity + "\n" + version + "\n" + set + "\n" + index + "\n" + threshold
        + "\n" + count + "\n" + data;
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return base32(Arrays.copyOf(h, 5));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String base32(byte[] bytes) {
    StringBuilder b = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (byte x : bytes) {
      buffer = (buffer << 8) | (x & 0xff);
      bits += 8;
      while (bits >= 5) {
        b.append(B32.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      b.append(B32.charAt((buffer << (5 - bits)) & 31));
    }
    return b.toString();
  }

  static byte[] unbase32(String s) {
    List<Byte> out = new ArrayList<>();
    int buffer = 0;
    int bits = 0;
    for (char c : s.toCharArray()) {
      buffer = (buffer << 5) | B32.indexOf(c);
      bits += 5;
      if (bits >= 8) {
        out.add((byte) (buffer >> (bits - 8)));
        bits -= 8;
      }
    }
    byte[] r = new byte[out.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = out.get(i);
    }
    return r;
  }

  /** A random share-set id, 8 base32 characters (40 bits). */
  static String newSet(java.security.SecureRandom random) {
    byte[] b = new byte[5];
    random.nextBytes(b);
    return base32(b);
  }
}
