package dev.breakglass.cli.inventory;

import dev.breakglass.cli.UsageException;
import java.util.function.Supplier;

/** Builds a request record; its argument check becomes a usage error (exit code 2). */
public final class Checked {
  private Checked() {}

  public static <T> T of(Supplier<T> build) throws UsageException {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
