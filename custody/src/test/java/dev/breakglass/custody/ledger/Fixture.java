package dev.breakglass.custody.ledger;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A small, realistic inventory shared by the ledger tests. */
public final class Fixture {
  public static final Instant START = Instant.parse("2026-11-25T09:00:00Z");

  private Fixture() {}

  /** Two safes (one with the two-person rule), three custodians, one user identity, two items. */
  public static void populate(Ledger l) throws Exception {
    l.addSafe(new Safe("hq-safe", "HQ, room 4.12", true), "admin");
    l.addSafe(new Safe("branch-safe", "Branch office", false), "admin");
    l.addCustodian(new Custodian("Alice", "+44 20 7946 0001"), "admin");
    l.addCustodian(new Custodian("Bob", "+44 20 7946 0002"), "admin");
    l.addCustodian(new Custodian("Carol", "carol@example.net"), "admin");
    l.addIdentity(new Identity(IdentityKind.USER, "bg1@contoso.onmicrosoft.com", Optional.empty(),
        Optional.of("Break glass 1")), "admin");
    l.addItem(new NewItem("bg1-key", ItemKind.FIDO2_KEY, Optional.of("YK-123"),
        Optional.of("bg1@contoso.onmicrosoft.com"), "hq-safe", Optional.of("SEAL-1")), "admin");
    l.addItem(new NewItem("spare-envelope", ItemKind.OTHER, Optional.empty(), Optional.empty(), "branch-safe",
        Optional.empty()), "admin");
  }

  public static CheckoutRequest checkout(String item, String by, String witness, String seal) {
    return new CheckoutRequest(item, by, Optional.ofNullable(witness), "tenant lockout drill",
        Optional.of("INC-1"), Optional.ofNullable(seal), Optional.empty());
  }

  public static CheckinRequest checkin(String item, String by, String witness, String newSeal) {
    return new CheckinRequest(item, by, Optional.ofNullable(witness), Optional.ofNullable(newSeal),
        Optional.empty(), Optional.empty());
  }

  /**
   * Plain SQL on the ledger file, as a careful attacker with file access would use it: drops the
   * append-only triggers, runs {@code sql}, and puts the triggers back exactly as they were.
   */
  public static void attack(Path home, String... sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve(Ledger.LEDGER_FILE));
        Statement s = c.createStatement()) {
      List<String> triggers = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'")) {
        while (rs.next()) {
          triggers.add(rs.getString(2));
          s.getConnection().createStatement().executeUpdate("DROP TRIGGER " + rs.getString(1));
        }
      }
      for (String q : sql) {
        s.executeUpdate(q);
      }
      for (String t : triggers) {
        s.executeUpdate(t);
      }
    }
  }
}
