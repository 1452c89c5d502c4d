package dev.breakglass.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/** A webhook endpoint on loopback that answers with a status the test sets and keeps what it accepted. */
final class WebhookReceiver implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private final List<JsonNode> accepted = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile int refused;

  WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "webhook-receiver");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/hook", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      int s = status;
      if (s / 100 == 2) {
        accepted.add(JSON.readTree(new String(body, StandardCharsets.UTF_8)));
      } else {
        refused++;
      }
      ex.sendResponseHeaders(s, -1);
      ex.close();
    });
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
  }

  void status(int s) {
    status = s;
  }

  int refused() {
    return refused;
  }

  List<JsonNode> accepted() {
    return List.copyOf(accepted);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
