package dev.breakglass.custody;

/**
 * Text from outside (a browser, Graph, a sign-in record, an export file) made safe to show on one
 * line: ISO control characters (CR, LF, ESC, ...), the line and paragraph separators U+2028/U+2029,
 * and format characters (bidirectional overrides, zero-width characters, which let a name look like
 * another) each become {@code ?}. The one definition every module uses.
 */
public final class PrintableText {
  private PrintableText() {}

  /** Whether a code point could break a line-oriented format or hide what a person reads. */
  public static boolean unprintable(int codePoint) {
    return Character.isISOControl(codePoint) || codePoint == 0x2028 || codePoint == 0x2029
        || Character.getType(codePoint) == Character.FORMAT;
  }

  /** {@code s} with every {@link #unprintable} code point replaced by {@code ?}. */
  public static String replaceUnprintable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> b.appendCodePoint(unprintable(c) ? '?' : c));
    return b.toString();
  }

  /**
   * {@code s} with every {@link #unprintable} code point replaced by {@code ?}, cut to at most
   * {@code max} characters (the last of them an ellipsis when cut), never inside a surrogate pair.
   */
  public static String printable(String s, int max) {
    boolean cut = s.length() > max;
    int room = cut ? max - 1 : max;
    StringBuilder b = new StringBuilder(Math.min(s.length(), max));
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      int width = Character.charCount(c);
      if (b.length() + width > room) {
        break;
      }
      b.appendCodePoint(unprintable(c) ? '?' : c);
      i += width;
    }
    return cut ? b.append('…').toString() : b.toString();
  }
}
