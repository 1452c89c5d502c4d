package dev.breakglass.custody.report;

import dev.breakglass.custody.PrintableText;

/**
 * Writes polyglot markup: HTML5 that is also well-formed XML, so that a browser and an XML parser
 * read the same tree. Every text and attribute value goes through {@link #esc}; only the report's
 * own constant markup goes through {@link #raw}.
 */
final class Markup {
  private final StringBuilder b = new StringBuilder(64 * 1024);

  /**
   * A start tag; {@code attributes} are name/value pairs, a {@code null} value leaves the attribute
   * out so that callers can write optional ones inline.
   */
  Markup open(String tag, String... attributes) {
    b.append('<').append(tag);
    attributes(attributes);
    b.append('>');
    return this;
  }

  Markup close(String tag) {
    b.append("</").append(tag).append('>');
    return this;
  }

  /**
   * A self-closed element. Only for HTML void elements (meta, link, br) and SVG: an HTML parser
   * ignores the slash on any other HTML element and would nest what follows inside it.
   */
  Markup empty(String tag, String... attributes) {
    b.append('<').append(tag);
    attributes(attributes);
    b.append(" />");
    return this;
  }

  /** An element holding only text; closed explicitly, so that an empty one stays well-formed HTML too. */
  Markup element(String tag, String text, String... attributes) {
    return open(tag, attributes).text(text).close(tag);
  }

  Markup text(String text) {
    b.append(esc(text));
    return this;
  }

  /** The report's own constant markup and CSS: never text from the ledger. */
  Markup raw(String markup) {
    b.append(markup);
    return this;
  }

  Markup nl() {
    b.append('\n');
    return this;
  }

  private void attributes(String... attributes) {
    if (attributes.length % 2 != 0) {
      throw new IllegalArgumentException("attributes come in name/value pairs, got " + attributes.length);
    }
    for (int i = 0; i < attributes.length; i += 2) {
      if (attributes[i + 1] != null) {
        b.append(' ').append(attributes[i]).append("=\"").append(esc(attributes[i + 1])).append('"');
      }
    }
  }

  @Override
  public String toString() {
    return b.toString();
  }

  /**
   * Text safe in an element or a quoted attribute: the five markup characters escaped, and every
   * character that XML 1.0 forbids (control characters, lone surrogates, U+FFFE/U+FFFF) or that
   * could hide what a reader sees (bidirectional overrides, zero-width characters) replaced by
   * {@code ?}. Ledger text comes from custodians, Graph and sign-in logs: none of it is markup.
   */
  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      if (PrintableText.unprintable(c) || !xmlChar(c)) {
        out.append('?');
        continue;
      }
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.appendCodePoint(c);
      }
    }
    return out.toString();
  }

  /** XML 1.0's Char production; a lone surrogate arrives here as its own code point and fails it. */
  private static boolean xmlChar(int c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD)
        || (c >= 0x10000 && c <= 0x10FFFF);
  }
}
