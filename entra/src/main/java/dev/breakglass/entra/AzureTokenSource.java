package dev.breakglass.entra;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import dev.breakglass.entra.graph.TokenSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Tokens from an azure-identity credential, cached until two minutes before they expire by the
 * given clock.
 *
 * <p>Renewing after a 401: azure-identity (MSAL) keeps handing out its cached token until it
 * expires by the local clock, and offers no way to skip its cache except a claims challenge. So a
 * renewal builds a new credential from {@code factory} (a new, empty MSAL cache: the certificate or
 * secret is used afresh) and asks it. A device-code sign-in keeps its credential (a new one would
 * prompt the admin again); its renewal asks it again and, if it hands back the refused token, the 401
 * stands.
 */
final class AzureTokenSource implements TokenSource {
  static final Duration EARLY = Duration.ofMinutes(2);

  private final Supplier<TokenCredential> factory;
  private final boolean rebuildOnRenew;
  private final String scope;
  private final Clock clock;
  private final String describe;
  private TokenCredential credential;
  private AccessToken cached;

  /**
   * @param describe names the credential in messages, e.g. "the certificate /h/monitor.pem of client
   *     X in tenant Y"
   */
  AzureTokenSource(Supplier<TokenCredential> factory, boolean rebuildOnRenew, String scope, Clock clock,
      String describe) {
    this.factory = factory;
    this.rebuildOnRenew = rebuildOnRenew;
    this.scope = scope;
    this.clock = clock;
    this.describe = describe;
    this.credential = factory.get();
  }

  @Override
  public synchronized String token() throws DirectoryException {
    if (cached == null || !clock.instant().isBefore(cached.getExpiresAt().toInstant().minus(EARLY))) {
      cached = fetch(credential);
    }
    return cached.getToken();
  }

  @Override
  public synchronized Optional<String> renew(String refused) throws DirectoryException {
    if (rebuildOnRenew) {
      credential = factory.get();
    }
    cached = null;
    AccessToken fresh = fetch(credential);
    cached = fresh;
    return fresh.getToken().equals(refused) ? Optional.empty() : Optional.of(fresh.getToken());
  }

  private AccessToken fetch(TokenCredential c) throws DirectoryException {
    AccessToken t;
    try {
      t = c.getTokenSync(new TokenRequestContext().addScopes(scope));
    } catch (RuntimeException e) {
      if (network(e)) {
        throw new DirectoryException(Reason.IO, "cannot reach Entra ID to sign in with " + describe + " ("
            + firstLine(e) + "): check the network", e);
      }
      throw new DirectoryException(Reason.UNAUTHENTICATED, "could not get a token from Entra ID with " + describe
          + " (" + firstLine(e) + ")", e);
    }
    if (t == null || t.getToken() == null || t.getToken().isEmpty() || t.getExpiresAt() == null) {
      throw new DirectoryException(Reason.UNAUTHENTICATED, "Entra ID gave no token for " + describe);
    }
    Instant now = clock.instant();
    if (!now.isBefore(t.getExpiresAt().toInstant())) {
      throw new DirectoryException(Reason.UNAUTHENTICATED, "Entra ID gave an expired token for " + describe
          + " (expired " + t.getExpiresAt().toInstant() + ", now " + now + "): check this machine's clock");
    }
    return t;
  }

  private static boolean network(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
          || t instanceof java.net.SocketTimeoutException || t instanceof java.net.NoRouteToHostException) {
        return true;
      }
    }
    return false;
  }

  /**
   * What an operator needs from azure-identity's and MSAL's nested exceptions: Entra ID's own
   * {@code AADSTS…} line when there is one (e.g. "AADSTS700027: Client assertion contains an invalid
   * signature"), else the innermost exception.
   */
  static String firstLine(Throwable e) {
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && m.contains("AADSTS")) {
        return clean(m.substring(m.indexOf("AADSTS")).lines().findFirst().orElse(""));
      }
      root = t;
    }
    String m = root.getMessage();
    return clean(root.getClass().getSimpleName() + (m == null || m.isBlank() ? ""
        : ": " + m.strip().lines().findFirst().orElse("")));
  }

  private static String clean(String line) {
    String l = line.replaceAll("\\p{Cntrl}", " ").strip();
    return l.length() > 240 ? l.substring(0, 240) + "…" : l;
  }

  @Override
  public String toString() {
    return "AzureTokenSource[" + Objects.toString(describe) + "]";
  }
}
