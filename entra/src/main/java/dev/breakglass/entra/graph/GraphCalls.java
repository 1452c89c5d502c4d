package dev.breakglass.entra.graph;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.microsoft.graph.models.odataerrors.MainError;
import com.microsoft.graph.models.odataerrors.ODataError;
import com.microsoft.kiota.ApiException;
import com.microsoft.kiota.ResponseHeaders;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Every Graph call goes through here: SDK exceptions become {@link DirectoryException}s with one
 * line for an operator, and lists are read to their last page.
 */
final class GraphCalls {
  static final String NON_PREMIUM = "Authentication_RequestFromNonPremiumTenantOrB2CTenant";
  /** Guards against a next link that never ends (a looping server). */
  static final int MAX_PAGES = 10_000;

  private GraphCalls() {}

  /**
   * One call as an operator would name it.
   *
   * @param request e.g. {@code GET /users/bg1@contoso.onmicrosoft.com}
   * @param permission what the app needs for it, named in a 403's message
   */
  record Op(String request, String permission) {}

  /** A call that returns a value; a null answer (no body) is a bad response. */
  static <T> T call(Op op, Supplier<T> call) throws DirectoryException {
    T value;
    try {
      value = call.get();
    } catch (RuntimeException e) {
      throw map(op, e);
    }
    if (value == null) {
      throw new DirectoryException(Reason.BAD_RESPONSE, "Microsoft Graph answered " + op.request()
          + " with no readable body: try again; if it persists, check for a proxy altering the traffic");
    }
    return value;
  }

  /** A call answered by 204 No Content. */
  static void run(Op op, Runnable call) throws DirectoryException {
    try {
      call.run();
    } catch (RuntimeException e) {
      throw map(op, e);
    }
  }

  /**
   * Every item of a paged list: follows {@code @odata.nextLink} until there is none.
   *
   * @param next fetches a next link (an absolute URL) with the same request builder
   */
  static <R, T> List<T> all(Op op, Supplier<R> first, Function<String, R> next, Function<R, List<T>> items,
      Function<R, String> nextLink) throws DirectoryException {
    List<T> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    R page = call(op, first);
    for (int pages = 1; ; pages++) {
      List<T> value = items.apply(page);
      if (value == null) {
        throw new DirectoryException(Reason.BAD_RESPONSE, "Microsoft Graph answered " + op.request()
            + " without a 'value' list: try again; if it persists, check for a proxy altering the traffic");
      }
      out.addAll(value);
      String link = nextLink.apply(page);
      if (link == null || link.isBlank()) {
        return out;
      }
      if (!seen.add(link) || pages >= MAX_PAGES) {
        throw new DirectoryException(Reason.BAD_RESPONSE, "Microsoft Graph's pages of " + op.request()
            + " do not end (next link repeats or more than " + MAX_PAGES + " pages)");
      }
      page = call(op, () -> next.apply(link));
    }
  }

  static DirectoryException map(Op op, RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TokenInterceptor.TokenUnavailable u) {
        return u.directoryException();
      }
    }
    if (e instanceof ApiException api && api.getResponseStatusCode() > 0) {
      return fromStatus(op, api);
    }
    if (!fromJsonParser(e)) {
      IOException io = ioCause(e);
      if (io != null) {
        return fromIo(op, io);
      }
    }
    // Anything else the SDK throws while reading an answer: Gson's syntax errors (malformed or
    // truncated JSON), a date or number it cannot parse, a content type it has no parser for.
    return new DirectoryException(Reason.BAD_RESPONSE, "cannot read Microsoft Graph's answer to " + op.request()
        + " (" + describe(e) + "): try again; if it persists, check for a proxy altering the traffic", e);
  }

  /**
   * Gson (Kiota's parser) and Jackson (the sign-in pages, read raw) report a truncated or malformed
   * body as an IOException (EOFException, MalformedJsonException, JsonParseException): that is a bad
   * answer, not a network failure.
   */
  private static boolean fromJsonParser(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getClass().getName().startsWith("com.google.gson.") || t instanceof JsonProcessingException) {
        return true;
      }
    }
    return false;
  }

  private static DirectoryException fromStatus(Op op, ApiException api) {
    int status = api.getResponseStatusCode();
    String code = "";
    String message = "";
    if (api instanceof ODataError o && o.getError() != null) {
      MainError m = o.getError();
      code = m.getCode() == null ? "" : m.getCode();
      message = m.getMessage() == null ? "" : m.getMessage();
    }
    String graph = "(" + status + (code.isEmpty() ? "" : " " + oneLine(code, 80))
        + (message.isEmpty() ? "" : ": " + oneLine(message, 200)) + ")";
    if (status == 401) {
      return new DirectoryException(Reason.UNAUTHENTICATED, "the token was refused by Microsoft Graph for "
          + op.request() + " " + graph + ": check entra.tenant-id, entra.client-id and the credential in bg.conf,"
          + " or get a new access token", api);
    }
    if (code.equals(NON_PREMIUM)) {
      // Graph answers this for any read that needs premium, not only the sign-in log: name the read.
      boolean signIns = op.request().contains("/auditLogs/signIns");
      return new DirectoryException(Reason.LICENCE, (signIns ? "sign-in logs need" : op.request() + " needs")
          + " Entra ID P1 or P2, which the tenant does not have " + graph
          + (signIns ? "; with Entra ID Free, watch sign-ins in the portal or a SIEM instead" : ""), api);
    }
    if (status == 403) {
      return new DirectoryException(Reason.FORBIDDEN, "the app may not " + op.request() + " " + graph
          + ": grant it " + op.permission() + " (with admin consent)", api);
    }
    if (status == 404) {
      return new DirectoryException(Reason.NOT_FOUND, "not found: " + op.request() + " " + graph, api);
    }
    if (RetryInterceptor.retryable(status)) {
      String tries = attempts(api.getResponseHeaders());
      String what = status == 429 ? "is still throttling " : "is unavailable for ";
      String asked = retryAfter(api.getResponseHeaders());
      return new DirectoryException(Reason.UNAVAILABLE, "Microsoft Graph " + what + op.request() + tries + asked
          + " " + graph + ": try again in a few minutes"
          + (status == 429 ? " (another tool using the same app may be using up its quota)" : ""), api);
    }
    if (status >= 500) {
      return new DirectoryException(Reason.UNAVAILABLE, "Microsoft Graph failed " + op.request() + " " + graph
          + ": try again in a few minutes", api);
    }
    return new DirectoryException(Reason.REJECTED, "Microsoft Graph rejected " + op.request() + " " + graph, api);
  }

  private static DirectoryException fromIo(Op op, IOException io) {
    String why;
    if (io instanceof ConnectException) {
      why = "connection refused";
    } else if (io instanceof UnknownHostException) {
      why = "unknown host " + oneLine(String.valueOf(io.getMessage()), 100);
    } else if (io instanceof NoRouteToHostException) {
      why = "no route to host";
    } else if (io instanceof SocketTimeoutException) {
      why = "timed out";
    } else if (io instanceof InterruptedIOException) {
      why = "interrupted";
    } else if (io instanceof java.io.EOFException || String.valueOf(io.getMessage()).contains("unexpected end of stream")) {
      why = "the connection closed without an answer";
    } else {
      why = describe(io);
    }
    return new DirectoryException(Reason.IO, "cannot reach Microsoft Graph for " + op.request() + " (" + why
        + "): check the network and entra.graph-url", io);
  }

  private static IOException ioCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException io) {
        return io;
      }
    }
    return null;
  }

  private static String attempts(ResponseHeaders headers) {
    String attempts = first(headers, RetryInterceptor.ATTEMPTS);
    String waited = first(headers, RetryInterceptor.WAITED);
    if (attempts == null) {
      return "";
    }
    long ms = waited == null ? 0 : Long.parseLong(waited);
    return " after " + attempts + ("1".equals(attempts) ? " attempt" : " attempts") + " over "
        + Math.round(ms / 1000.0) + " s of waiting";
  }

  private static String retryAfter(ResponseHeaders headers) {
    String h = first(headers, "Retry-After");
    if (h == null) {
      return "";
    }
    try {
      long s = Long.parseLong(h.strip());
      return s > RetryInterceptor.MAX_WAIT.toSeconds() ? ", which asks to wait " + s + " s" : "";
    } catch (NumberFormatException e) {
      return "";
    }
  }

  private static String first(ResponseHeaders headers, String name) {
    if (headers == null) {
      return null;
    }
    for (var e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
        return e.getValue().iterator().next();
      }
    }
    return null;
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    if (root instanceof JsonProcessingException j) {
      // Jackson's message runs on over lines with the source; its location is enough.
      JsonLocation at = j.getLocation();
      m = j.getOriginalMessage() + (at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr());
    }
    if (m != null && m.contains("See https://")) {
      m = m.substring(0, m.indexOf("See https://")); // Gson's pointer to its troubleshooting page
    }
    return root.getClass().getSimpleName() + (m == null ? "" : ": " + oneLine(m, 160));
  }

  /** Graph's text on one line, without control characters, at most {@code max} characters. */
  static String oneLine(String s, int max) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), max));
    for (int i = 0; i < s.length() && b.length() < max; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? ' ' : c);
    }
    String out = b.toString().strip().replaceAll(" {2,}", " ");
    return s.length() > max ? out + "…" : out;
  }
}
