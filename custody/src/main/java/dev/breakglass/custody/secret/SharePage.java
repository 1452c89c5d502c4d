package dev.breakglass.custody.secret;

/** A printable HTML page of one share: what goes into its envelope, with instructions. */
final class SharePage {
  private SharePage() {}

  static String html(Share s) {
    String text = ShareText.encode(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        + "<title>Password share " + s.index() + " of " + s.count() + "</title>\n"
        + "<style>body{font-family:sans-serif;margin:2cm}pre{font-size:14pt;line-height:1.5;border:1px solid #000;"
        + "padding:1em}h1{font-size:18pt}</style></head><body>\n"
        + "<h1>Break-glass password share " + s.index() + " of " + s.count() + "</h1>\n"
        + "<p>Account <b>" + s.identity().replace("<", "&lt;") + "</b>, password version " + s.version() + ". Any "
        + s.threshold() + " of the " + s.count() + " shares rebuild the password with <code>bg password combine"
        + "</code>; fewer reveal nothing. Seal this page in its tamper-evident bag and record the seal number in the"
        + " ledger.</p>\n"
        + "<p>Typing it back: copy every line exactly. Each data line ends in a check character, so a typo is"
        + " reported with its line number; O and 0, I, L and 1 are treated alike.</p>\n"
        + "<pre>" + text + "</pre>\n</body></html>\n";
  }
}
