package dev.breakglass.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryUser;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.entra.EntraSettings.Auth;
import dev.breakglass.entra.GraphTestServer.Fault;
import dev.breakglass.entra.GraphTestServer.Recorded;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An access-token file, end to end: what Graph receives, expiry while running, renewal after a 401. */
class EntraConnectionIT {
  static final Instant NOW = EntraConnectionTest.NOW;

  @TempDir
  Path dir;
  TestClock clock = new TestClock(NOW);
  GraphTestServer server;

  @BeforeEach
  void start() throws Exception {
    server = GraphTestServer.start(GraphTestServer.CONTOSO);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  EntraSettings settings(Path tokenFile) {
    return new EntraSettings(Optional.empty(), Optional.empty(), server.url(), new Auth.AccessToken(tokenFile));
  }

  Path write(String name, String content) {
    return TestCertificates.writePrivate(dir.resolve(name), content.getBytes(StandardCharsets.UTF_8));
  }

  /** The README's usage example, as written there (with the test server's URL). */
  @Test
  void readmeExample() throws Exception {
    Path tokenFile = write("token.json", "{\"accessToken\": \"" + GraphTestServer.fakeJwt(NOW.plusSeconds(3600))
        + "\", \"expires_on\": " + NOW.plusSeconds(3600).getEpochSecond() + "}");
    URI graph = server.url();
    Clock clock = this.clock;
    List<String> lines = new java.util.ArrayList<>();

    EntraSettings settings = new EntraSettings(Optional.empty(), Optional.empty(), graph,
        new EntraSettings.Auth.AccessToken(tokenFile));
    try (EntraConnection entra = EntraConnection.open(settings, clock)) {
      entra.warnings().forEach(w -> lines.add("bg: warning: " + w));
      DirectoryUser bg1 = entra.directory().user("bg1@contoso.onmicrosoft.com").orElseThrow();
      SignInBatch batch = entra.signIns().signIns(Set.of(bg1.id()), Set.of(),
          Instant.parse("2026-11-20T00:00:00Z"), Instant.parse("2026-11-21T00:00:00Z"));
      batch.signIns().forEach(s -> lines.add(s.createdDateTime() + " " + s.userPrincipalName().orElse("?") + " "
          + (s.succeeded() ? "ok" : "failed " + s.errorCode()) + " " + s.city().orElse("") + " "
          + s.countryOrRegion().orElse("")));
      batch.skipped().forEach(k -> lines.add("unreadable sign-in " + k.id().orElse("without id") + ": " + k.problem()));
    }

    assertEquals(List.of("2026-11-20T09:00:00Z bg1@contoso.onmicrosoft.com failed 50126 Lagos NG",
        "2026-11-20T10:00:00Z bg1@contoso.onmicrosoft.com ok London GB",
        "2026-11-20T10:05:00Z bg1@contoso.onmicrosoft.com ok London GB"), lines);
  }

  @Test
  void rawJwt_isSentAsTheBearerToken() throws Exception {
    String jwt = EntraConnectionTest.jwt("https://graph.microsoft.com", NOW.plus(Duration.ofHours(1)));
    try (EntraConnection c = EntraConnection.open(settings(write("token", jwt + "\n")), clock)) {
      assertEquals(2, c.directory().domains().size());
    }
    assertEquals(Optional.of("Bearer " + jwt), server.requests().get(0).authorization());
  }

  @Test
  void azJson_accessTokenIsSent() throws Exception {
    Path file = write("token.json", "{\n  \"accessToken\": \"eyJ0eXAi.opaque.sig\",\n  \"expiresOn\": \"2026-11-25"
        + " 13:00:00.000000\",\n  \"expires_on\": " + NOW.plusSeconds(3600).getEpochSecond() + ",\n  \"subscription\":"
        + " \"0000\",\n  \"tenant\": \"84f6c0b1-6d5e-4a0f-9a36-2f5b0d9e7c11\",\n  \"tokenType\": \"Bearer\"\n}\n");
    try (EntraConnection c = EntraConnection.open(settings(file), clock)) {
      c.directory().domains();
    }
    assertEquals(Optional.of("eyJ0eXAi.opaque.sig"), server.requests().get(0).bearer());
  }

  @Test
  void tokenExpiringWhileRunning_isReportedBeforeGraphSeesIt() throws Exception {
    Path file = write("token", EntraConnectionTest.jwt("https://graph.microsoft.com", NOW.plus(Duration.ofMinutes(30))));
    try (EntraConnection c = EntraConnection.open(settings(file), clock)) {
      c.directory().domains();
      clock.advance(Duration.ofMinutes(31));
      DirectoryException e = assertThrows(DirectoryException.class, () -> c.directory().domains());
      assertEquals(Reason.UNAUTHENTICATED, e.reason());
      assertEquals("the access token in " + file + " expired at 2026-11-25T12:30:00Z: get a new one with '(umask 077;"
          + " az account get-access-token --resource https://graph.microsoft.com > " + file + ")'", e.getMessage());
      assertEquals(1, server.requests().size(), "the expired token was not sent");

      String fresh = EntraConnectionTest.jwt("https://graph.microsoft.com", NOW.plus(Duration.ofHours(2)));
      write("token", fresh);
      c.directory().domains();
      assertEquals(Optional.of(fresh), server.requests().get(1).bearer(), "the refreshed file is read again");
    }
  }

  @Test
  void refusedToken_fileRefreshed_requestSentAgainWithTheNewToken() throws Exception {
    String first = EntraConnectionTest.jwt("https://graph.microsoft.com", NOW.plus(Duration.ofHours(1)));
    String second = EntraConnectionTest.jwt("https://graph.microsoft.com", NOW.plus(Duration.ofHours(2)));
    Path file = write("token", first);
    try (EntraConnection c = EntraConnection.open(settings(file), clock)) {
      write("token", second); // an admin refreshes the file; the connection still holds the first token
      server.fault("GET", "users/", Fault.expiredToken());
      c.directory().user("bg1@contoso.onmicrosoft.com").orElseThrow();
    }
    List<Recorded> sent = server.requests();
    assertEquals(List.of(Optional.of(first), Optional.of(second)), sent.stream().map(Recorded::bearer).toList());
  }

  @Test
  void refusedToken_fileUnchanged_isUnauthenticated() throws Exception {
    Path file = write("token", EntraConnectionTest.jwt("https://graph.microsoft.com", NOW.plus(Duration.ofHours(1))));
    try (EntraConnection c = EntraConnection.open(settings(file), clock)) {
      server.fault("GET", "domains", Fault.expiredToken());
      DirectoryException e = assertThrows(DirectoryException.class, () -> c.directory().domains());
      assertEquals(Reason.UNAUTHENTICATED, e.reason());
      assertEquals(1, server.requests().size(), "not sent again with the same token");
    }
  }
}
