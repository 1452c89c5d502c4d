package dev.breakglass.entra.graph;

import dev.breakglass.entra.Sleeper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Retries 429, 503 and 504 as Graph's throttling guidance asks: wait {@code Retry-After} (seconds or
 * an HTTP date) and send again; without the header (Conditional Access endpoints send none), back off
 * 2, 4, 8, 16 seconds. Gives up after {@link #MAX_ATTEMPTS} attempts, when Graph asks for a wait
 * longer than {@link #MAX_WAIT}, or when the waits would pass {@link #BUDGET}; the last answer then
 * goes up with headers saying how many attempts were made and how long was waited.
 *
 * <p>It replaces Kiota's {@code RetryHandler}, which does the same but sleeps with {@code
 * Thread.sleep} and so cannot be tested without waiting.
 */
final class RetryInterceptor implements Interceptor {
  static final int MAX_ATTEMPTS = 5;
  static final Duration MAX_WAIT = Duration.ofSeconds(60);
  static final Duration BUDGET = Duration.ofMinutes(2);
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(2);
  static final String ATTEMPTS = "X-BreakGlass-Attempts";
  static final String WAITED = "X-BreakGlass-Waited-Ms";

  private final Sleeper sleeper;
  private final Clock clock;

  RetryInterceptor(Sleeper sleeper, Clock clock) {
    this.sleeper = sleeper;
    this.clock = clock;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    Response response = chain.proceed(request);
    int attempts = 1;
    Duration waited = Duration.ZERO;
    while (retryable(response.code()) && attempts < MAX_ATTEMPTS && TokenInterceptor.replayable(request)) {
      Duration wait = delay(response, attempts);
      if (wait.compareTo(MAX_WAIT) > 0 || waited.plus(wait).compareTo(BUDGET) > 0) {
        break;
      }
      response.close();
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting to retry " + request.method() + " "
            + request.url().encodedPath());
      }
      waited = waited.plus(wait);
      response = chain.proceed(request.newBuilder().header("Retry-Attempt", Integer.toString(attempts)).build());
      attempts++;
    }
    if (!retryable(response.code())) {
      return response;
    }
    return response.newBuilder().header(ATTEMPTS, Integer.toString(attempts))
        .header(WAITED, Long.toString(waited.toMillis())).build();
  }

  static boolean retryable(int code) {
    return code == 429 || code == 503 || code == 504;
  }

  private Duration delay(Response response, int attempts) {
    String header = response.header("Retry-After");
    if (header != null) {
      String h = header.strip();
      try {
        long seconds = Long.parseLong(h);
        if (seconds >= 0) {
          return Duration.ofSeconds(seconds);
        }
      } catch (NumberFormatException notSeconds) {
        try {
          Instant at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
          Duration d = Duration.between(clock.instant(), at);
          return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException notADate) {
          // Neither form: fall back to backing off.
        }
      }
    }
    return FIRST_BACKOFF.multipliedBy(1L << Math.min(attempts - 1, 10));
  }
}
