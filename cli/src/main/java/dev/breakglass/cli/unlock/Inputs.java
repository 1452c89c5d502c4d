package dev.breakglass.cli.unlock;

import dev.breakglass.cli.UsageException;
import java.io.Console;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the procedure needs from the responder: from an option when given, else asked on the
 * terminal, else (no terminal, e.g. a script or a test) a usage error naming the option, so that
 * every prompt has a flag and nothing is written before every answer is known.
 */
final class Inputs {
  private Inputs() {}

  /** {@code ITEM=VALUE} options as a map keyed by lower-case item label; malformed ones refused. */
  static Map<String, String> perItem(List<String> values, String option) throws UsageException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String v : values == null ? List.<String>of() : values) {
      int eq = v.indexOf('=');
      if (eq <= 0 || eq == v.length() - 1) {
        throw new UsageException(option + " takes ITEM=VALUE (e.g. " + option + " bg1-key=TB-000123), got '" + v
            + "'");
      }
      String item = v.substring(0, eq).strip().toLowerCase(Locale.ROOT);
      if (out.put(item, v.substring(eq + 1).strip()) != null) {
        throw new UsageException(option + " names item '" + v.substring(0, eq).strip() + "' twice");
      }
    }
    return out;
  }

  /** Refuses values for items the procedure does not handle: a typo must not go unnoticed. */
  static void onlyFor(Map<String, String> values, List<String> items, String option) throws UsageException {
    for (String k : values.keySet()) {
      if (items.stream().noneMatch(i -> i.equalsIgnoreCase(k))) {
        throw new UsageException(option + " names item '" + k + "', which this step does not handle (it handles: "
            + (items.isEmpty() ? "none" : String.join(", ", items)) + ")");
      }
    }
  }

  /** A value from the option, else from the terminal, else a usage error naming the option. */
  static String ask(Optional<String> given, String question, String option) throws UsageException {
    if (given.isPresent()) {
      return given.get();
    }
    Console c = System.console();
    if (c == null) {
      throw new UsageException("no terminal to ask for " + question + ": give it with " + option);
    }
    String line = c.readLine("%s: ", question);
    if (line == null || line.isBlank()) {
      throw new UsageException("no " + question + " was entered; nothing further was done");
    }
    return line.strip();
  }
}
