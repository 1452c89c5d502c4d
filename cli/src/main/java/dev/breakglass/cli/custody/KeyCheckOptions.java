package dev.breakglass.cli.custody;

import dev.breakglass.cli.UsageException;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --verify-key} or {@code --skip-key-check REASON}: how a custody step treats the item's key. */
public final class KeyCheckOptions {
  @Option(names = "--verify-key",
      description = "Also prove, in the browser, that the key in hand is the item's registered key; the assertion"
          + " is stored with the event. Exit 4 and an alarm when its counter went back or moved in the safe.")
  boolean verifyKey;

  @Option(names = "--skip-key-check", paramLabel = "REASON",
      description = "Move an item whose key is registered without verifying it, and record why (e.g. no"
          + " browser at hand). Its use in the safe cannot be judged until the next verification.")
  String skipKeyCheck;

  /** Whether to run a key ceremony; refuses both options at once. */
  boolean verify() throws UsageException {
    if (verifyKey && skipKeyCheck != null) {
      throw new UsageException("--verify-key and --skip-key-check exclude each other: give one");
    }
    return verifyKey;
  }

  Optional<String> skipReason() {
    return Optional.ofNullable(skipKeyCheck);
  }
}
