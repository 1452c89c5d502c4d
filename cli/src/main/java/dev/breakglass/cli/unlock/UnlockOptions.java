package dev.breakglass.cli.unlock;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options of {@code bg unlock} and {@code bg drill}: every prompt of the procedure has one. */
public final class UnlockOptions {
  @Option(names = "--identity", paramLabel = "UPN|APP-ID",
      description = "The break-glass user (UPN) or app (client id) to unlock.")
  String identity;

  @Option(names = "--session", paramLabel = "ID",
      description = "Resume this open unlock session (default: the identity's open session, if any).")
  Long session;

  @Option(names = "--reason", paramLabel = "TEXT", description = "The incident, in words (asked if missing).")
  String reason;

  @Option(names = "--ticket", paramLabel = "ID", description = "Incident ticket.")
  String ticket;

  @Option(names = "--by", paramLabel = "CUSTODIAN", description = "The custodian leading the unlock (asked if missing).")
  String by;

  @Option(names = "--witness", paramLabel = "CUSTODIAN",
      description = "The second custodian of the quorum (asked if missing).")
  String witness;

  @Option(names = "--duration", paramLabel = "TIME", defaultValue = "4h",
      description = "How long the session should stay open, e.g. 90m, 4h, 2d (default 4h, at most 7d). Past it,"
          + " the identity's sign-ins are UNEXPLAINED and the session shows as overdue.")
  String duration;

  @Option(names = "--item", paramLabel = "ITEM",
      description = "Take out only these items of the identity (repeatable; default: all of them).")
  List<String> items = new ArrayList<>();

  @Option(names = "--seal", paramLabel = "ITEM=N",
      description = "The seal number read off an item's bag (repeatable; asked if missing).")
  List<String> seals = new ArrayList<>();

  @Option(names = "--seal-broken", paramLabel = "ITEM=REASON",
      description = "Why an item's seal cannot be confirmed; recorded (repeatable).")
  List<String> sealsBroken = new ArrayList<>();

  @Option(names = "--skip-key-check", paramLabel = "ITEM=REASON",
      description = "Take out a registered key without verifying it, and record why (repeatable).")
  List<String> skipKeyCheck = new ArrayList<>();

  @Option(names = "--share", paramLabel = "FILE",
      description = "A share file of the identity's password (repeatable; K of them rebuild it).")
  List<Path> shares = new ArrayList<>();

  @Option(names = "--skip-password", description = "Do not rebuild the password (e.g. the security key is enough).")
  boolean skipPassword;

  @Option(names = "--password-to", paramLabel = "FILE",
      description = "Write the rebuilt password to this new file (mode 600) instead of showing it on the terminal.")
  Path passwordTo;
}
