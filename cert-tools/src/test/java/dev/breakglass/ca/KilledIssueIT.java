package dev.breakglass.ca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.Ledger;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bg ca issue} killed with SIGKILL at many points: afterwards, and after the next CA
 * command's recovery, every certificate the ledger knows has its files, and no file exists for one
 * it does not know.
 */
class KilledIssueIT {
  @TempDir Path tmp;

  @Test
  void killedIssue_leavesNoUnrecordedCertificateAndLosesNoRecordedOne() throws Exception {
    Path home = tmp.resolve("home");
    try (Ledger l = Ledger.init(home, "admin", Clock.systemUTC())) {
      l.addIdentity(new Identity(IdentityKind.APP, CaFixture.APP, Optional.empty(), Optional.empty()), "admin");
      new CertificateAuthority(l, Clock.systemUTC(), new SecureRandom()).init(new CaInitRequest("Kill CA",
          KeyType.RSA_3072, Validity.parse("1y"), CaFixture.CA_PASS.clone(), "admin"));
    }
    Path out = tmp.resolve("out");
    int completed = 0;
    for (int round = 0; round < 10; round++) {
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
          System.getProperty("java.class.path"), CaWorker.class.getName(), "issue", home.toString(), out.toString())
          .redirectErrorStream(true).start();
      BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("started", r.readLine());
      if (round < 9) {
        Thread.sleep(250L * round); // from before the key is opened to around the ledger write and delivery
        p.destroyForcibly();
      } else {
        assertEquals("done", r.readLine(), "the last round runs to the end");
      }
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));

      // The next CA command recovers; a clock past the abandonment age lets it discard leftovers.
      Clock later = Clock.fixed(Instant.now().plus(Duration.ofMinutes(11)), ZoneOffset.UTC);
      try (Ledger l = Ledger.open(home, "admin", Clock.systemUTC())) {
        new CertificateAuthority(l, later, new SecureRandom()).recover();
        List<CertificateRecord> recorded = l.certificates();
        completed = recorded.size();
        Set<String> serials = new HashSet<>();
        for (CertificateRecord c : recorded) {
          serials.add(c.serial());
          for (String ext : List.of(".pem", ".cer", ".key.pem", ".pfx")) {
            assertTrue(Files.isRegularFile(out.resolve(c.serial() + ext)), "round " + round + ": " + c.serial() + ext);
          }
          new CertificateAuthority(l, Clock.systemUTC(), new SecureRandom()).certificateFile(c.serial());
        }
        if (Files.isDirectory(out)) {
          try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.toList()) {
              String serial = f.getFileName().toString().replaceFirst("\\..*$", "");
              assertTrue(serials.contains(serial), "round " + round + ": " + f + " belongs to no recorded certificate");
            }
          }
        }
        try (Stream<Path> staged = Files.list(home.resolve(Staging.DIR))) {
          assertEquals(List.of(), staged.toList(), "round " + round + ": staging left behind");
        }
        assertTrue(l.verify(Optional.empty()).ok());
      }
    }
    assertTrue(completed >= 1, "the last round issued a certificate");
  }
}
