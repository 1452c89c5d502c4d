package dev.breakglass.daemon.sink;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP receiver on 127.0.0.1 for the webhook, Teams and Slack sinks: records each request and
 * answers with the status and body the test set, or never answers ({@link #hang}) until closed.
 */
final class TestReceiver implements AutoCloseable {
  record Request(String method, String path, Headers headers, String body) {}

  private final HttpServer server;
  private final LinkedBlockingQueue<Request> requests = new LinkedBlockingQueue<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile int status = 200;
  private volatile String answer = "";
  private volatile boolean hang;

  TestReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      try (InputStream in = exchange.getRequestBody()) {
        requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
            exchange.getRequestHeaders(), new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      }
      if (hang) {
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] b = answer.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(b);
      }
    });
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "test-receiver");
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  /** {@code http://127.0.0.1:PORT} + path. */
  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  int port() {
    return server.getAddress().getPort();
  }

  TestReceiver answer(int status, String body) {
    this.status = status;
    this.answer = body;
    return this;
  }

  TestReceiver hang() {
    this.hang = true;
    return this;
  }

  /** The next request, waiting at most 5 s. */
  Request take() throws InterruptedException {
    Request r = requests.poll(5, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("no request reached the receiver");
    }
    return r;
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
  }
}
