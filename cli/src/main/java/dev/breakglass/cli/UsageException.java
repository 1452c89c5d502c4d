package dev.breakglass.cli;

/** A malformed option value found after parsing (exit code 2). */
public final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
