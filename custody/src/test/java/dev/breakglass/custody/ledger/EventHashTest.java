package dev.breakglass.custody.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventHashTest {
  /**
   * The worked example of docs/architecture.md. The expected value was computed outside Java:
   * printf 'bg-ledger-event-v1\n1:1\n24:2026-11-25T09:00:00.000Z\n14:ledger-created\n5:admin\n-\n-\n-\n-\n'\
   * '12:{"schema":7}\n64:0000…0000\n' | sha256sum
   */
  static final String EXAMPLE = "15ad395f0cec02515446b164ad25465bad4adbfdc1b35de2e1c4c06e14ab612b";

  @Test
  void compute_matchesTheDocumentedExample() {
    assertEquals(EXAMPLE, EventHash.compute(1, "2026-11-25T09:00:00.000Z", "ledger-created", "admin", null, null,
        null, null, "{\"schema\":7}", EventHash.GENESIS));
  }

  @Test
  void firstEventOfANewLedger_isTheDocumentedExample(@TempDir Path home) throws Exception {
    try (Ledger l = Ledger.init(home, "admin", new TestClock(Instant.parse("2026-11-25T09:00:00Z")))) {
      assertEquals(Optional.of(new Head(1, EXAMPLE)), l.head());
    }
  }

  @Test
  void absentAndEmptyFields_hashDifferently() {
    String absent = EventHash.compute(2, "t", "x", null, null, null, null, null, "{}", EventHash.GENESIS);
    String empty = EventHash.compute(2, "t", "x", "", null, null, null, null, "{}", EventHash.GENESIS);
    assertNotEquals(absent, empty);
  }

  @Test
  void fieldBoundaries_cannotBeShifted() {
    // "ab" + "c" and "a" + "bc" must not collide: the length prefixes keep them apart.
    assertNotEquals(
        EventHash.compute(2, "t", "x", "ab", "c", null, null, null, "{}", EventHash.GENESIS),
        EventHash.compute(2, "t", "x", "a", "bc", null, null, null, "{}", EventHash.GENESIS));
  }

  @Test
  void timestamps_areFixedWidthUtcMillis() {
    assertEquals("2026-11-25T09:00:00.000Z", EventHash.formatTimestamp(Instant.parse("2026-11-25T09:00:00Z")));
    assertEquals("2026-11-25T09:00:00.123Z",
        EventHash.formatTimestamp(Instant.parse("2026-11-25T09:00:00.123999Z")));
    assertEquals("0999-01-02T03:04:05.006Z", EventHash.formatTimestamp(Instant.parse("0999-01-02T03:04:05.006Z")));
    assertEquals(Instant.parse("2026-11-25T09:00:00.123Z"), EventHash.parseTimestamp("2026-11-25T09:00:00.123Z"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> EventHash.parseTimestamp("2026-11-25T09:00:00Z"));
  }
}
