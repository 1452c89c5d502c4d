package dev.breakglass.entra.graph;

import dev.breakglass.custody.directory.DirectoryException;
import java.io.IOException;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Puts the bearer token on every request to the configured Graph origin and on no other (a next
 * link or a redirect elsewhere gets none). When Graph answers 401, asks the token source for a new
 * token and sends the request once more: azure-identity would keep handing out its cached token
 * until that expires by the local clock, and a skewed clock or a revoked token would otherwise fail
 * every call until then.
 *
 * <p>It replaces Kiota's own authentication (the request adapter gets an anonymous provider), which
 * sends tokens to Graph's public hosts only and cannot renew one Graph has refused.
 */
final class TokenInterceptor implements Interceptor {
  private final TokenSource tokens;
  private final HttpUrl origin;

  TokenInterceptor(TokenSource tokens, HttpUrl origin) {
    this.tokens = tokens;
    this.origin = origin;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request().newBuilder().removeHeader("Authorization").build();
    if (!sameOrigin(request.url())) {
      return chain.proceed(request);
    }
    String token = token();
    Response response = chain.proceed(bearer(request, token));
    if (response.code() != 401 || !replayable(request)) {
      return response;
    }
    Optional<String> fresh = renew(token);
    if (fresh.isEmpty() || fresh.get().equals(token)) {
      return response;
    }
    response.close();
    return chain.proceed(bearer(request, fresh.get()));
  }

  private boolean sameOrigin(HttpUrl url) {
    return url.scheme().equals(origin.scheme()) && url.host().equals(origin.host()) && url.port() == origin.port();
  }

  private String token() throws IOException {
    try {
      return tokens.token();
    } catch (DirectoryException e) {
      throw new TokenUnavailable(e);
    }
  }

  private Optional<String> renew(String refused) throws IOException {
    try {
      return tokens.renew(refused);
    } catch (DirectoryException e) {
      throw new TokenUnavailable(e);
    }
  }

  private static Request bearer(Request request, String token) {
    return request.newBuilder().header("Authorization", "Bearer " + token).build();
  }

  static boolean replayable(Request request) {
    RequestBody body = request.body();
    return body == null || !body.isOneShot();
  }

  /** Carries the token source's failure through OkHttp and Kiota, which only pass IOExceptions on. */
  static final class TokenUnavailable extends IOException {
    private static final long serialVersionUID = 1L;

    TokenUnavailable(DirectoryException cause) {
      super(cause.getMessage(), cause);
    }

    DirectoryException directoryException() {
      return (DirectoryException) getCause();
    }
  }
}
