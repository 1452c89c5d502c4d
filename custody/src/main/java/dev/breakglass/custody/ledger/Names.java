package dev.breakglass.custody.ledger;

/**
 * The ledger's rule for names and one-line text, for modules that take names before they reach
 * the ledger (a CA name, a certificate's common name): NFKC-normalised, trimmed, not empty, no
 * invisible or control characters, bounded length.
 */
public final class Names {
  private Names() {}

  /**
   * @return the normalised value
   * @throws IllegalArgumentException naming {@code what} and the problem
   */
  public static String check(String what, String value, int max) {
    return Text.required(what, value, max);
  }
}
