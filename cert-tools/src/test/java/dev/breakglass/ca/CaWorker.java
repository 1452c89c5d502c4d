package dev.breakglass.ca;

import dev.breakglass.custody.ledger.Ledger;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;

/** {@code issue HOME OUT}: issues one certificate in a separate process, for the kill test. */
public final class CaWorker {
  private CaWorker() {}

  public static void main(String[] args) throws Exception {
    Path home = Path.of(args[1]);
    System.out.println("started");
    System.out.flush();
    try (Ledger l = Ledger.open(home, "worker", Clock.systemUTC())) {
      new CertificateAuthority(l, Clock.systemUTC(), new SecureRandom()).issue(new IssueRequest(CaFixture.APP,
          "Killed app", KeyType.RSA_2048, Validity.parse("30d"), Optional.of(Path.of(args[2])),
          CaFixture.CA_PASS.clone(), CaFixture.PFX_PASS.clone(), "worker"));
    }
    System.out.println("done");
  }
}
