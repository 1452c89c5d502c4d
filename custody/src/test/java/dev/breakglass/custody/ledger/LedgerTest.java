package dev.breakglass.custody.ledger;

import static dev.breakglass.custody.ledger.Fixture.checkin;
import static dev.breakglass.custody.ledger.Fixture.checkout;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {
  @TempDir Path tmp;
  Path home;
  TestClock clock;

  @BeforeEach
  void setUp() {
    home = tmp.resolve("home");
    clock = new TestClock(Fixture.START);
  }

  private Ledger populated() throws Exception {
    Ledger l = Ledger.init(home, "admin", clock);
    Fixture.populate(l);
    return l;
  }

  private static CustodyException refused(Reason reason, org.junit.jupiter.api.function.Executable op) {
    CustodyException e = assertThrows(CustodyException.class, op);
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }

  @Test
  void init_createsPrivateHomeLedgerAndConfig() throws Exception {
    try (Ledger l = Ledger.init(home, "admin", clock)) {
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
      assertEquals("rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("ledger.db"))));
      assertEquals("rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("bg.conf"))));
      assertEquals(1, l.head().orElseThrow().seq());
      assertTrue(l.verify(Optional.empty()).ok());
    }
    // WAL and shared-memory files take the database file's mode.
    try (Ledger l = Ledger.open(home, "admin", clock)) {
      l.addSafe(new Safe("s", "l", false), "admin");
      for (String f : List.of("ledger.db-wal", "ledger.db-shm")) {
        if (Files.exists(home.resolve(f))) {
          assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve(f))), f);
        }
      }
    }
  }

  @Test
  void init_refusesExistingLedger() throws Exception {
    Ledger.init(home, "admin", clock).close();
    byte[] before = Files.readAllBytes(home.resolve("ledger.db"));
    CustodyException e = refused(Reason.ALREADY_INITIALIZED, () -> Ledger.init(home, "admin", clock));
    assertTrue(e.getMessage().startsWith("a ledger already exists at "), e.getMessage());
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(home.resolve("ledger.db"))));
  }

  @Test
  void open_missingHomeCreatesNothing() {
    CustodyException e = refused(Reason.NOT_INITIALIZED, () -> Ledger.open(home, "admin", clock));
    assertEquals("no ledger in " + home + ": run 'bg init' first, or point --home at an existing home",
        e.getMessage());
    assertFalse(Files.exists(home));
  }

  @Test
  void checkout_thenCheckin_derivesHolderAndNewSeal() throws Exception {
    try (Ledger l = populated()) {
      clock.advance(Duration.ofMinutes(5));
      Event out = l.checkout(checkout("bg1-key", "alice", "bob", "SEAL-1"));
      assertEquals(EventType.ITEM_CHECKED_OUT, out.type());
      assertEquals(Optional.of("Alice"), out.actor(), "the ledger records the registered name");
      assertEquals(Optional.of("Bob"), out.witness());
      Item item = l.item("BG1-KEY");
      assertTrue(item.checkedOut());
      assertEquals(Optional.of("Alice"), item.holder());
      assertEquals(Optional.of(out.seq()), item.outEvent());
      assertEquals(Optional.of(Fixture.START.plus(Duration.ofMinutes(5))), item.outSince());

      l.checkin(checkin("bg1-key", "Bob", "Carol", "SEAL-2"));
      item = l.item("bg1-key");
      assertFalse(item.checkedOut());
      assertEquals(Optional.of("SEAL-2"), item.seal());
      assertTrue(l.verify(Optional.empty()).ok());
    }
  }

  @Test
  void checkout_refusesItemAlreadyOut() throws Exception {
    try (Ledger l = populated()) {
      l.checkout(checkout("bg1-key", "Alice", "Bob", "SEAL-1"));
      Head head = l.head().orElseThrow();
      CustodyException e = refused(Reason.REFUSED, () -> l.checkout(checkout("bg1-key", "Carol", "Bob", "SEAL-1")));
      assertEquals("item 'bg1-key' is already checked out (by Alice since 2026-11-25T09:00:00.000Z, event "
          + head.seq() + "); check it in first", e.getMessage());
      assertEquals(head, l.head().orElseThrow(), "nothing written");
    }
  }

  @Test
  void checkin_refusesItemThatIsIn() throws Exception {
    try (Ledger l = populated()) {
      Head head = l.head().orElseThrow();
      CustodyException e = refused(Reason.REFUSED, () -> l.checkin(checkin("bg1-key", "Alice", "Bob", null)));
      assertEquals("item 'bg1-key' is not checked out; nothing to check in", e.getMessage());
      assertEquals(head, l.head().orElseThrow());
    }
  }

  @Test
  void checkout_twoPersonRuleNeedsDifferentRegisteredWitness() throws Exception {
    try (Ledger l = populated()) {
      Head head = l.head().orElseThrow();
      assertEquals("safe 'hq-safe' has the two-person rule: name a second custodian with --witness",
          refused(Reason.REFUSED, () -> l.checkout(checkout("bg1-key", "Alice", null, "SEAL-1"))).getMessage());
      assertEquals("custodian and witness must be two different people ('Alice' was given for both)",
          refused(Reason.REFUSED, () -> l.checkout(checkout("bg1-key", "Alice", "ALICE", "SEAL-1"))).getMessage());
      assertEquals("unknown custodian 'Mallory': see 'bg custodian list'",
          refused(Reason.NOT_FOUND, () -> l.checkout(checkout("bg1-key", "Alice", "Mallory", "SEAL-1"))).getMessage());
      assertEquals("unknown custodian 'Mallory': see 'bg custodian list'",
          refused(Reason.NOT_FOUND, () -> l.checkout(checkout("bg1-key", "Mallory", "Bob", "SEAL-1"))).getMessage());
      assertEquals(head, l.head().orElseThrow());
      // Without the two-person rule a witness is optional.
      assertTrue(l.checkout(checkout("spare-envelope", "Carol", null, null)).witness().isEmpty());
    }
  }

  @Test
  void checkout_unknownItemAndEmptyReasonAreRefused() throws Exception {
    try (Ledger l = populated()) {
      assertEquals("unknown item 'nope': see 'bg item list'",
          refused(Reason.NOT_FOUND, () -> l.checkout(checkout("nope", "Alice", "Bob", null))).getMessage());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new CheckoutRequest("bg1-key", "Alice", Optional.of("Bob"), "  ", Optional.empty(),
              Optional.empty(), Optional.empty()));
      assertEquals("reason is required and must not be empty", e.getMessage());
    }
  }

  @Test
  void checkout_sealMustMatchUnlessBrokenIsRecorded() throws Exception {
    try (Ledger l = populated()) {
      Head head = l.head().orElseThrow();
      assertEquals("seal 'SEAL-9' does not match the seal on record for item 'bg1-key': re-read the bag; if it"
          + " was opened or replaced, record why with --seal-broken REASON",
          refused(Reason.REFUSED, () -> l.checkout(checkout("bg1-key", "Alice", "Bob", "SEAL-9"))).getMessage());
      assertEquals("item 'bg1-key' is sealed: give the number on the bag with --seal N, or record why it cannot"
          + " be read with --seal-broken REASON",
          refused(Reason.REFUSED, () -> l.checkout(checkout("bg1-key", "Alice", "Bob", null))).getMessage());
      assertEquals(head, l.head().orElseThrow());

      Event e = l.checkout(new CheckoutRequest("bg1-key", "Alice", Optional.of("Bob"), "lockout",
          Optional.empty(), Optional.of("SEAL-9"), Optional.of("bag torn at the top")));
      Map<String, Object> d = Json.read(e.details());
      assertEquals("SEAL-1", d.get("sealOnRecord"));
      assertEquals("SEAL-9", d.get("sealSeen"));
      assertEquals("bag torn at the top", d.get("sealBroken"));
    }
  }

  @Test
  void names_refuseInvisibleCharactersSoOnePersonCannotBeTwo() throws Exception {
    try (Ledger l = populated()) {
      for (String lookAlike : new String[] {"Alice\u200b", "Al\u202eice", "Ali\u2028ce", "Alice\u009b", "Ali\u1680ce"}) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new Custodian(lookAlike, "x"));
        assertTrue(e.getMessage().contains("invisible or control character"), e.getMessage());
      }
      // NFKC: a full-width spelling is the same name, and so a duplicate.
      refused(Reason.DUPLICATE, () -> l.addCustodian(new Custodian("\uff21lice", "x"), "admin"));
      assertEquals("custodian and witness must be two different people ('Alice' was given for both)",
          refused(Reason.REFUSED, () -> l.checkout(checkout("bg1-key", "Alice", "\uff21LICE", "SEAL-1"))).getMessage());
    }
  }

  @Test
  void optionalValues_givenEmptyAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new CheckoutRequest("bg1-key", "Alice", Optional.of("Bob"), "lockout", Optional.empty(),
            Optional.of("SEAL-1"), Optional.of(" ")));
    assertEquals("seal-broken reason must not be empty when given", e.getMessage());
  }

  @Test
  void checkin_refusesTheOldSealNumber() throws Exception {
    try (Ledger l = populated()) {
      l.checkout(checkout("bg1-key", "Alice", "Bob", "SEAL-1"));
      assertEquals("new seal 'SEAL-1' is the seal the item came out of: put it in a new tamper-evident bag and give"
          + " that bag's number",
          refused(Reason.REFUSED, () -> l.checkin(checkin("bg1-key", "Alice", "Bob", "SEAL-1"))).getMessage());
    }
  }

  @Test
  void addItem_refusesDuplicatesAndUnknownReferences() throws Exception {
    try (Ledger l = populated()) {
      assertEquals("a item named 'BG1-key' already exists (names ignore case): see 'bg item list'",
          refused(Reason.DUPLICATE, () -> l.addItem(new NewItem("BG1-key", ItemKind.OTHER, Optional.empty(),
              Optional.empty(), "hq-safe", Optional.empty()), "admin")).getMessage());
      assertEquals("unknown safe 'attic': see 'bg safe list'",
          refused(Reason.NOT_FOUND, () -> l.addItem(new NewItem("x", ItemKind.OTHER, Optional.empty(),
              Optional.empty(), "attic", Optional.empty()), "admin")).getMessage());
      assertEquals("unknown identity 'bg9@contoso.onmicrosoft.com': see 'bg identity list'",
          refused(Reason.NOT_FOUND, () -> l.addItem(new NewItem("x", ItemKind.OTHER, Optional.empty(),
              Optional.of("bg9@contoso.onmicrosoft.com"), "hq-safe", Optional.empty()), "admin")).getMessage());
    }
  }

  @Test
  void status_listsOutItemsAndReviewsDue() throws Exception {
    try (Ledger l = populated()) {
      l.checkout(checkout("bg1-key", "Alice", "Bob", "SEAL-1"));
      l.review(new ReviewRequest("spare-envelope", "Carol", Optional.empty(), Optional.empty(),
          Optional.of("never sealed"), Optional.empty()));
      StatusReport s = l.status();
      assertEquals(List.of("bg1-key"), s.out().stream().map(o -> o.item().label()).toList());
      assertEquals(Optional.of("tenant lockout drill"), s.out().get(0).checkout().reason());
      assertEquals(List.of("bg1-key"), s.reviewDue().stream().map(Item::label).toList());

      clock.advance(Duration.ofDays(184));
      assertEquals(List.of("bg1-key", "spare-envelope"), l.status().reviewDue().stream().map(Item::label).toList());
    }
  }

  @Test
  void verify_acceptsUntouchedLedgerAndMatchingHead() throws Exception {
    Head head;
    try (Ledger l = populated()) {
      l.checkout(checkout("bg1-key", "Alice", "Bob", "SEAL-1"));
      head = l.head().orElseThrow();
      l.checkin(checkin("bg1-key", "Alice", "Bob", "SEAL-2"));
      VerifyReport r = l.verify(Optional.of(head));
      assertTrue(r.ok(), r.problem().orElse(""));
      assertEquals(head.seq() + 1, r.events());
    }
  }

  private VerifyReport tamperAndVerify(Optional<Head> head, String... sql) throws Exception {
    populated().close();
    Fixture.attack(home, sql);
    try (Ledger l = Ledger.open(home, "admin", clock)) {
      VerifyReport r = l.verify(head);
      assertFalse(r.ok());
      return r;
    }
  }

  @Test
  void verify_namesChangedEvent() throws Exception {
    VerifyReport r = tamperAndVerify(Optional.empty(), "UPDATE events SET reason = 'routine' WHERE seq = 3");
    assertEquals(Optional.of(3L), r.firstBadSeq());
    assertEquals("event 3 does not match its hash: it was changed after it was written", r.problem().get());
  }

  @Test
  void verify_namesDeletedEvent() throws Exception {
    VerifyReport r = tamperAndVerify(Optional.empty(), "DELETE FROM events WHERE seq = 4");
    assertEquals(Optional.of(4L), r.firstBadSeq());
    assertEquals("event 4 is missing: the sequence jumps from 3 to 5", r.problem().get());
  }

  @Test
  void verify_namesSwappedEvents() throws Exception {
    VerifyReport r = tamperAndVerify(Optional.empty(),
        "UPDATE events SET seq = 1000000 WHERE seq = 5",
        "UPDATE events SET seq = 5 WHERE seq = 6",
        "UPDATE events SET seq = 6 WHERE seq = 1000000");
    assertEquals(Optional.of(5L), r.firstBadSeq());
  }

  @Test
  void verify_namesAppendedEventWithForgedHash() throws Exception {
    populated().close();
    String last;
    try (Ledger l = Ledger.open(home, "admin", clock)) {
      last = l.head().orElseThrow().hash();
    }
    Fixture.attack(home, "INSERT INTO events VALUES (10, '2026-11-25T09:30:00.000Z', 'item-checked-in', 'Alice',"
        + " 'Bob', 'bg1-key', NULL, NULL, '{}', '" + last + "', '" + "ab".repeat(32) + "')");
    try (Ledger l = Ledger.open(home, "admin", clock)) {
      VerifyReport r = l.verify(Optional.empty());
      assertEquals(Optional.of(10L), r.firstBadSeq());
      assertEquals("event 10 does not match its hash: it was changed after it was written", r.problem().get());
    }
  }

  @Test
  void verify_findsForgedEventBeforeTheFirst() throws Exception {
    Head head;
    try (Ledger l = populated()) {
      head = l.head().orElseThrow();
    }
    // Sequence 0 would sort before the chain; the CHECK constraint has to go for it too.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("ledger.db"));
        Statement s = c.createStatement()) {
      s.executeUpdate("PRAGMA writable_schema = ON");
      s.executeUpdate("UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (seq >= 1)', '') WHERE name = 'events'");
    }
    Fixture.attack(home, "INSERT INTO events VALUES (0, '2026-11-25T08:00:00.000Z', 'custodian-added', 'root', NULL,"
        + " NULL, NULL, NULL, '{\"custodian\":\"Mallory\",\"contact\":\"x\"}', 'x', 'forged')",
        "INSERT INTO custodians VALUES ('Mallory', 'x', 0)");
    try (Ledger l = Ledger.open(home, "admin", clock)) {
      VerifyReport r = l.verify(Optional.of(head));
      assertFalse(r.ok());
      assertEquals(Optional.of(0L), r.firstBadSeq());
    }
  }

  @Test
  void verify_findsDroppedAppendOnlyTrigger() throws Exception {
    populated().close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("ledger.db"));
        Statement s = c.createStatement()) {
      s.executeUpdate("DROP TRIGGER events_no_delete");
    }
    try (Ledger l = Ledger.open(home, "admin", clock)) {
      assertEquals("the schema was altered: trigger 'events_no_delete' is missing or changed",
          l.verify(Optional.empty()).problem().orElseThrow());
    }
  }

  @Test
  void verify_findsMalformedTimestampWithoutCrashing() throws Exception {
    populated().close();
    // A timestamp of the right shape but no real date, with the hash recomputed to match.
    String ts = "2026-13-45T99:99:99.999Z";
    String details = "{\"safe\":\"x\",\"location\":\"y\",\"twoPersonRule\":false}";
    try (Ledger l = Ledger.open(home, "admin", clock)) {
      Head h = l.head().orElseThrow();
      String hash = EventHash.compute(h.seq() + 1, ts, "safe-added", "admin", null, null, null, null, details,
          h.hash());
      l.close();
      Fixture.attack(home, "INSERT INTO events VALUES (" + (h.seq() + 1) + ", '" + ts + "', 'safe-added', 'admin',"
          + " NULL, NULL, NULL, NULL, '" + details + "', '" + h.hash() + "', '" + hash + "')");
    }
    try (Ledger l = Ledger.open(home, "admin", clock)) {
      VerifyReport r = l.verify(Optional.empty());
      assertEquals("event 10 has a malformed timestamp '" + ts + "'", r.problem().orElseThrow());
    }
  }

  @Test
  void verify_detectsInventoryEditedOutsideTheLedger() throws Exception {
    VerifyReport r = tamperAndVerify(Optional.empty(), "UPDATE items SET seal = 'SEAL-X' WHERE label = 'bg1-key'");
    assertTrue(r.problem().get().startsWith(
        "the inventory was edited outside the ledger: table 'items' does not match its events at 'bg1-key'"),
        r.problem().get());
  }

  @Test
  void verify_withHeadDetectsCutBackAndRewrite() throws Exception {
    Head head;
    try (Ledger l = populated()) {
      head = l.head().orElseThrow();
    }
    Fixture.attack(home, "DELETE FROM items WHERE label = 'spare-envelope'",
        "DELETE FROM events WHERE seq = " + head.seq());
    try (Ledger l = Ledger.open(home, "admin", clock)) {
      assertTrue(l.verify(Optional.empty()).ok(), "a cut-back chain verifies on its own: that is why heads matter");
      VerifyReport r = l.verify(Optional.of(head));
      assertEquals("the ledger ends at event " + (head.seq() - 1) + ", before the recorded head " + head.seq()
          + ": events were cut off", r.problem().get());
      VerifyReport other = l.verify(Optional.of(new Head(2, "cd".repeat(32))));
      assertEquals("event 2 differs from the recorded head: the ledger was rewritten since",
          other.problem().get());
    }
  }

  @Test
  void open_refusesCorruptFile() throws Exception {
    Files.createDirectories(home);
    Files.writeString(home.resolve("ledger.db"), "this is not a database, just some text that is long enough".repeat(40));
    CustodyException e = refused(Reason.CORRUPT, () -> Ledger.open(home, "admin", clock));
    assertTrue(e.getMessage().contains("is not a readable SQLite ledger"), e.getMessage());
  }

  @Test
  void open_refusesSqliteFileThatIsNotALedger() throws Exception {
    Files.createDirectories(home);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("ledger.db"));
        Statement s = c.createStatement()) {
      s.executeUpdate("CREATE TABLE t (x)");
    }
    byte[] before = Files.readAllBytes(home.resolve("ledger.db"));
    CustodyException e = refused(Reason.CORRUPT, () -> Ledger.open(home, "admin", clock));
    assertTrue(e.getMessage().endsWith("is a SQLite database but not a BreakGlass ledger (application id 0);"
        + " point --home at the right home, or run 'bg init' in an empty one"), e.getMessage());
    refused(Reason.CORRUPT, () -> Ledger.openReadOnly(home, clock));
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(home.resolve("ledger.db"))), "left untouched");
    assertFalse(Files.exists(home.resolve("ledger.db-wal")));
  }

  @Test
  void open_leavesAnEmptyFileEmpty() throws Exception {
    Files.createDirectories(home);
    Files.createFile(home.resolve("ledger.db"));
    refused(Reason.CORRUPT, () -> Ledger.open(home, "admin", clock));
    assertEquals(0, Files.size(home.resolve("ledger.db")));
  }

  @Test
  void init_refusesNonEmptyDirectoryAndKeepsItsMode() throws Exception {
    Files.createDirectories(home, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Files.writeString(home.resolve("notes.txt"), "mine");
    CustodyException e = refused(Reason.REFUSED, () -> Ledger.init(home, "admin", clock));
    assertEquals(home + " is not empty (notes.txt): give --home a new or empty directory", e.getMessage());
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
  }

  @Test
  void init_recoversFromAnInterruptedInit() throws Exception {
    Files.createDirectories(home);
    Files.writeString(home.resolve("bg.conf"), "review.interval-days = 30\n");
    Files.write(home.resolve(".ledger-123.db.tmp"), new byte[4096]); // what a killed init leaves
    try (Ledger l = Ledger.init(home, "admin", clock)) {
      assertTrue(l.verify(Optional.empty()).ok());
      assertEquals(Duration.ofDays(30), l.config().reviewInterval());
    }
    try (var entries = Files.list(home)) {
      assertEquals(List.of("bg.conf", "ledger.db"),
          entries.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("ledger.db-")).sorted().toList());
    }
  }

  @Test
  void openReadOnly_readsAndVerifiesWithoutWriting() throws Exception {
    populated().close();
    byte[] before = Files.readAllBytes(home.resolve("ledger.db"));
    try (Ledger l = Ledger.openReadOnly(home, clock)) {
      assertTrue(l.verify(Optional.empty()).ok());
      assertEquals(2, l.items().size());
      CustodyException e = refused(Reason.IO, () -> l.checkout(checkout("bg1-key", "Alice", "Bob", "SEAL-1")));
      assertTrue(e.getMessage().contains("readonly"), e.getMessage());
    }
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(home.resolve("ledger.db"))));
  }

  @Test
  void writesUnderContention_reportExactlyWhatWasWritten() throws Exception {
    populated().close();
    Files.writeString(home.resolve("bg.conf"), "ledger.busy-timeout-ms = 0\n");
    for (int i = 0; i < 3; i++) {
      try (Ledger l = Ledger.open(home, "admin", clock)) {
        l.addItem(new NewItem("item-" + i, ItemKind.OTHER, Optional.empty(), Optional.empty(), "branch-safe",
            Optional.empty()), "admin");
      }
    }
    long before;
    try (Ledger l = Ledger.open(home, "admin", clock)) {
      before = l.head().orElseThrow().seq();
    }
    java.util.concurrent.atomic.AtomicLong ok = new java.util.concurrent.atomic.AtomicLong();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    // Each thread gets its own connection, opened before the race starts: with a zero busy timeout
    // even opening can meet another writer's lock, and that is not what this test is about.
    List<Ledger> ledgers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ledgers.add(Ledger.open(home, "t", java.time.Clock.systemUTC()));
    }
    for (int i = 0; i < 3; i++) {
      String item = "item-" + i;
      Ledger mine = ledgers.get(i);
      threads.add(new Thread(() -> {
        try (Ledger l = mine) {
          boolean out = false;
          for (int n = 0; n < 150; n++) {
            try {
              if (out) {
                l.checkin(checkin(item, "Carol", null, null));
              } else {
                l.checkout(checkout(item, "Carol", null, null));
              }
              out = !out;
              ok.incrementAndGet();
            } catch (CustodyException e) {
              if (e.reason() != Reason.BUSY) {
                throw e; // a committed write reported as failed shows up here as "already checked out"
              }
            }
          }
        } catch (Throwable t) {
          failures.add(t);
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(List.of(), failures);
    try (Ledger l = Ledger.open(home, "admin", clock)) {
      assertEquals(before + ok.get(), l.head().orElseThrow().seq(), "every reported success, and only those");
      assertTrue(l.verify(Optional.empty()).ok());
    }
  }

  @Test
  void open_refusesNewerSchemaAndChangesNothing() throws Exception {
    populated().close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("ledger.db"));
        Statement s = c.createStatement()) {
      s.executeUpdate("PRAGMA user_version = 9");
    }
    byte[] before = Files.readAllBytes(home.resolve("ledger.db"));
    CustodyException e = refused(Reason.SCHEMA_TOO_NEW, () -> Ledger.open(home, "admin", clock));
    assertEquals(home.resolve("ledger.db") + " has ledger schema version 9, newer than this bg supports (7):"
        + " upgrade bg; the ledger was not changed", e.getMessage());
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(home.resolve("ledger.db"))));
  }

  @Test
  void appendOnlyTriggersRefuseUpdateAndDelete() throws Exception {
    populated().close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("ledger.db"));
        Statement s = c.createStatement()) {
      SQLException u = assertThrows(SQLException.class, () -> s.executeUpdate("UPDATE events SET reason = 'x'"));
      assertTrue(u.getMessage().contains("append-only"), u.getMessage());
      SQLException d = assertThrows(SQLException.class, () -> s.executeUpdate("DELETE FROM events"));
      assertTrue(d.getMessage().contains("append-only"), d.getMessage());
      SQLException i = assertThrows(SQLException.class, () -> s.executeUpdate(
          "INSERT INTO events VALUES (99, 't', 'x', NULL, NULL, NULL, NULL, NULL, '{}', 'p', 'h')"));
      assertTrue(i.getMessage().contains("extend the chain"), i.getMessage());
    }
  }

  @Test
  void events_filterByItemAndTime() throws Exception {
    try (Ledger l = populated()) {
      clock.advance(Duration.ofHours(1));
      l.checkout(checkout("bg1-key", "Alice", "Bob", "SEAL-1"));
      List<Event> seen = new ArrayList<>();
      l.events(Optional.of("BG1-KEY"), Optional.empty(), seen::add);
      assertEquals(List.of(EventType.ITEM_ADDED, EventType.ITEM_CHECKED_OUT), seen.stream().map(Event::type).toList());
      seen.clear();
      l.events(Optional.empty(), Optional.of(Fixture.START.plusSeconds(60)), seen::add);
      assertEquals(List.of(EventType.ITEM_CHECKED_OUT), seen.stream().map(Event::type).toList());
    }
  }
}
