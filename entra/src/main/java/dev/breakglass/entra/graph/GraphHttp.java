package dev.breakglass.entra.graph;

import com.microsoft.graph.core.requests.GraphClientFactory;
import com.microsoft.graph.core.requests.options.GraphClientOption;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.kiota.authentication.AnonymousAuthenticationProvider;
import com.microsoft.kiota.http.middleware.RetryHandler;
import dev.breakglass.entra.Sleeper;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;

/**
 * Builds the {@link GraphServiceClient} the adapter uses: Graph's default middleware (user agent,
 * telemetry header, redirects) without Kiota's retry handler, then, innermost last, error bodies
 * made readable, throttling retried with the injected {@link Sleeper}, and the bearer token put on
 * (and renewed after a 401) for the configured Graph origin only.
 */
public final class GraphHttp {
  private GraphHttp() {}

  /**
   * The HTTP client for Graph at {@code graphUrl} (a root without version, already checked by
   * {@code EntraSettings}).
   */
  public static OkHttpClient httpClient(URI graphUrl, TokenSource tokens, Sleeper sleeper, Clock clock) {
    Objects.requireNonNull(tokens, "tokens");
    HttpUrl origin = Objects.requireNonNull(HttpUrl.get(graphUrl.toString()), "graphUrl");
    GraphClientOption option = new GraphClientOption();
    List<Interceptor> chain = new ArrayList<>();
    for (Interceptor i : GraphClientFactory.createDefaultGraphInterceptors(option)) {
      if (!(i instanceof RetryHandler)) {
        chain.add(i);
      }
    }
    chain.add(new ErrorBodyInterceptor());
    chain.add(new RetryInterceptor(Objects.requireNonNull(sleeper, "sleeper"), Objects.requireNonNull(clock, "clock")));
    chain.add(new TokenInterceptor(tokens, origin));
    return GraphClientFactory.create(option, chain)
        .connectTimeout(Duration.ofSeconds(30))
        .readTimeout(Duration.ofSeconds(100))
        // Retries wait inside the call; the retry budget bounds it, not a call timeout.
        .callTimeout(Duration.ZERO)
        .build();
  }

  /** The Graph v1.0 client over {@code http}. */
  public static GraphServiceClient client(OkHttpClient http, URI graphUrl) {
    GraphServiceClient client = new GraphServiceClient(new AnonymousAuthenticationProvider(), http);
    client.getRequestAdapter().setBaseUrl(graphUrl.toString() + "/v1.0");
    return client;
  }
}
