package dev.breakglass.daemon;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.breakglass.daemon.DaemonException.Reason;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code GET /healthz} and {@code GET /metrics} on a loopback address, for a local probe (systemd,
 * a container health check) and a Prometheus agent on the same host.
 *
 * <ul>
 *   <li>{@code /healthz}: 200 {@code ok} while {@link Health#ok()}, else 503 with the detail line;
 *       text/plain.
 *   <li>{@code /metrics}: 200, {@link Metrics#render()} as {@value Metrics#CONTENT_TYPE}.
 *   <li>GET and HEAD only (405 with {@code Allow: GET, HEAD} otherwise); any other path is 404.
 *       Every response says {@code X-Content-Type-Options: nosniff} and {@code Cache-Control:
 *       no-store}.
 * </ul>
 *
 * <p><b>Loopback only.</b> The endpoint has no authentication, and what it tells (that the daemon
 * is degraded, how many alerts are queued) helps whoever wants to act unseen, so {@link #start}
 * refuses any address that is not loopback. There is no Host header check: a browser page that
 * rebinds a name to 127.0.0.1 could read the same counters, which hold no secret and no identity.
 *
 * <p>Two request threads, all of them daemon threads, including the server's dispatcher: the
 * endpoint must never keep the JVM alive after the daemon's own work has stopped, or systemd's
 * {@code Restart=always} would see a running process and not restart it.
 */
public final class HealthServer implements AutoCloseable {
  static final String TEXT = "text/plain; charset=utf-8";
  private static final String KEY = "health.listen";
  private static final String EXAMPLES = "127.0.0.1:9464, [::1]:9464 or localhost:9464, or 'off'";
  private static final Pattern IPV4 =
      Pattern.compile("((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HealthServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving on {@code address} (port 0: any free port, see {@link #port()}).
   *
   * @param health asked on every {@code /healthz} request; it should be cheap and must not block
   * @throws DaemonException CONFIG when the address is not loopback or is in use, IO when the
   *     socket cannot be opened for another reason
   */
  public static HealthServer start(InetSocketAddress address, Metrics metrics, Supplier<Health> health)
      throws DaemonException {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(health, "health");
    if (address.isUnresolved()) {
      throw new DaemonException(Reason.CONFIG, KEY + " " + address.getHostString() + ":" + address.getPort()
          + " is not an IP address: use 127.0.0.1 or ::1");
    }
    requireLoopback(address);
    HttpServer server;
    try {
      server = HttpServer.create(address, 16);
    } catch (BindException e) {
      String why = String.valueOf(e.getMessage());
      if (why.toLowerCase(Locale.ROOT).contains("in use")) {
        throw new DaemonException(Reason.CONFIG, "cannot listen on " + format(address) + ": address in use; set "
            + KEY + " in the daemon config to another port, or 'off'", e);
      }
      throw new DaemonException(Reason.CONFIG, "cannot listen on " + format(address) + ": " + why
          + "; set " + KEY + " in the daemon config to another address, or 'off'", e);
    } catch (IOException e) {
      throw new DaemonException(Reason.IO, "cannot listen on " + format(address) + ": " + e.getMessage(), e);
    }
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "bg-health-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", x -> handle(x, metrics, health));
    // HttpServer.start() creates its dispatcher thread, which inherits the daemon flag of the thread
    // that calls start(): call it from a daemon thread (see the class comment).
    Thread starter = new Thread(server::start, "bg-health-start");
    starter.setDaemon(true);
    starter.start();
    try {
      starter.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.stop(0);
      executor.shutdownNow();
      throw new DaemonException(Reason.IO, "interrupted while starting the health endpoint on " + format(address), e);
    }
    return new HealthServer(server, executor);
  }

  /** The port served on: the one asked for, or the one the system chose for port 0. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops accepting, drops open connections and ends the request threads; returns within about 1 s. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Reads the config value {@code health.listen}: {@code HOST:PORT} where HOST is a loopback IP
   * address ({@code 127.0.0.1}, {@code [::1]}) or {@code localhost} (Java's loopback address, with
   * no name lookup), or {@code off} for no endpoint.
   *
   * @throws DaemonException CONFIG, one line naming the value, when it is malformed or not loopback
   */
  public static Optional<InetSocketAddress> parseListen(String value) throws DaemonException {
    String v = value == null ? "" : value.strip();
    if (v.equals("off")) {
      return Optional.empty();
    }
    if (v.isEmpty()) {
      throw new DaemonException(Reason.CONFIG, KEY + " is empty: give " + EXAMPLES);
    }
    String host;
    String port;
    if (v.startsWith("[")) {
      int end = v.indexOf(']');
      if (end < 0 || end + 1 >= v.length() || v.charAt(end + 1) != ':') {
        throw malformed(v, "an IPv6 address is written [::1]:PORT");
      }
      host = v.substring(1, end);
      port = v.substring(end + 2);
      if (!IPV6.matcher(host).matches()) {
        throw malformed(v, "'" + host + "' between the brackets is not an IPv6 address");
      }
    } else {
      int colon = v.lastIndexOf(':');
      if (colon < 0) {
        throw malformed(v, "there is no port");
      }
      if (v.indexOf(':') != colon) {
        throw malformed(v, "write an IPv6 address in brackets, e.g. [::1]:9464");
      }
      host = v.substring(0, colon);
      port = v.substring(colon + 1);
    }
    if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
      throw malformed(v, "the port must be a number from 1 to 65535");
    }
    InetAddress address;
    if (host.equalsIgnoreCase("localhost")) {
      address = InetAddress.getLoopbackAddress();
    } else if (IPV4.matcher(host).matches() || (v.startsWith("[") && IPV6.matcher(host).matches())) {
      try {
        // A literal: parsed, never looked up.
        address = InetAddress.getByName(host);
      } catch (UnknownHostException e) {
        throw malformed(v, "'" + host + "' is not an IP address");
      }
    } else {
      throw malformed(v, "the host must be an IP address or localhost (no name lookups)");
    }
    InetSocketAddress a = new InetSocketAddress(address, Integer.parseInt(port));
    requireLoopback(a);
    return Optional.of(a);
  }

  private static DaemonException malformed(String value, String why) {
    return new DaemonException(Reason.CONFIG, KEY + " '" + value + "' is not HOST:PORT (" + why + "): give "
        + EXAMPLES);
  }

  private static void requireLoopback(InetSocketAddress address) throws DaemonException {
    if (!address.getAddress().isLoopbackAddress()) {
      throw new DaemonException(Reason.CONFIG, KEY + " " + format(address) + " is not a loopback address, and"
          + " /healthz and /metrics have no authentication: use 127.0.0.1 or ::1");
    }
  }

  /** {@code 127.0.0.1:9464}, {@code [::1]:9464}. */
  static String format(InetSocketAddress address) {
    InetAddress a = address.getAddress();
    if (a == null) {
      return address.getHostString() + ":" + address.getPort();
    }
    if (a instanceof Inet6Address) {
      return "[" + compress(a.getHostAddress()) + "]:" + address.getPort();
    }
    return a.getHostAddress() + ":" + address.getPort();
  }

  /** Java prints IPv6 addresses in full ({@code 0:0:0:0:0:0:0:1}); people write {@code ::1}. */
  static String compress(String full) {
    String scope = "";
    int pct = full.indexOf('%');
    if (pct >= 0) {
      scope = full.substring(pct);
      full = full.substring(0, pct);
    }
    String[] groups = full.split(":", -1);
    if (groups.length != 8) {
      return full + scope;
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (!groups[i].equals("0")) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j].equals("0")) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    if (bestStart < 0) {
      return full + scope;
    }
    String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
    String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLen, 8));
    return head + "::" + tail + scope;
  }

  private static void handle(HttpExchange x, Metrics metrics, Supplier<Health> health) throws IOException {
    try {
      Headers h = x.getResponseHeaders();
      h.set("X-Content-Type-Options", "nosniff");
      h.set("Cache-Control", "no-store");
      String path = x.getRequestURI().getRawPath();
      if (!"/healthz".equals(path) && !"/metrics".equals(path)) {
        reply(x, 404, TEXT, "not found: the paths are /healthz and /metrics\n");
        return;
      }
      String method = x.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        h.set("Allow", "GET, HEAD");
        reply(x, 405, TEXT, "method not allowed: use GET\n");
        return;
      }
      if (path.equals("/healthz")) {
        Health now;
        try {
          now = health.get();
        } catch (RuntimeException e) {
          // A health check that throws is itself a reason to be unhealthy.
          now = new Health(false, "health check failed: " + e);
        }
        if (now == null) {
          now = new Health(false, "health check returned nothing");
        }
        reply(x, now.ok() ? 200 : 503, TEXT, now.ok() ? "ok\n" : oneLine(now.detail()) + "\n");
      } else {
        reply(x, 200, Metrics.CONTENT_TYPE, metrics.render());
      }
    } catch (RuntimeException e) {
      if (x.getResponseCode() == -1) {
        reply(x, 500, TEXT, "internal error: " + oneLine(e.toString()) + "\n");
      }
    } finally {
      x.close();
    }
  }

  private static String oneLine(String s) {
    return s.replaceAll("[\\r\\n]+", " ").strip();
  }

  private static void reply(HttpExchange x, int code, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", contentType);
    // -1: no body. HEAD must have none, and a length of 0 would mean "chunked" to this server.
    boolean none = x.getRequestMethod().equals("HEAD") || bytes.length == 0;
    x.sendResponseHeaders(code, none ? -1 : bytes.length);
    if (!none) {
      try (OutputStream out = x.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
