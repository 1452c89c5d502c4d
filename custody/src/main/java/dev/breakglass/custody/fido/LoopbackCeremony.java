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
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
  /**
   * Threads serving the page. More than one, so that the answer waiting for its outcome (while the
   * ledger records it) or a client that stalls mid-request does not hold up every other request.
   */
  private static final int HTTP_THREADS = 8;

  static {
    // The JDK server reads a request on a pool thread with no time limit by default, so a few
    // connections that never finish their headers would starve the page. Seconds; read once, when
    // the first server is made. A value set by whoever runs us is left alone.
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime", "10");
    }
  }
  /** Tries for a port free on both loopbacks when any port will do. */
  private static final int PORT_TRIES = 5;
  /**
   * The lock files this JVM holds. A second channel on a held lock file must never be opened: the
   * JVM refuses its lock with an exception, and closing it drops the first channel's lock as well
   * (POSIX locks belong to the process), which would let another process start a second ceremony.
   */
  private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

  private final List<HttpServer> servers;
  private final ExecutorService executor;
  private final int port;
  private final String token;
  private final Path lockFile;
  /** Holds the home's lock until it is closed. */
  private final FileChannel lockChannel;
  private final AtomicBoolean answered = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<String> answer = new CompletableFuture<>();
  private final CompletableFuture<String[]> outcome = new CompletableFuture<>();
  private final CompletableFuture<Void> outcomeSent = new CompletableFuture<>();
  private volatile CeremonyPage page;

  private LoopbackCeremony(List<HttpServer> servers, ExecutorService executor, int port, String token,
      Path lockFile, FileChannel lockChannel) {
    this.servers = servers;
    this.executor = executor;
    this.port = port;
    this.token = token;
    this.lockFile = lockFile;
    this.lockChannel = lockChannel;
  }

  /**
   * Takes the home's ceremony lock and starts a server on loopback: 127.0.0.1, and ::1 on the same
   * port where the host has an IPv6 loopback.
   *
   * @param port the port to listen on, 0 for any free one
   */
  public static LoopbackCeremony open(Path home, int port) throws CustodyException {
    if (port < 0 || port > 65535) {
      throw new CustodyException(Reason.INVALID_ARGUMENT, "--port must be from 1 to 65535 (or 0 for any), got "
          + port);
    }
    Path lockFile = null;
    FileChannel channel = null;
    List<HttpServer> servers = new ArrayList<>();
    ExecutorService executor = Executors.newFixedThreadPool(HTTP_THREADS, r -> {
      Thread t = new Thread(r, "bg-ceremony-http");
      t.setDaemon(true);
      return t;
    });
    try {
      Path file = home.toRealPath().resolve(LOCK_FILE);
      if (!HELD_HERE.add(file)) {
        throw anotherCeremony(home);
      }
      lockFile = file;
      // Not through a link: the lock must be the home's own file. The file stays after close, since
      // deleting it would let two processes lock two different files of the same name.
      channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS), PrivateFiles.FILE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw anotherCeremony(home);
      }
      boolean ipv6 = hasIpv6Loopback();
      for (int attempt = 1; ; attempt++) {
        HttpServer v4 = bind("127.0.0.1", port);
        servers.add(v4);
        if (!ipv6) {
          break; // no IPv6 loopback here: 127.0.0.1 alone serves localhost
        }
        // Browsers may try ::1 for "localhost" first, so it must be this server there too: with
        // another program on ::1 at this port, the browser could take the page (and its token) there.
        try {
          servers.add(bind("::1", v4.getAddress().getPort()));
          break;
        } catch (CustodyException e) {
          servers.remove(v4);
          discard(v4);
          if (port != 0 || attempt == PORT_TRIES) {
            throw e;
          }
        }
      }
      byte[] t = new byte[16];
      new SecureRandom().nextBytes(t);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(t);
      LoopbackCeremony c = new LoopbackCeremony(servers, executor, servers.get(0).getAddress().getPort(), token,
          lockFile, channel);
      for (HttpServer s : servers) {
        s.createContext("/", c::handle);
        s.setExecutor(executor);
        s.start();
      }
      return c;
    } catch (IOException e) {
      servers.forEach(LoopbackCeremony::discard);
      stop(List.of(), executor, lockFile, channel);
      throw new CustodyException(Reason.IO, "cannot start the loopback page for the key ceremony: " + e.getMessage(),
          e);
    } catch (OverlappingFileLockException e) {
      // Only through a hard link to a lock file this JVM holds (HELD_HERE is keyed by real path).
      stop(List.of(), executor, lockFile, channel);
      throw anotherCeremony(home);
    } catch (CustodyException | RuntimeException | Error e) {
      servers.forEach(LoopbackCeremony::discard);
      stop(List.of(), executor, lockFile, channel);
      throw e;
    }
  }

  private static CustodyException anotherCeremony(Path home) {
    return new CustodyException(Reason.REFUSED, "another key ceremony is running for " + home
        + " (bg key register/verify, bg custodian enrol, or a --verify-key check-in/out): finish it in its"
        + " browser tab or wait for its timeout, then try again");
  }

  /** A server on {@code address}; a port that is taken (or not ours to take) is the operator's to change. */
  private static HttpServer bind(String address, int port) throws IOException, CustodyException {
    try {
      return HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), port), 8);
    } catch (BindException e) {
      throw new CustodyException(Reason.REFUSED, "port " + port + " on " + address + " is not free ("
          + e.getMessage() + "): choose another --port, or leave it out to use any free port");
    }
  }

  /**
   * Gives back the port of a server that was never started: stopping it alone leaves the socket
   * open, since a closed channel lets go of its port only when its selector next runs.
   */
  private static void discard(HttpServer s) {
    s.start();
    s.stop(0);
  }

  private static boolean hasIpv6Loopback() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
      return true;
    } catch (IOException e) {
      return false;
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
    java.util.Objects.requireNonNull(page, "page");
    if (this.page != null) {
      throw new IllegalStateException("a LoopbackCeremony runs one ceremony");
    }
    this.page = page;
    ready.accept(url());
    String json;
    try {
      json = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw end(new CustodyException(Reason.CEREMONY_FAILED, "no answer from the browser within "
          + timeout.toSeconds() + " s; nothing was recorded. Run the command again and press Start on the page"));
    } catch (ExecutionException e) {
      throw e.getCause() instanceof CustodyException c ? c
          : new CustodyException(Reason.CEREMONY_FAILED, "the key ceremony failed: " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw end(new CustodyException(Reason.CEREMONY_FAILED, "interrupted while waiting for the browser; nothing"
          + " was recorded"));
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

  /**
   * Ends the ceremony without an answer: later posts get 409, and one that slipped in as the wait
   * ended (its answer unread) is told at once rather than when the server stops.
   */
  private CustodyException end(CustodyException why) {
    answered.set(true);
    outcome.complete(new String[] {"failed", why.getMessage()});
    return why;
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
      // Refused without effect: another site's page must not be able to end the ceremony.
      send(x, 403, "application/json", result("failed", "refused: not posted by the ceremony page"));
      return;
    }
    // From here on the post is the ceremony's one answer, whatever it holds: the page posts once, so
    // a wrong Content-Type, an oversized or non-UTF-8 body ends the ceremony like any malformed answer.
    if (!answered.compareAndSet(false, true)) {
      send(x, 409, "application/json", result("failed", "this ceremony was already answered or has ended; run the"
          + " command again for a new one"));
      return;
    }
    try {
      takeAnswer(x, browserError);
    } catch (IOException | RuntimeException e) {
      // The answer broke off (the tab closed mid-post): end now rather than at the timeout. A no-op
      // once the answer was handed over.
      answer.completeExceptionally(new CustodyException(Reason.CEREMONY_FAILED, "the browser's answer broke off"
          + " before it was complete; nothing was recorded"));
      throw e;
    }
  }

  private void takeAnswer(HttpExchange x, boolean browserError) throws IOException {
    String type = x.getRequestHeaders().getFirst("Content-Type");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      fail(x, 415, "the browser's answer is not JSON");
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
      String reported = browserError(json);
      CeremonyPage p = page;
      // At registration the browser raises InvalidStateError only for a key that holds one of the
      // excluded credentials, i.e. a key the kit already knows.
      boolean known = p != null && p.kind() == CeremonyPage.Kind.CREATE && reported.startsWith("InvalidStateError");
      fail(x, 200, "the browser reported " + reported + (known
          ? " (this key is already registered with the kit, see 'bg key list': use another key)"
          : " (cancelled, timed out, or a key that is already registered or not the registered one)"));
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
    // Reply first: once the command's thread learns of the failure it stops the server, and a
    // reply still being written would be cut off, leaving the page without the kit's message.
    try {
      send(x, status, "application/json", result("failed", message + "; nothing was recorded"));
    } finally {
      answer.completeExceptionally(new CustodyException(Reason.CEREMONY_FAILED, message + "; nothing was recorded"));
    }
  }

  /**
   * The error's name and message from the page's report, bounded and printable (they reach the
   * terminal); never the raw body.
   */
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

  /** Stops the server and releases the home's lock; a second call does nothing. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return; // the lock file may belong to a new ceremony by now
    }
    answered.set(true);
    answer.completeExceptionally(new CustodyException(Reason.CEREMONY_FAILED, "the ceremony was closed"));
    outcome.complete(new String[] {"failed", "the ceremony has ended; see the terminal"});
    stop(servers, executor, lockFile, lockChannel);
  }

  /** Stops started servers and releases the home; {@code lockFile} and {@code channel} may be null. */
  private static void stop(List<HttpServer> servers, ExecutorService executor, Path lockFile, FileChannel channel) {
    for (HttpServer s : servers) {
      s.stop(0);
    }
    executor.shutdownNow();
    try {
      if (channel != null) {
        channel.close(); // releases the lock
      }
    } catch (IOException e) {
      // The descriptor is gone either way, and with it the lock.
    } finally {
      if (lockFile != null) {
        HELD_HERE.remove(lockFile);
      }
    }
  }
}
