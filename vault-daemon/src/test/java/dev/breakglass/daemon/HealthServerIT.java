package dev.breakglass.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Starts the real endpoint on a free loopback port and talks to it with java.net.http. */
class HealthServerIT {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicReference<Health> health = new AtomicReference<>(new Health(true, ""));
  private final Metrics metrics = new Metrics();
  private HealthServer server;

  @BeforeEach
  void start() throws Exception {
    metrics.describe("bg_up", "gauge", "1 while the daemon runs.");
    metrics.set("bg_up", Map.of(), 1);
    server = HealthServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics, health::get);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(5))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .build();
    return http.send(r, HttpResponse.BodyHandlers.ofString());
  }

  private static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse("(absent)");
  }

  @Test
  void healthz_answers200Ok_then503WithTheDetail_asTheSupplierChanges() throws Exception {
    HttpResponse<String> ok = send("GET", "/healthz");
    assertEquals(200, ok.statusCode());
    assertEquals("ok\n", ok.body());
    assertEquals("text/plain; charset=utf-8", header(ok, "Content-Type"));
    assertEquals("nosniff", header(ok, "X-Content-Type-Options"));
    assertEquals("no-store", header(ok, "Cache-Control"));

    health.set(new Health(false, "no successful poll for 17 minutes\n(last error: throttled)"));
    HttpResponse<String> bad = send("GET", "/healthz");
    assertEquals(503, bad.statusCode());
    assertEquals("no successful poll for 17 minutes (last error: throttled)\n", bad.body());
    assertEquals("text/plain; charset=utf-8", header(bad, "Content-Type"));

    health.set(new Health(true, "ignored"));
    assertEquals(200, send("GET", "/healthz").statusCode());
  }

  @Test
  void healthz_supplierThatThrows_is503() throws Exception {
    server.close();
    server = HealthServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics, () -> {
      throw new IllegalStateException("ledger closed");
    });
    HttpResponse<String> r = send("GET", "/healthz");
    assertEquals(503, r.statusCode());
    assertEquals("health check failed: java.lang.IllegalStateException: ledger closed\n", r.body());
  }

  @Test
  void metrics_servesTheRegistryAsPrometheusText() throws Exception {
    HttpResponse<String> r = send("GET", "/metrics");
    assertEquals(200, r.statusCode());
    assertEquals("text/plain; version=0.0.4; charset=utf-8", header(r, "Content-Type"));
    assertEquals("# HELP bg_up 1 while the daemon runs.\n# TYPE bg_up gauge\nbg_up 1\n", r.body());
    assertEquals("nosniff", header(r, "X-Content-Type-Options"));
    assertEquals("no-store", header(r, "Cache-Control"));

    metrics.set("bg_up", Map.of(), 0);
    assertTrue(send("GET", "/metrics").body().endsWith("\nbg_up 0\n"));
  }

  @Test
  void head_answersHeadersWithoutBody() throws Exception {
    HttpResponse<String> r = send("HEAD", "/metrics");
    assertEquals(200, r.statusCode());
    assertEquals("", r.body());
    assertEquals("text/plain; version=0.0.4; charset=utf-8", header(r, "Content-Type"));
    health.set(new Health(false, "degraded"));
    HttpResponse<String> h = send("HEAD", "/healthz");
    assertEquals(503, h.statusCode());
    assertEquals("", h.body());
  }

  @Test
  void otherMethods_are405WithAllow_otherPaths404() throws Exception {
    for (String method : new String[] {"POST", "PUT", "DELETE", "OPTIONS"}) {
      HttpResponse<String> r = send(method, "/healthz");
      assertEquals(405, r.statusCode(), method);
      assertEquals("GET, HEAD", header(r, "Allow"), method);
      assertEquals("method not allowed: use GET\n", r.body());
    }
    for (String path : new String[] {"/", "/healthz/", "/metrics.txt", "/HEALTHZ", "/debug"}) {
      HttpResponse<String> r = send("GET", path);
      assertEquals(404, r.statusCode(), path);
      assertEquals("not found: the paths are /healthz and /metrics\n", r.body());
      assertEquals("nosniff", header(r, "X-Content-Type-Options"));
    }
    assertEquals(200, send("GET", "/healthz?verbose=1").statusCode());
  }

  @Test
  void start_refusesNonLoopbackAddresses() {
    for (String host : new String[] {"0.0.0.0", "::", "192.0.2.10"}) {
      DaemonException e = assertThrows(DaemonException.class,
          () -> HealthServer.start(new InetSocketAddress(host, 9464), metrics, health::get), host);
      assertEquals(DaemonException.Reason.CONFIG, e.reason());
      assertTrue(e.getMessage().startsWith("health.listen "), e.getMessage());
      assertTrue(e.getMessage().endsWith(" is not a loopback address, and /healthz and /metrics have no"
          + " authentication: use 127.0.0.1 or ::1"), e.getMessage());
    }
    DaemonException e = assertThrows(DaemonException.class,
        () -> HealthServer.start(new InetSocketAddress("0.0.0.0", 9464), metrics, health::get));
    assertEquals("health.listen 0.0.0.0:9464 is not a loopback address, and /healthz and /metrics have no"
        + " authentication: use 127.0.0.1 or ::1", e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void start_portInUse_isAConfigErrorNamingTheSetting() {
    DaemonException e = assertThrows(DaemonException.class, () -> HealthServer.start(
        new InetSocketAddress(InetAddress.getByName("127.0.0.1"), server.port()), metrics, health::get));
    assertEquals(DaemonException.Reason.CONFIG, e.reason());
    assertEquals("cannot listen on 127.0.0.1:" + server.port() + ": address in use; set health.listen in the daemon"
        + " config to another port, or 'off'", e.getMessage());
  }

  @Test
  void close_returnsWithinASecond_andFreesThePort() throws Exception {
    assertEquals(200, send("GET", "/healthz").statusCode());
    int port = server.port();
    long t0 = System.nanoTime();
    server.close();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 1000, "close took " + ms + " ms");
    server.close();
    assertThrows(IOException.class, () -> send("GET", "/healthz"));
    // The port can be taken again at once.
    server = HealthServer.start(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), metrics, health::get);
    assertEquals(port, server.port());
  }

  @Test
  void start_leavesNoNonDaemonThreadBehind() throws Exception {
    server.close();
    Set<Long> before = Thread.getAllStackTraces().keySet().stream().map(Thread::getId).collect(Collectors.toSet());
    server = HealthServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics, health::get);
    send("GET", "/healthz");
    Set<String> nonDaemon = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t.getId()) && t.isAlive() && !t.isDaemon())
        .filter(t -> t.getName().startsWith("HTTP-Dispatcher") || t.getName().startsWith("bg-health"))
        .map(Thread::getName)
        .collect(Collectors.toSet());
    assertEquals(Set.of(), nonDaemon);
  }

  @Test
  void parseListen_readsTheConfigValue() throws Exception {
    assertEquals(Optional.empty(), HealthServer.parseListen("off"));
    assertEquals(Optional.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9464)),
        HealthServer.parseListen("127.0.0.1:9464"));
    assertEquals(Optional.of(new InetSocketAddress(InetAddress.getByName("::1"), 9464)),
        HealthServer.parseListen("[::1]:9464"));
    assertEquals(Optional.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9100)),
        HealthServer.parseListen(" localhost:9100 "));
    assertEquals(Optional.of(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 9464)),
        HealthServer.parseListen("127.0.0.2:9464"));
  }

  @Test
  void parseListen_oneLineErrors() {
    Map<String, String> cases = Map.of(
        "", "health.listen is empty: give 127.0.0.1:9464, [::1]:9464 or localhost:9464, or 'off'",
        "127.0.0.1", "health.listen '127.0.0.1' is not HOST:PORT (there is no port): give 127.0.0.1:9464,"
            + " [::1]:9464 or localhost:9464, or 'off'",
        "::1:9464", "health.listen '::1:9464' is not HOST:PORT (write an IPv6 address in brackets, e.g."
            + " [::1]:9464): give 127.0.0.1:9464, [::1]:9464 or localhost:9464, or 'off'",
        "127.0.0.1:99999", "health.listen '127.0.0.1:99999' is not HOST:PORT (the port must be a number from 1"
            + " to 65535): give 127.0.0.1:9464, [::1]:9464 or localhost:9464, or 'off'",
        "127.0.0.1:0", "health.listen '127.0.0.1:0' is not HOST:PORT (the port must be a number from 1 to 65535):"
            + " give 127.0.0.1:9464, [::1]:9464 or localhost:9464, or 'off'",
        "metrics.example.org:9464", "health.listen 'metrics.example.org:9464' is not HOST:PORT (the host must be an"
            + " IP address or localhost (no name lookups)): give 127.0.0.1:9464, [::1]:9464 or localhost:9464,"
            + " or 'off'",
        "0.0.0.0:9464", "health.listen 0.0.0.0:9464 is not a loopback address, and /healthz and /metrics have no"
            + " authentication: use 127.0.0.1 or ::1",
        "[::]:9464", "health.listen [::]:9464 is not a loopback address, and /healthz and /metrics have no"
            + " authentication: use 127.0.0.1 or ::1",
        "[::1:9464", "health.listen '[::1:9464' is not HOST:PORT (an IPv6 address is written [::1]:PORT): give"
            + " 127.0.0.1:9464, [::1]:9464 or localhost:9464, or 'off'",
        "OFF", "health.listen 'OFF' is not HOST:PORT (there is no port): give 127.0.0.1:9464, [::1]:9464 or"
            + " localhost:9464, or 'off'");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      DaemonException e = assertThrows(DaemonException.class, () -> HealthServer.parseListen(c.getKey()), c.getKey());
      assertEquals(DaemonException.Reason.CONFIG, e.reason());
      assertEquals(c.getValue(), e.getMessage(), c.getKey());
    }
  }
}
