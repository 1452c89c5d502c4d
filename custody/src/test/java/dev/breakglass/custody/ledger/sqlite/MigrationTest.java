package dev.breakglass.custody.ledger.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventType;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Json;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.TestClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationTest {
  @TempDir Path home;

  @Test
  void open_upgradesOlderSchemaOnceAndRecordsIt() throws Exception {
    try (Ledger l = Ledger.init(home, "admin", new TestClock(Fixture.START))) {
      Fixture.populate(l);
    }
    Path db = home.resolve(Ledger.LEDGER_FILE);
    List<String> next = List.of("schema-001.sql", "schema-002.sql", "schema-003.sql", "schema-004.sql",
        "schema-005.sql", "schema-006.sql", "schema-007.sql", "schema-test-008.sql");
    for (int i = 0; i < 2; i++) { // the second open finds nothing to do
      try (SqliteLedgerStore s = SqliteLedgerStore.open(db, Duration.ofSeconds(5), "upgrader", Fixture.START, next)) {
        assertTrue(s.projectionDiff().isEmpty());
      }
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
        assertEquals(8, rs.getInt(1));
      }
      try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM test_upgrade_marker")) {
        assertEquals(0, rs.getInt(1));
      }
    }
    try (SqliteLedgerStore s = SqliteLedgerStore.open(db, Duration.ofSeconds(5), "x", Fixture.START, next)) {
      List<Event> migrated = new ArrayList<>();
      s.events(Optional.empty(), Optional.empty(), e -> {
        if (e.type() == EventType.SCHEMA_MIGRATED) {
          migrated.add(e);
        }
      });
      assertEquals(1, migrated.size());
      assertEquals(Map.of("from", 7L, "to", 8L), Json.read(migrated.get(0).details()));
      assertEquals(Optional.of("upgrader"), migrated.get(0).actor());
    }
  }
}
