package dev.breakglass.ca;

import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.TestClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A home with the ledger fixture, an app identity and a CA (rsa-3072, 10 years), made once per JVM
 * and copied for each test, because key generation and key encryption take seconds.
 */
final class CaFixture {
  static final String APP = "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01";
  static final String USER = "bg1@contoso.onmicrosoft.com";
  static final char[] CA_PASS = "correct horse battery staple".toCharArray();
  static final char[] PFX_PASS = "pfx-password-1".toCharArray();

  private static Path template;

  private CaFixture() {}

  static synchronized Path newHome(Path dir) throws Exception {
    if (template == null) {
      Path t = Files.createTempDirectory("bg-ca-template-");
      Path home = t.resolve("home");
      try (Ledger l = Ledger.init(home, "admin", new TestClock(Fixture.START))) {
        Fixture.populate(l);
        l.addIdentity(new Identity(IdentityKind.APP, APP, Optional.empty(), Optional.of("Break-glass app")), "admin");
        new CertificateAuthority(l, new TestClock(Fixture.START), new SecureRandom())
            .init(new CaInitRequest("Contoso break-glass CA", KeyType.RSA_3072, Validity.parse("10y"),
                CA_PASS.clone(), "admin"));
      }
      template = home;
    }
    Path home = dir.resolve("home");
    copy(template, home);
    return home;
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      all.forEach(p -> {
        try {
          Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
