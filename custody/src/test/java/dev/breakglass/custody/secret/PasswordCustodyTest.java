package dev.breakglass.custody.secret;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.PasswordRecord;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.custody.secret.PasswordCustody.Destination;
import dev.breakglass.custody.secret.PasswordCustody.Layout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordCustodyTest {
  static final String UPN = "bg1@contoso.onmicrosoft.com";
  /** Small Argon2id cost for tests; the product uses Verifier.DEFAULT. */
  static final Verifier FAST = new Verifier(1024, 1, 1);

  @TempDir Path tmp;
  Path home;
  Ledger ledger;
  PasswordCustody custody;

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    ledger = Ledger.init(home, "admin", new TestClock(Fixture.START));
    Fixture.populate(ledger); // registers UPN as a user identity
    ledger.addIdentity(new Identity(IdentityKind.APP, "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01", Optional.empty(),
        Optional.empty()), "admin");
    custody = new PasswordCustody(ledger, new SecureRandom(), FAST);
  }

  @AfterEach
  void tearDown() {
    ledger.close();
  }

  private List<Path> shareFiles(List<Path> files) {
    return files.stream().filter(p -> p.toString().endsWith(".txt")).sorted().toList();
  }

  @Test
  void shares_rebuildAndVerifyThePasswordAndTheLedgerNeverHoldsIt() throws Exception {
    PasswordCustody.Created c = custody.create(UPN, 64, new Destination(Optional.of(new Layout(3, 5)),
        Optional.of(tmp.resolve("shares")), Optional.empty(), true), false, Optional.empty(), "admin");
    char[] password = c.password().orElseThrow();
    List<Path> shares = shareFiles(c.files());
    assertEquals(5, shares.size());
    assertEquals(10, c.files().size(), "a text file and a printable page per share");
    for (Path p : c.files()) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
    }
    assertEquals(1, c.version());
    assertEquals("3-of-5", c.layout());

    PasswordRecord v = custody.verify(UPN, Optional.empty(), List.of(shares.get(4), shares.get(0), shares.get(2)),
        "Alice");
    assertEquals(1, v.version());
    char[] rebuilt = custody.combine(UPN, shares.subList(1, 4), "drill", "Alice");
    assertArrayEquals(password, rebuilt);

    // The password is nowhere in the ledger: not in the database, not in its WAL.
    String secret = new String(password);
    ledger.close();
    for (Path f : List.of(home.resolve("ledger.db"), home.resolve("ledger.db-wal"))) {
      if (Files.exists(f)) {
        assertFalse(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(secret), f.toString());
      }
    }
    ledger = Ledger.open(home, "admin", new TestClock(Fixture.START));
    assertTrue(ledger.verify(Optional.empty()).ok());
    PasswordRecord rec = ledger.currentPassword(UPN);
    assertTrue(rec.lastVerified().isPresent());
    assertEquals(419, rec.entropyBits());
    assertTrue(rec.verifier().startsWith("$argon2id$v=19$m=1024,t=1,p=1$"));
  }

  @Test
  void tooFewSharesOrAMistypedOne_isRefusedAndNothingIsRecorded() throws Exception {
    PasswordCustody.Created c = custody.create(UPN, 64, new Destination(Optional.of(new Layout(3, 5)),
        Optional.of(tmp.resolve("shares")), Optional.empty(), false), false, Optional.empty(), "admin");
    assertTrue(c.password().isEmpty(), "not revealed unless asked");
    List<Path> shares = shareFiles(c.files());
    Head before = ledger.head().orElseThrow();
    PasswordException few = assertThrows(PasswordException.class,
        () -> custody.verify(UPN, Optional.empty(), shares.subList(0, 2), "Alice"));
    assertEquals("2 share(s) given, but 3 of 5 are needed", few.getMessage());
    String text = Files.readString(shares.get(0));
    Files.writeString(shares.get(0), text.replace("set: ", "set: X").replace("setX", "set"));
    PasswordException typo = assertThrows(PasswordException.class,
        () -> custody.verify(UPN, Optional.empty(), shares.subList(0, 3), "Alice"));
    assertEquals(PasswordException.Reason.BAD_SHARE, typo.reason());
    assertEquals(before, ledger.head().orElseThrow());
  }

  @Test
  void rotate_makesANewVersionAndSupersedesTheOld() throws Exception {
    PasswordCustody.Created v1 = custody.create(UPN, 32, new Destination(Optional.of(new Layout(2, 3)),
        Optional.of(tmp.resolve("v1")), Optional.empty(), false), false, Optional.empty(), "admin");
    List<char[]> set = new ArrayList<>();
    PasswordDirectory directory = (identity, password) -> set.add(password.clone());
    PasswordCustody.Created v2 = custody.create(UPN, 64, new Destination(Optional.empty(), Optional.empty(),
        Optional.of(tmp.resolve("v2.txt")), false), true, Optional.of(directory), "admin");
    assertEquals(2, v2.version());
    assertEquals(1, set.size(), "the new password went to the directory");
    assertEquals(new String(set.get(0)) + "\n", Files.readString(tmp.resolve("v2.txt")));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("v2.txt"))));
    List<PasswordRecord> versions = ledger.passwords(UPN);
    assertFalse(versions.get(0).current());
    assertTrue(versions.get(1).current());
    // The old shares no longer hold the account's password: refused, nothing recorded.
    Head beforeOld = ledger.head().orElseThrow();
    PasswordException old = assertThrows(PasswordException.class,
        () -> custody.verify(UPN, Optional.empty(), shareFiles(v1.files()).subList(0, 2), "Bob"));
    assertEquals(PasswordException.Reason.REFUSED, old.reason());
    assertTrue(old.getMessage().startsWith("the shares are of version 1, which a newer version has superseded"));
    assertEquals(beforeOld, ledger.head().orElseThrow());
    // The typed current password verifies; a wrong one is recorded as a failed verification.
    custody.verify(UPN, Optional.of(set.get(0).clone()), List.of(), "Bob");
    PasswordException wrong = assertThrows(PasswordException.class,
        () -> custody.verify(UPN, Optional.of("not-it".toCharArray()), List.of(), "Bob"));
    assertEquals("the password given does not match version 2 of '" + UPN + "' (recorded as a failed verification)",
        wrong.getMessage());
  }

  @Test
  void refusals_writeNothing() throws Exception {
    Head before = ledger.head().orElseThrow();
    Destination toFile = new Destination(Optional.empty(), Optional.empty(), Optional.of(tmp.resolve("p.txt")), false);
    assertEquals(PasswordException.Reason.REFUSED, assertThrows(PasswordException.class,
        () -> custody.create(UPN, 64, toFile, true, Optional.empty(), "admin")).reason());
    CustodyException app = assertThrows(CustodyException.class, () -> custody.create(
        "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01", 64, toFile, false, Optional.empty(), "admin"));
    assertTrue(app.getMessage().contains("is an app; passwords are for break-glass user accounts"));
    PasswordDirectory failing = (identity, password) -> {
      throw new IllegalStateException("Graph said 403");
    };
    custody.create(UPN, 64, toFile, false, Optional.empty(), "admin");
    Head afterFirst = ledger.head().orElseThrow();
    // A file in the way (here a dangling link) stops everything before the ledger: nothing recorded.
    Files.createDirectories(tmp.resolve("rot"));
    Files.createSymbolicLink(tmp.resolve("rot").resolve("bg1_contoso.onmicrosoft.com-v2-share-2-of-3.txt"),
        tmp.resolve("nowhere"));
    Destination other = new Destination(Optional.of(new Layout(2, 3)), Optional.of(tmp.resolve("rot")),
        Optional.empty(), false);
    PasswordException link = assertThrows(PasswordException.class,
        () -> custody.create(UPN, 64, other, true, Optional.empty(), "admin"));
    assertEquals(PasswordException.Reason.EXISTS, link.reason());
    assertEquals(afterFirst, ledger.head().orElseThrow());
    try (Stream<Path> s = Files.list(tmp.resolve("rot"))) {
      assertEquals(1, s.count(), "only the link that was there: no share of an unrecorded password is left");
    }
    // A directory that refuses the new password: nothing recorded, its files removed, and the version
    // in force (1) stays current, so its shares still rebuild it: no lock-out.
    Destination third = new Destination(Optional.of(new Layout(2, 3)), Optional.of(tmp.resolve("rot2")),
        Optional.empty(), false);
    PasswordException dir = assertThrows(PasswordException.class,
        () -> custody.create(UPN, 64, third, true, Optional.of(failing), "admin"));
    assertEquals(PasswordException.Reason.DIRECTORY, dir.reason());
    assertEquals("setting version 2 in the directory failed (IllegalStateException); nothing was recorded and its"
        + " files were removed: the password in force is still the previous one (version 1)", dir.getMessage());
    assertEquals(1, ledger.currentPassword(UPN).version());
    assertEquals(afterFirst, ledger.head().orElseThrow());
    try (Stream<Path> s = Files.list(tmp.resolve("rot2"))) {
      assertEquals(0, s.count(), "no file of a password that is neither set nor recorded");
    }
    // The directory accepts the next attempt: recorded with the set.
    List<char[]> set = new ArrayList<>();
    custody.create(UPN, 64, third, true, Optional.of((identity, password) -> set.add(password.clone())), "admin");
    assertEquals(2, ledger.currentPassword(UPN).version());
    List<Path> kept;
    try (Stream<Path> s = Files.list(tmp.resolve("rot2"))) {
      kept = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
    }
    assertEquals(3, kept.size());
    custody.verify(UPN, Optional.empty(), kept.subList(0, 2), "Alice");
    assertTrue(ledger.passwordSetAt(UPN, 2).isPresent(), "the set is recorded");
    Head afterDirectory = ledger.head().orElseThrow();
    PasswordException exists = assertThrows(PasswordException.class,
        () -> custody.create(UPN, 64, toFile, true, Optional.empty(), "admin"));
    assertEquals(PasswordException.Reason.EXISTS, exists.reason());
    assertEquals(afterDirectory, ledger.head().orElseThrow());
    assertFalse(before.equals(afterFirst));
    assertThrows(IllegalArgumentException.class,
        () -> new Destination(Optional.empty(), Optional.empty(), Optional.empty(), false));
  }
}
