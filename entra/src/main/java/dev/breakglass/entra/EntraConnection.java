package dev.breakglass.entra;

import com.microsoft.graph.serviceclient.GraphServiceClient;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.entra.graph.GraphDirectory;
import dev.breakglass.entra.graph.GraphHttp;
import dev.breakglass.entra.graph.GraphSignIns;
import dev.breakglass.entra.graph.TokenSource;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import okhttp3.OkHttpClient;

/**
 * A connection to one tenant through Microsoft Graph: the entry point of this module.
 *
 * <pre>{@code
 * try (EntraConnection entra = EntraConnection.open(settings, Clock.systemUTC())) {
 *   entra.warnings().forEach(w -> err.println("bg: warning: " + w));
 *   Optional<DirectoryUser> u = entra.directory().user("bg1@contoso.onmicrosoft.com");
 * }
 * }</pre>
 *
 * <p>Opening loads the credential (every file is read and checked now) but makes no request; the
 * first request signs in. Nothing is printed: warnings are returned and a device-code instruction
 * goes to the settings' prompt.
 */
public final class EntraConnection implements AutoCloseable {
  private final OkHttpClient http;
  private final List<String> warnings;
  private final GraphDirectory directory;
  private final GraphSignIns signIns;

  private EntraConnection(OkHttpClient http, URI graphUrl, List<String> warnings) {
    this.http = http;
    GraphServiceClient client = GraphHttp.client(http, graphUrl);
    this.warnings = List.copyOf(warnings);
    this.directory = new GraphDirectory(client);
    this.signIns = new GraphSignIns(client);
  }

  /**
   * Opens a connection, waiting out throttling with {@link Sleeper#SYSTEM}.
   *
   * @param clock decides when tokens and certificates expire
   * @throws DirectoryException CONFIG when a credential file is missing or unusable (the message
   *     names the file and what to do); UNAUTHENTICATED when an access-token file's token expired
   */
  public static EntraConnection open(EntraSettings settings, Clock clock) throws DirectoryException {
    return open(settings, clock, Sleeper.SYSTEM);
  }

  /** As {@link #open(EntraSettings, Clock)}, with the waits between retries done by {@code sleeper}. */
  public static EntraConnection open(EntraSettings settings, Clock clock, Sleeper sleeper) throws DirectoryException {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(clock, "clock");
    Credentials.Loaded loaded = Credentials.load(settings, clock);
    return new EntraConnection(GraphHttp.httpClient(settings.graphUrl(), loaded.tokens(), sleeper, clock),
        settings.graphUrl(), loaded.warnings());
  }

  /**
   * A connection with tokens from {@code tokens}: for callers that get tokens their own way, and for
   * tests.
   *
   * @param graphUrl the Graph root without version (https, or http for localhost)
   */
  public static EntraConnection withTokens(URI graphUrl, TokenSource tokens, Clock clock, Sleeper sleeper) {
    URI checked = EntraSettings.checkGraphUrl(Objects.requireNonNull(graphUrl, "graphUrl"));
    return new EntraConnection(GraphHttp.httpClient(checked, tokens, sleeper, clock), checked, List.of());
  }

  /** Users, domains, Conditional Access, groups, roles, methods, apps; password and certificate writes. */
  public GraphDirectory directory() {
    return directory;
  }

  /** The sign-in log (beta endpoint). */
  public SignInSource signIns() {
    return signIns;
  }

  /**
   * What the caller should show but that does not stop it: a client secret in use, a certificate or
   * token about to expire.
   */
  public List<String> warnings() {
    return warnings;
  }

  /** Frees the HTTP connections (a daemon that reconnects should close the old connection). */
  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
