package dev.breakglass.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import dev.breakglass.custody.ledger.TestClock;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** Caching and renewal over azure-identity credentials, with credentials that count their calls. */
class AzureTokenSourceTest {
  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  final TestClock clock = new TestClock(NOW);
  final List<String> built = new ArrayList<>();
  final List<String> asked = new ArrayList<>();

  /** Each credential built hands out "credN-tokenM", valid for an hour from the clock's now. */
  Supplier<TokenCredential> factory() {
    return () -> {
      String name = "cred" + (built.size() + 1);
      built.add(name);
      return new TokenCredential() {
        int n;

        @Override
        public Mono<AccessToken> getToken(TokenRequestContext c) {
          return Mono.fromSupplier(() -> getTokenSync(c));
        }

        @Override
        public AccessToken getTokenSync(TokenRequestContext c) {
          asked.add(String.join(" ", c.getScopes()));
          // Like MSAL: the same cached token for as long as it is valid.
          return new AccessToken(name + "-token" + (n == 0 ? ++n : n),
              NOW.plus(Duration.ofHours(1)).atOffset(ZoneOffset.UTC));
        }
      };
    };
  }

  AzureTokenSource source(boolean rebuild) {
    return new AzureTokenSource(factory(), rebuild, "https://graph.microsoft.com/.default", clock, "the test credential");
  }

  @Test
  void token_isCachedUntilTwoMinutesBeforeExpiry() throws Exception {
    AzureTokenSource s = source(true);
    assertEquals("cred1-token1", s.token());
    assertEquals("cred1-token1", s.token());
    assertEquals(List.of("https://graph.microsoft.com/.default"), asked);
    clock.advance(Duration.ofMinutes(58).plusSeconds(1));
    s.token();
    assertEquals(2, asked.size(), "asked again inside the last two minutes");
  }

  @Test
  void renew_buildsAFreshCredential_whoseCacheIsEmpty() throws Exception {
    AzureTokenSource s = source(true);
    String first = s.token();
    assertEquals(Optional.of("cred2-token1"), s.renew(first));
    assertEquals("cred2-token1", s.token());
    assertEquals(List.of("cred1", "cred2"), built);
  }

  @Test
  void renew_withoutRebuilding_givesUpWhenTheSameTokenComesBack() throws Exception {
    AzureTokenSource s = source(false);
    assertEquals(Optional.empty(), s.renew(s.token()), "device code: no second prompt; the 401 stands");
    assertEquals(List.of("cred1"), built);
  }

  @Test
  void signInFailures_showEntraIdsLine_networkFailuresAreIo() {
    Supplier<TokenCredential> refused = () -> c -> Mono.error(new ClientAuthenticationException(
        "java.util.concurrent.ExecutionException: com.microsoft.aad.msal4j.MsalServiceException: AADSTS700027: Client"
            + " assertion contains an invalid signature. [Reason - The key was not found.]\nTrace ID: 1\nCorrelation ID: 2",
        null, new ExecutionException(new RuntimeException("AADSTS700027: Client assertion contains an invalid"
            + " signature. [Reason - The key was not found.]\nTrace ID: 1"))));
    DirectoryException e = assertThrows(DirectoryException.class, () -> new AzureTokenSource(refused, true,
        "s", clock, "the certificate /h/monitor.pem of client C in tenant T").token());
    assertEquals(Reason.UNAUTHENTICATED, e.reason());
    assertEquals("could not get a token from Entra ID with the certificate /h/monitor.pem of client C in tenant T"
        + " (AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found.])",
        e.getMessage());

    Supplier<TokenCredential> offline = () -> c -> Mono.error(new RuntimeException(new ExecutionException(
        new RuntimeException(new ConnectException("Connection refused")))));
    e = assertThrows(DirectoryException.class, () -> new AzureTokenSource(offline, true, "s", clock,
        "the managed identity X").token());
    assertEquals(Reason.IO, e.reason());
    assertEquals("cannot reach Entra ID to sign in with the managed identity X (ConnectException: Connection refused):"
        + " check the network", e.getMessage());
  }
}
