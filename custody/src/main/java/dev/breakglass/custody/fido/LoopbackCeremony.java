package dev.breakglass.custody.fido;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.PrivateFiles;
import dev.breakglass.custody.ledger.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs one WebAuthn ceremony in the user's own browser through a page served on loopback.
 *
 * <p>The page lives at {@code http://localhost:PORT/c/TOKEN/} (a secure context for WebAuthn, RP
 * ID {@code localhost}). The random path token keeps other web pages and local guessers out; the
 * server answers only requests whose Host is {@code localhost:PORT}, takes only same-origin posts,
 * and accepts exactly one answer: the browser's credential, or the error the browser reported. The
 * answer is handed to the calling thread, which verifies and records it (the ledger never leaves
 * that thread), and the outcome is written back to the page. A malformed or oversized answer, a
 * second answer, and no answer within the timeout all end the ceremony with nothing recorded.
 *
 * <p>One ceremony runs per home at a time (a lock file), so two prompts can never compete for the
 * same key. Close it to stop the server.
 */
public final class LoopbackCeremony implements AutoCloseable {
  /** The largest answer accepted; a WebAuthn response with attestation is a few kilobytes. */
  public static final int MAX_BODY = 64 * 1024;
  static final String LOCK_FILE = ".ceremony.lock";
  private static final Duration OUTCOME_WAIT = Duration.ofSeconds(60);

  private final List<HttpServer> servers;
  private final ExecutorService executor;
  private final int port;
  private final String token;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final AtomicBoolean answered = new AtomicBoolean();
  private final CompletableFuture<String> answer = new CompletableFuture<>();
  private final CompletableFuture<String[]> outcome = new CompletableFuture<>();
  private final CompletableFuture<Void> outcomeSent = new CompletableFuture<>();
  private volatile CeremonyPage page;

  private LoopbackCeremony(List<HttpServer> servers, ExecutorService executor, int port, String token,
      FileChannel lockChannel, FileLock lock) {
    this.servers = servers;
    this.executor = executor;
    this.port = port;
    this.token = token;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Takes the home's ceremony lock and starts a server on loopback.
   *
   * @param port the port to listen on, 0 for any free one
   */
  public static LoopbackCeremony open(Path home, int port) throws CustodyException {
    if (port < 0 || port > 65535) {
      throw new CustodyException(Reason.INVALID_ARGUMENT, "--port must be from 1 to 65535 (or 0 for any), got "
          + port);
    }
    FileChannel channel = null;
    FileLock lock = null;
    List<HttpServer> servers = new ArrayList<>();
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "bg-ceremony-http");
      t.setDaemon(true);
      return t;
    });
    try {
      Path lockFile = home.resolve(LOCK_FILE);
      channel = FileChannel.open(lockFile, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
          PrivateFiles.FILE);
      lock = channel.tryLock();
      if (lock == null) {
        throw new CustodyException(Reason.REFUSED, "another key ceremony is running for " + home
            + " (bg key register/verify, bg custodian enrol, or a --verify-key check-in/out): finish it in its"
            + " browser tab or wait for its timeout, then try again");
      }
      HttpServer v4;
      try {
        v4 = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 8);
      } catch (BindException e) {
        throw new CustodyException(Reason.REFUSED, "port " + port + " on 127.0.0.1 is in use: choose another"
            + " --port, or leave it out to use any free port");
      }
      servers.add(v4);
      int bound = v4.getAddress().getPort();
      try {
        // Browsers may try ::1 for "localhost" first; serve it there too where the host has IPv6.
        servers.add(HttpServer.create(new InetSocketAddress(InetAddress.getByName("::1"), bound), 8));
      } catch (IOException e) {
        // No IPv6 loopback here: 127.0.0.1 alone serves localhost.
      }
      byte[] t = new byte[16];
      new SecureRandom().nextBytes(t);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(t);
      LoopbackCeremony c = new LoopbackCeremony(servers, executor, bound, token, channel, lock);
      for (HttpServer s : servers) {
        s.createContext("/", c::handle);
        s.setExecutor(executor);
        s.start();
      }
      return c;
    } catch (IOException e) {
      for (HttpServer s : servers) {
        s.stop(0);
      }
      executor.shutdownNow();
      release(channel, lock);
      throw new CustodyException(Reason.IO, "cannot start the loopback page for the key ceremony: " + e.getMessage(),
          e);
    } catch (CustodyException | RuntimeException e) {
      for (HttpServer s : servers) {
        s.stop(0);
      }
      executor.shutdownNow();
      release(channel, lock);
      throw e;
    }
  }

  /** The page's origin, which the relying party must accept: {@code http://localhost:PORT}. */
  public String origin() {
    return "http://localhost:" + port;
  }

  /** The page's address, secret token included. */
  public URI url() {
    return URI.create(origin() + "/c/" + token + "/");
  }

  /** What a ceremony does with the browser's answer: verify it and record it, or throw. */
  @FunctionalInterface
  public interface Finisher<T> {
    T finish(String answerJson) throws CustodyException;
  }

  /**
   * Serves {@code page}, tells {@code ready} where it is, waits for the one answer (at most {@code
   * timeout}), has {@code finisher} verify and record it on this thread, and shows the outcome.
   *
   * @param describe the success line the page shows, from what {@code finisher} returned
   */
  public <T> T run(CeremonyPage page, Finisher<T> finisher, java.util.function.Function<T, String> describe,
      Duration timeout, Consumer<URI> ready) throws CustodyException {
    if (this.page != null) {
      throw new IllegalStateException("a LoopbackCeremony runs one ceremony");
    }
    this.page = page;
    ready.accept(url());
    String json;
    try {
      json = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      answered.set(true);
      throw new CustodyException(Reason.CEREMONY_FAILED, "no answer from the browser within "
          + timeout.toSeconds() + " s; nothing was recorded. Run the command again and press Start on the page");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof CustodyException c ? c
          : new CustodyException(Reason.CEREMONY_FAILED, "the key ceremony failed: " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CustodyException(Reason.CEREMONY_FAILED, "interrupted while waiting for the browser; nothing was"
          + " recorded");
    }
    try {
      T result = finisher.finish(json);
      showOutcome(true, describe.apply(result));
      return result;
    } catch (CustodyException e) {
      showOutcome(false, e.getMessage());
      throw e;
    } catch (RuntimeException e) {
      showOutcome(false, "internal error; see the terminal");
      throw e;
    }
  }

  private void showOutcome(boolean ok, String message) {
    outcome.complete(new String[] {ok ? "ok" : "failed", message});
    try {
      outcomeSent.get(5, TimeUnit.SECONDS); // let the page read it before the server stops
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // The page went away; the terminal shows the outcome anyway.
    }
  }

  // --- HTTP -------------------------------------------------------------------------------------

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String host = x.getRequestHeaders().getFirst("Host");
      if (host == null || !host.equals("localhost:" + port)) {
        // Only the page's own origin: a rebinding DNS name or a raw IP never reaches the ceremony.
        send(x, 421, "text/plain", "open " + origin() + " (the address bg printed)");
        return;
      }
      String base = "/c/" + token + "/";
      String path = x.getRequestURI().getRawPath();
      if (!constantTimeStartsWith(path, base)) {
        send(x, 404, "text/plain", "not found");
        return;
      }
      String rest = path.substring(base.length());
      String method = x.getRequestMethod();
      if (method.equals("GET") && rest.isEmpty()) {
        send(x, 200, "text/html; charset=utf-8", resource("ceremony.html"));
      } else if (method.equals("GET") && rest.equals("ceremony.js")) {
        send(x, 200, "text/javascript; charset=utf-8", resource("ceremony.js"));
      } else if (method.equals("GET") && rest.equals("ceremony.css")) {
        send(x, 200, "text/css; charset=utf-8", resource("ceremony.css"));
      } else if (method.equals("GET") && rest.equals("options")) {
        send(x, 200, "application/json", options());
      } else if (method.equals("POST") && (rest.equals("response") || rest.equals("error"))) {
        answer(x, rest.equals("error"));
      } else {
        send(x, 404, "text/plain", "not found");
      }
    } catch (IOException | RuntimeException e) {
      // A broken connection must not stop the server; the ceremony itself is unaffected.
    }
  }

  private void answer(HttpExchange x, boolean browserError) throws IOException {
    String origin = x.getRequestHeaders().getFirst("Origin");
    if (!origin().equals(origin)) {
      send(x, 403, "application/json", result("failed", "refused: not posted by the ceremony page"));
      return;
    }
    if (!answered.compareAndSet(false, true)) {
      send(x, 409, "application/json", result("failed", "this ceremony was already answered or has ended; run the"
          + " command again for a new one"));
      return;
    }
    String type = x.getRequestHeaders().getFirst("Content-Type");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      fail(x, 415, "the browser's answer is not JSON (Content-Type " + type + ")");
      return;
    }
    byte[] body = readAtMost(x.getRequestBody(), MAX_BODY);
    if (body.length > MAX_BODY) {
      fail(x, 413, "the browser's answer is larger than " + (MAX_BODY / 1024) + " KiB and was refused");
      return;
    }
    String json;
    try {
      json = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(body)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      fail(x, 400, "the browser's answer is not UTF-8 text");
      return;
    }
    if (browserError) {
      fail(x, 200, "the browser reported " + browserError(json)
          + " (cancelled, timed out, or a key that is already registered or not the registered one)");
      return;
    }
    answer.complete(json);
    try {
      String[] o = outcome.get(OUTCOME_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      send(x, 200, "application/json", result(o[0], o[1]));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      send(x, 500, "application/json", result("failed", "no outcome; see the terminal"));
    } finally {
      outcomeSent.complete(null);
    }
  }

  /** Ends the ceremony: the page and the terminal both get {@code message}. */
  private void fail(HttpExchange x, int status, String message) throws IOException {
    answer.completeExceptionally(new CustodyException(Reason.CEREMONY_FAILED, message + "; nothing was recorded"));
    send(x, status, "application/json", result("failed", message + "; nothing was recorded"));
  }

  /** The error's name and message from the page's report, bounded; never the raw body. */
  private static String browserError(String json) {
    try {
      java.util.Map<String, Object> m = Json.read(json);
      Object name = m.get("name");
      Object message = m.get("message");
      return KeyCeremonies.oneLine(String.valueOf(name)) + (message == null ? ""
          : ": " + KeyCeremonies.oneLine(String.valueOf(message)));
    } catch (IllegalArgumentException e) {
      return "an error it did not describe";
    }
  }

  private String options() throws IOException {
    CeremonyPage p = page;
    StringWriter out = new StringWriter();
    try (JsonGenerator g = Json.factory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("kind", p == null ? "wait" : p.kind().js());
      g.writeStringField("title", p == null ? "Preparing…" : p.title());
      g.writeStringField("instructions", p == null ? "" : p.instructions());
      if (p != null) {
        g.writeFieldName("options");
        g.writeRawValue(p.optionsJson());
      }
      g.writeEndObject();
    }
    return out.toString();
  }

  private static String result(String outcome, String message) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = Json.factory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("outcome", outcome);
      g.writeStringField("message", message);
      g.writeEndObject();
    }
    return out.toString();
  }

  private static void send(HttpExchange x, int status, String type, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    var h = x.getResponseHeaders();
    h.set("Content-Type", type);
    h.set("Cache-Control", "no-store");
    h.set("Referrer-Policy", "no-referrer");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
        + " base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream os = x.getResponseBody()) {
        os.write(b);
      }
    }
  }

  private static byte[] readAtMost(InputStream in, int limit) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      if (out.size() > limit) {
        break; // refused; not worth reading the rest
      }
    }
    return out.toByteArray();
  }

  private boolean constantTimeStartsWith(String path, String base) {
    if (path.length() < base.length()) {
      return false;
    }
    return MessageDigest.isEqual(path.substring(0, base.length()).getBytes(StandardCharsets.UTF_8),
        base.getBytes(StandardCharsets.UTF_8));
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = LoopbackCeremony.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException(name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    answered.set(true);
    answer.completeExceptionally(new CustodyException(Reason.CEREMONY_FAILED, "the ceremony was closed"));
    outcome.complete(new String[] {"failed", "the ceremony has ended; see the terminal"});
    for (HttpServer s : servers) {
      s.stop(0);
    }
    executor.shutdownNow();
    release(lockChannel, lock);
  }

  private static void release(FileChannel channel, FileLock lock) {
    try {
      if (lock != null) {
        lock.release();
      }
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      // Closing the channel releases the lock in any case.
    }
  }
}
