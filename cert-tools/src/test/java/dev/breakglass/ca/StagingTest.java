package dev.breakglass.ca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an interrupted CA command leaves, and what the next one does with it. */
class StagingTest {
  @TempDir Path home;

  private Staging staged(String op, String id, Path target, String content) throws Exception {
    Staging s = Staging.begin(home, op, id);
    Files.writeString(s.stage("f", target), content);
    return s;
  }

  @Test
  void sealedAndRecorded_isDeliveredByTheNextCommand() throws Exception {
    Path target = home.resolve("out/A.pem");
    staged("certificate A", "certificate-A", target, "cert").seal();
    // ... the ledger recorded it, and the process died before delivering.
    Staging.recover(home, op -> op.equals("certificate A"), Instant.now());
    assertEquals("cert", Files.readString(target));
    assertFalse(Files.exists(home.resolve(".staging/certificate-A")));
  }

  @Test
  void sealedButNotRecorded_isDiscardedOnceAbandoned() throws Exception {
    Path target = home.resolve("out/B.pem");
    staged("certificate B", "certificate-B", target, "cert").seal();
    Staging.recover(home, op -> false, Instant.now());
    assertTrue(Files.exists(home.resolve(".staging/certificate-B")), "a command may still be about to record it");
    Staging.recover(home, op -> false, Instant.now().plus(Duration.ofMinutes(11)));
    assertFalse(Files.exists(home.resolve(".staging/certificate-B")));
    assertFalse(Files.exists(target), "never delivered");
  }

  @Test
  void neverSealed_isDiscardedOnceAbandoned() throws Exception {
    staged("certificate C", "certificate-C", home.resolve("out/C.pem"), "half");
    Staging.recover(home, op -> true, Instant.now().plus(Duration.ofMinutes(11)));
    assertFalse(Files.exists(home.resolve(".staging/certificate-C")));
    assertFalse(Files.exists(home.resolve("out/C.pem")));
  }

  @Test
  void deliver_neverReplacesAFileThatAppeared() throws Exception {
    Path target = home.resolve("out/D.pem");
    Staging s = staged("certificate D", "certificate-D", target, "recorded");
    s.seal();
    Files.createDirectories(target.getParent());
    Files.writeString(target, "someone else's");
    CaException e = assertThrows(CaException.class, s::deliver);
    assertTrue(e.getMessage().startsWith("recorded in the ledger, but " + target + " appeared meanwhile"),
        e.getMessage());
    assertEquals("someone else's", Files.readString(target));
    assertTrue(Files.exists(home.resolve(".staging/certificate-D/f")), "the recorded file is kept");
  }

  @Test
  void stage_refusesTwoFilesForOneTarget() throws Exception {
    Staging s = Staging.begin(home, "certificate E", "certificate-E");
    s.stage("a", home.resolve("x.pem"));
    assertThrows(CaException.class, () -> s.stage("b", home.resolve("x.pem")));
  }
}
