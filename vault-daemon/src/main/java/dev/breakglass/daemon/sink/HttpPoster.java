package dev.breakglass.daemon.sink;

import dev.breakglass.custody.PrintableText;
import dev.breakglass.daemon.DaemonException;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * POSTs one JSON body to a webhook URL with the JDK's client and says what came back. The whole
 * exchange (connect, TLS, request, answer) is bounded by the sink's timeout, the answer's body is
 * read only up to {@link #MAX_BODY} bytes, redirects are not followed (a redirect could carry the
 * alert elsewhere, or from https to http), and no message shows the URL's path or query: for
 * Teams and Slack those are the credential.
 */
final class HttpPoster {
  /** How much of an answer is kept: Slack's "ok" or an error word, not a page someone sends back. */
  static final int MAX_BODY = 4096;

  record Response(int status, String body) {
    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  private final String sinkName;
  private final String type;
  private final URI url;
  private final Duration timeout;
  private final HttpClient client;

  HttpPoster(String sinkName, String type, URI url, Duration timeout) {
    this.sinkName = sinkName;
    this.type = type;
    this.url = url;
    this.timeout = timeout;
    this.client = HttpClient.newBuilder()
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  /** {@code webhook https://host/…}: what {@link AlertSink#describe()} shows. */
  String describe() {
    return type + " " + redacted(url);
  }

  /** The URL without path, query or fragment: {@code https://host[:port]/…}. */
  static String redacted(URI u) {
    return u.getScheme().toLowerCase(Locale.ROOT) + "://" + u.getHost()
        + (u.getPort() >= 0 ? ":" + u.getPort() : "") + "/…";
  }

  DaemonException failure(String what) {
    return new DaemonException(DaemonException.Reason.DELIVERY,
        "sink '" + sinkName + "' (" + describe() + "): " + what);
  }

  /** Sends the body; returns whatever status came back, throws only when no answer came. */
  Response post(String json, Map<String, String> headers) throws DaemonException {
    HttpRequest.Builder b = HttpRequest.newBuilder(url)
        .timeout(timeout)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("User-Agent", "bg-vault-daemon")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    headers.forEach(b::header);
    CompletableFuture<HttpResponse<String>> f = client.sendAsync(b.build(), info -> new CappedBody());
    try {
      // The request timeout covers the wait for the answer's headers; this one the whole exchange.
      HttpResponse<String> r = f.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
      return new Response(r.statusCode(), r.body());
    } catch (TimeoutException e) {
      f.cancel(true);
      throw noAnswer();
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw failure("interrupted");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof HttpConnectTimeoutException) {
        throw failure("cannot connect within " + timeout.toSeconds() + " s");
      }
      if (c instanceof HttpTimeoutException) {
        throw noAnswer();
      }
      if (c instanceof ConnectException) {
        throw failure("cannot connect (" + detail(c) + ")");
      }
      if (c instanceof SSLException) {
        throw failure("TLS failed (" + detail(c) + ")");
      }
      throw failure("failed (" + detail(c) + ")");
    }
  }

  private DaemonException noAnswer() {
    return failure("no answer within " + timeout.toSeconds() + " s");
  }

  /** What an answer other than the expected one looked like, for the delivery error. */
  String unexpected(Response r) {
    String body = r.body().strip();
    return "receiver answered HTTP " + r.status() + (body.isEmpty() ? "" : ": " + scrub(body));
  }

  /**
   * The exception's class and message, one line, bounded; the URL's path and query cut out in case a
   * library quotes the request.
   */
  private String detail(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + scrub(m));
  }

  private String scrub(String text) {
    String s = text;
    String full = url.toString();
    s = s.replace(full, redacted(url));
    if (url.getRawPath() != null && url.getRawPath().length() > 1) {
      s = s.replace(url.getRawPath(), "/…");
    }
    if (url.getRawQuery() != null) {
      s = s.replace(url.getRawQuery(), "…");
    }
    s = PrintableText.replaceUnprintable(s.strip().lines().findFirst().orElse(""));
    return s.length() > 100 ? s.substring(0, 100) + "…" : s;
  }

  /** Keeps the first {@link #MAX_BODY} bytes of the answer and drains the rest. */
  private static final class CappedBody implements HttpResponse.BodySubscriber<String> {
    private final CompletableFuture<String> result = new CompletableFuture<>();
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

    @Override
    public CompletionStage<String> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer item : items) {
        int n = Math.min(MAX_BODY - kept.size(), item.remaining());
        if (n > 0) {
          byte[] chunk = new byte[n];
          item.get(chunk);
          kept.write(chunk, 0, n);
        }
      }
    }

    @Override
    public void onError(Throwable throwable) {
      result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      result.complete(kept.toString(StandardCharsets.UTF_8));
    }
  }
}
