package dev.breakglass.cli;

import dev.breakglass.custody.CustodyException;

/** The documented exit codes of every {@code bg} command. */
public final class ExitCodes {
  public static final int OK = 0;
  /** The operation was refused by a custody rule, or failed. */
  public static final int FAILED = 1;
  /** The command line was wrong: unknown option, missing or malformed argument. */
  public static final int USAGE = 2;
  /** The ledger failed verification, or cannot be read as a ledger. */
  public static final int LEDGER_BAD = 3;
  /**
   * A key alarm was raised and recorded: a FIDO2 signature counter went backwards (the operation
   * was refused) or moved while the key was in its safe (the operation was recorded).
   */
  public static final int KEY_ALARM = 4;
  /** {@code bg daemon once} recorded, or {@code bg correlate} found, a sign-in nothing in custody explains. */
  public static final int UNEXPLAINED = 5;

  /** For the EXIT CODES section of every command's help. */
  public static final String[] HELP = {
    "0:success",
    "1:operation refused by a custody rule, or failed",
    "2:usage error (unknown option, missing or malformed argument)",
    "3:ledger verification failed, or the ledger is unreadable",
    "4:key alarm: a security key's signature counter went backwards (refused) or moved in its safe (recorded)",
    "5:an UNEXPLAINED break-glass sign-in was found (bg daemon once, bg correlate)"
  };

  private ExitCodes() {}

  public static int of(CustodyException e) {
    return switch (e.reason()) {
      case INVALID_ARGUMENT -> USAGE;
      case CORRUPT -> LEDGER_BAD;
      case KEY_ALARM -> KEY_ALARM;
      default -> FAILED;
    };
  }
}
