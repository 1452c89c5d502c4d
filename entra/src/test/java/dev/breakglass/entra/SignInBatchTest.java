package dev.breakglass.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The two values a read of the sign-in log gives, and what they promise. */
class SignInBatchTest {
  static final Instant T = Instant.parse("2026-11-20T10:00:00Z");

  static SignInRecord at(String id, Instant t) {
    return new SignInRecord(id, t, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0, Optional.empty(), Optional.empty(),
        List.of(), false);
  }

  @Test
  void batch_isImmutable_oldestFirst_uniqueById() {
    List<SignInRecord> list = new ArrayList<>(List.of(at("a", T), at("b", T), at("c", T.plusSeconds(1))));
    SignInBatch b = new SignInBatch(list, List.of());
    list.clear();
    assertEquals(3, b.signIns().size());
    assertThrows(UnsupportedOperationException.class, () -> b.signIns().clear());

    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> new SignInBatch(List.of(at("a", T), at("a", T.plusSeconds(1))), List.of()));
    assertEquals("sign-in a is in the batch twice", twice.getMessage());
    IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
        () -> new SignInBatch(List.of(at("b", T.plusSeconds(1)), at("a", T)), List.of()));
    assertEquals("sign-ins must be oldest first, but a (2026-11-20T10:00:00Z) follows b (2026-11-20T10:00:01Z)",
        order.getMessage());
  }

  @Test
  void skipped_problemIsOneShortPrintableLine() {
    SkippedSignIn s = new SkippedSignIn(Optional.of("x"), Optional.empty(), " bad\r\nthing\u0007\u200f ");
    assertEquals("bad??thing??", s.problem());
    String longer = new SkippedSignIn(Optional.empty(), Optional.empty(), "y".repeat(500)).problem();
    assertEquals(SkippedSignIn.MAX_PROBLEM, longer.length());
    assertEquals("y".repeat(199) + "…", longer);
    assertEquals("😀".repeat(99) + "…", new SkippedSignIn(Optional.empty(), Optional.empty(), "😀".repeat(150))
        .problem(), "a character is not cut in half");
  }

  @Test
  void skipped_needsAProblem_andAPrintableId() {
    assertThrows(IllegalArgumentException.class, () -> new SkippedSignIn(Optional.empty(), Optional.empty(), " "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SkippedSignIn(Optional.of("a\u001b[2Jb"), Optional.empty(), "no date"));
    assertEquals("a skipped sign-in's id must be 1 to 200 printable characters, got 'a?[2Jb'", e.getMessage());
  }
}
