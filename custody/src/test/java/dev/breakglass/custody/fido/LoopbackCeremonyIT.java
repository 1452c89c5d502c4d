package dev.breakglass.custody.fido;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.fido.LoopbackCeremony.Finisher;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.KeyCheck;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.TestClock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loopback page served to a real HTTP client standing in for the browser: the client fetches
 * what the page fetches and posts what its script posts, with the headers a browser sets.
 */
class LoopbackCeremonyIT {
  static final UUID AAGUID = UUID.fromString("2fc0579f-8113-47ea-b116-bb5a8db9202a");
  static final KeyOwner ITEM = KeyOwner.item("bg1-key");
  /** Long enough never to be reached when the client answers; the timeout test uses its own. */
  static final Duration WAIT = Duration.ofSeconds(5);
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;
  TestClock clock;
  Ledger ledger;
  KeyCeremonies keys;
  SoftAuthenticator key;
  HttpClient browser;
  ExecutorService background;
  final List<LoopbackCeremony> opened = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    clock = new TestClock(Fixture.START);
    ledger = Ledger.init(home, "admin", clock);
    Fixture.populate(ledger);
    keys = new KeyCeremonies(ledger, AttestationTrust.load(Optional.empty(), Optional.empty(), List.of(), clock),
        clock);
    key = SoftAuthenticator.none(AAGUID);
    browser = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2))
        .build();
    background = Executors.newCachedThreadPool();
  }

  @AfterEach
  void tearDown() {
    opened.forEach(LoopbackCeremony::close);
    background.shutdownNow();
    ledger.close();
  }

  // --- the ceremonies ---------------------------------------------------------------------------

  @Test
  void registrationThenVerification_throughThePage_recordsTheKeyAndItsCheck() throws Exception {
    LoopbackCeremony c = open();
    KeyCeremonies.Registration reg = keys.startRegistration(ITEM, c.origin(), WAIT);
    Running<KeyCeremonies.Registered> registering = run(c, reg.page(),
        json -> keys.finishRegistration(reg, json, "Alice", Optional.of("Bob")),
        r -> "Registered " + r.key().credentialId());
    URI page = registering.url();
    assertEquals(c.url(), page);
    assertEquals("http://localhost:" + page.getPort(), c.origin());

    HttpResponse<String> html = get(page);
    assertEquals(200, html.statusCode());
    assertTrue(html.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    assertTrue(html.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"));
    assertEquals(Optional.of("no-store"), html.headers().firstValue("Cache-Control"));
    assertTrue(html.body().contains("<script src=\"ceremony.js\"></script>"));
    assertEquals(200, get(page.resolve("ceremony.js")).statusCode());
    assertEquals(200, get(page.resolve("ceremony.css")).statusCode());

    JsonNode options = options(page);
    assertEquals("create", options.get("kind").asText());
    assertEquals("Register a security key for item 'bg1-key'", options.get("title").asText());
    String credential = key.register(options.get("options").toString(), c.origin());
    Answer posted = postAnswer(page, "response", credential);
    assertEquals(200, posted.status());
    assertEquals("ok", posted.outcome(), posted.message());
    String credentialId = key.lastCredentialId().getBase64Url();
    assertEquals("Registered " + credentialId, posted.message());
    KeyCeremonies.Registered registered = registering.result();
    assertEquals(credentialId, registered.key().credentialId());
    assertEquals(List.of(credentialId), ledger.keys(ITEM).stream().map(k -> k.credentialId()).toList());
    c.close();

    LoopbackCeremony v = open();
    KeyCeremonies.Verification ver = keys.startVerification(ITEM, v.origin(), WAIT);
    Running<KeyCheck> verifying = run(v, ver.page(),
        json -> ledger.recordKeyVerification(ITEM, keys.finishVerification(ver, json), "Alice", Optional.of("Bob")),
        k -> "Verified, counter " + k.key().signCount());
    JsonNode get = options(verifying.url());
    assertEquals("get", get.get("kind").asText());
    Answer proved = postAnswer(verifying.url(), "response", key.authenticate(get.get("options").toString(),
        v.origin()));
    assertEquals("ok", proved.outcome(), proved.message());
    assertEquals("Verified, counter 2", proved.message());
    KeyCheck check = verifying.result();
    assertEquals(2, check.key().signCount());
    assertEquals(ledger.head().orElseThrow().seq(), check.event().seq());
  }

  @Test
  void optionsBeforeTheCeremonyRuns_sayWait() throws Exception {
    LoopbackCeremony c = open();
    assertEquals("wait", options(c.url()).get("kind").asText());
  }

  // --- answers that end the ceremony with nothing recorded -----------------------------------------

  @Test
  void malformedAnswer_failsOnThePageAndInRun_recordsNothing() throws Exception {
    Head before = ledger.head().orElseThrow();
    LoopbackCeremony c = open();
    Running<KeyCeremonies.Registered> r = register(c);
    String body = "{\"id\": \"ECHO-CHECK-7f3a\", \"type\": \"public-key\", \"response\": [";
    Answer a = postAnswer(r.url(), "response", body);

    CustodyException e = r.failure();
    // The wording is KeyCeremonies' (see its tests); the page shows it as the terminal does.
    assertEquals(Reason.CEREMONY_FAILED, e.reason());
    assertTrue(e.getMessage().startsWith("the browser's answer is not a well-formed WebAuthn registration response"),
        e.getMessage());
    assertTrue(e.getMessage().contains("nothing was recorded"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertEquals(200, a.status());
    assertEquals("failed", a.outcome());
    assertEquals(e.getMessage(), a.message());
    assertFalse(a.body().contains("ECHO-CHECK"), a.body());
    assertNothingRecorded(before);
  }

  @Test
  void oversizedAnswer_isRefusedWith413_recordsNothing() throws Exception {
    Head before = ledger.head().orElseThrow();
    LoopbackCeremony c = open();
    Running<KeyCeremonies.Registered> r = register(c);
    String body = "{\"pad\": \"" + "x".repeat(70 * 1024) + "\"}";
    Answer a = postAnswer(r.url(), "response", body);

    assertEquals(413, a.status());
    assertEquals("failed", a.outcome());
    CustodyException e = r.failure();
    assertEquals(Reason.CEREMONY_FAILED, e.reason());
    assertEquals("the browser's answer is larger than 64 KiB and was refused; nothing was recorded", e.getMessage());
    assertEquals(e.getMessage(), a.message());
    assertNothingRecorded(before);
  }

  @Test
  void browserError_endsTheCeremonyNamingIt_inPrintableText() throws Exception {
    Head before = ledger.head().orElseThrow();
    LoopbackCeremony c = open();
    Running<KeyCeremonies.Registered> r = register(c);
    Answer a = postAnswer(r.url(), "error", "{\"name\": \"NotAllowedError\", \"message\":"
        + " \"The operation either timed out or was not allowed.\\u001b[2J\"}");

    CustodyException e = r.failure();
    assertEquals(Reason.CEREMONY_FAILED, e.reason());
    assertEquals("the browser reported NotAllowedError: The operation either timed out or was not allowed.?[2J"
        + " (cancelled, timed out, or a key that is already registered or not the registered one); nothing was"
        + " recorded", e.getMessage());
    assertEquals(200, a.status());
    assertEquals("failed", a.outcome());
    assertEquals(e.getMessage(), a.message());
    assertNothingRecorded(before);
  }

  @Test
  void wrongContentType_isRefusedWith415_andEndsTheCeremony() throws Exception {
    Head before = ledger.head().orElseThrow();
    LoopbackCeremony c = open();
    KeyCeremonies.Registration reg = keys.startRegistration(ITEM, c.origin(), WAIT);
    Running<KeyCeremonies.Registered> r = run(c, reg.page(),
        json -> keys.finishRegistration(reg, json, "Alice", Optional.of("Bob")), x -> "Registered");
    String credential = key.register(options(r.url()).get("options").toString(), c.origin());
    Answer a = post(r.url().resolve("response"), credential, Optional.of(c.origin()), "text/plain");

    assertEquals(415, a.status());
    CustodyException e = r.failure();
    assertEquals(Reason.CEREMONY_FAILED, e.reason());
    assertEquals("the browser's answer is not JSON; nothing was recorded", e.getMessage());
    // The answer was spent: even a valid credential is now too late.
    assertEquals(409, postAnswer(r.url(), "response", credential).status());
    assertNothingRecorded(before);
  }

  @Test
  void finisherRefusal_isShownOnThePageAndRethrown() throws Exception {
    Head before = ledger.head().orElseThrow();
    LoopbackCeremony c = open();
    KeyCeremonies.Registration reg = keys.startRegistration(ITEM, c.origin(), WAIT);
    Running<KeyCeremonies.Registered> r = run(c, reg.page(),
        json -> keys.finishRegistration(reg, json, "Alice", Optional.of("Alice")), x -> "Registered");
    Answer a = postAnswer(r.url(), "response", key.register(options(r.url()).get("options").toString(),
        c.origin()));

    CustodyException e = r.failure();
    assertEquals(Reason.REFUSED, e.reason());
    assertEquals("custodian and witness must be two different people ('Alice' was given for both)",
        e.getMessage());
    assertEquals(200, a.status());
    assertEquals("failed", a.outcome());
    assertEquals(e.getMessage(), a.message());
    assertNothingRecorded(before);
  }

  @Test
  void noAnswerWithinTheTimeout_failsNamingIt_andLaterAnswersFindNoCeremony() throws Exception {
    Head before = ledger.head().orElseThrow();
    LoopbackCeremony c = open();
    KeyCeremonies.Registration reg = keys.startRegistration(ITEM, c.origin(), WAIT);
    CompletableFuture<URI> ready = new CompletableFuture<>();
    long start = System.nanoTime();
    CustodyException e = assertThrows(CustodyException.class, () -> c.run(reg.page(),
        json -> keys.finishRegistration(reg, json, "Alice", Optional.of("Bob")), x -> "Registered",
        Duration.ofSeconds(1), ready::complete));
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertTrue(waited >= 1000 && waited < 3000, "waited " + waited + " ms");
    assertEquals(Reason.CEREMONY_FAILED, e.reason());
    assertEquals("no answer from the browser within 1 s; nothing was recorded. Run the command again and press"
        + " Start on the page", e.getMessage());
    String late = key.register(options(ready.get()).get("options").toString(), c.origin());
    assertEquals(409, postAnswer(ready.get(), "response", late).status());
    c.close();
    HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    assertThrows(ConnectException.class, () -> fresh.send(HttpRequest.newBuilder(ready.get().resolve("response"))
        .header("Origin", c.origin()).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(late)).build(), HttpResponse.BodyHandlers.ofString()));
    assertNothingRecorded(before);
  }

  // --- requests that are not the page's leave the ceremony alone ---------------------------------

  @Test
  void foreignRequests_areRefused_andTheCeremonyCarriesOn() throws Exception {
    LoopbackCeremony c = open();
    Running<KeyCeremonies.Registered> r = register(c);
    URI page = r.url();
    int port = page.getPort();
    String path = page.getRawPath();
    String credential = key.register(options(page).get("options").toString(), c.origin());

    // A rebinding DNS name, or the raw address: not the page's origin, even with the right token.
    assertEquals(421, raw(port, "GET " + path + " HTTP/1.1\r\nHost: evil.example:" + port
        + "\r\nConnection: close\r\n\r\n"));
    assertEquals(421, raw(port, "POST " + path + "response HTTP/1.1\r\nHost: 127.0.0.1:" + port
        + "\r\nOrigin: " + c.origin() + "\r\nContent-Type: application/json\r\nContent-Length: "
        + credential.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + credential));
    assertEquals(421, raw(port, "GET " + path + " HTTP/1.0\r\n\r\n"));
    // Another token, or none.
    assertEquals(404, get(URI.create(c.origin() + "/c/" + "A".repeat(22) + "/options")).statusCode());
    assertEquals(404, get(URI.create(c.origin() + "/")).statusCode());
    assertEquals(404, post(page.resolve("other"), credential, Optional.of(c.origin()),
        "application/json").status());
    // Posts that no script of the page made.
    Answer noOrigin = post(page.resolve("response"), credential, Optional.empty(), "application/json");
    assertEquals(403, noOrigin.status());
    assertEquals("failed", noOrigin.outcome());
    assertEquals(403, post(page.resolve("response"), credential, Optional.of("http://evil.example"),
        "application/json").status());
    assertEquals(403, post(page.resolve("error"), "{\"name\": \"NotAllowedError\"}",
        Optional.of("http://localhost:" + (port == 65535 ? 1 : port + 1)), "application/json").status());

    Answer a = postAnswer(page, "response", credential);
    assertEquals("ok", a.outcome(), a.message());
    assertEquals(key.lastCredentialId().getBase64Url(), r.result().key().credentialId());
  }

  @Test
  void secondAnswer_getsConflictAtOnce_whileTheFirstAwaitsItsOutcome() throws Exception {
    LoopbackCeremony c = open();
    CountDownLatch recording = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Running<String> r = run(c, new CeremonyPage(CeremonyPage.Kind.GET, "t", "i", "{\"publicKey\": {}}"), json -> {
      recording.countDown();
      await(release);
      return "recorded " + json;
    }, x -> x);
    CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> {
      try {
        return postAnswer(r.url(), "response", "{\"n\": 1}");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, background);
    assertTrue(recording.await(2, TimeUnit.SECONDS));

    // The first answer holds a server thread until its outcome; the rest of the page still works.
    Answer second = postAnswer(r.url(), "response", "{\"n\": 2}");
    assertEquals(409, second.status());
    assertEquals("this ceremony was already answered or has ended; run the command again for a new one",
        second.message());
    assertEquals(409, postAnswer(r.url(), "error", "{\"name\": \"NotAllowedError\"}").status());
    assertEquals(200, get(r.url()).statusCode());
    assertFalse(first.isDone());

    release.countDown();
    Answer a = first.get(2, TimeUnit.SECONDS);
    assertEquals("ok", a.outcome());
    assertEquals("recorded {\"n\": 1}", a.message());
    assertEquals("recorded {\"n\": 1}", r.result());
  }

  @Test
  void finisherBug_showsAnInternalErrorAndRethrows() throws Exception {
    LoopbackCeremony c = open();
    Running<String> r = run(c, new CeremonyPage(CeremonyPage.Kind.GET, "t", "i", "{\"publicKey\": {}}"), json -> {
      throw new IllegalStateException("bug");
    }, x -> x);
    Answer a = postAnswer(r.url(), "response", "{}");
    assertEquals("failed", a.outcome());
    assertEquals("internal error; see the terminal", a.message());
    ExecutionException e = assertThrows(ExecutionException.class, () -> r.done().get(2, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof IllegalStateException, e.getCause().toString());
  }

  // --- the home's lock ----------------------------------------------------------------------------

  @Test
  void secondCeremonyForAHome_isRefused_untilTheFirstCloses() throws Exception {
    LoopbackCeremony first = open();
    CustodyException e = assertThrows(CustodyException.class, () -> LoopbackCeremony.open(home, 0));
    assertEquals(Reason.REFUSED, e.reason());
    assertTrue(e.getMessage().startsWith("another key ceremony is running for " + home), e.getMessage());
    // Also through another spelling of the home.
    Path other = home.resolve("..").resolve(home.getFileName());
    assertEquals(Reason.REFUSED, assertThrows(CustodyException.class, () -> LoopbackCeremony.open(other, 0)).reason());

    // The refusal left the first ceremony serving and its lock held, against other processes too.
    assertEquals(200, get(first.url()).statusCode());
    assertTrue(lockProbe().startsWith("REFUSED another key ceremony is running for "));

    first.close();
    open().close();
  }

  @Test
  void close_isIdempotent_andLeavesALaterCeremonyAlone() throws Exception {
    LoopbackCeremony first = open();
    first.close();
    first.close();
    LoopbackCeremony second = open();
    first.close();
    assertEquals(Reason.REFUSED, assertThrows(CustodyException.class, () -> LoopbackCeremony.open(home, 0)).reason());
    assertEquals(200, get(second.url()).statusCode());
    assertTrue(lockProbe().startsWith("REFUSED another key ceremony is running for "));
  }

  @Test
  void lockFile_isPrivate() throws Exception {
    open();
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        home.resolve(LoopbackCeremony.LOCK_FILE))));
  }

  @Test
  void lockFileThatIsALink_isNotFollowed() throws Exception {
    Path target = home.resolve("target");
    Files.createSymbolicLink(home.resolve(LoopbackCeremony.LOCK_FILE), target);
    CustodyException e = assertThrows(CustodyException.class, () -> LoopbackCeremony.open(home, 0));
    assertEquals(Reason.IO, e.reason());
    assertTrue(e.getMessage().startsWith("cannot start the loopback page for the key ceremony: "), e.getMessage());
    assertFalse(Files.exists(target));
    Files.delete(home.resolve(LoopbackCeremony.LOCK_FILE));
    open(); // the failure released the home
  }

  @Test
  void portInUse_isRefusedNamingIt_andReleasesTheHome() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      CustodyException e = assertThrows(CustodyException.class, () -> LoopbackCeremony.open(home, port));
      assertEquals(Reason.REFUSED, e.reason());
      assertTrue(e.getMessage().startsWith("port " + port + " on 127.0.0.1 is not free ("), e.getMessage());
      assertTrue(e.getMessage().endsWith("): choose another --port, or leave it out to use any free port"),
          e.getMessage());
    }
    open();
  }

  @Test
  void portInUseOnIpv6LoopbackOnly_isRefusedToo() throws Exception {
    ServerSocket taken;
    try {
      taken = new ServerSocket(0, 1, InetAddress.getByName("::1"));
    } catch (IOException e) {
      assumeTrue(false, "no IPv6 loopback here");
      return;
    }
    try (taken) {
      int port = taken.getLocalPort();
      CustodyException e = assertThrows(CustodyException.class, () -> LoopbackCeremony.open(home, port));
      assertEquals(Reason.REFUSED, e.reason());
      assertTrue(e.getMessage().startsWith("port " + port + " on ::1 is not free ("), e.getMessage());
      // 127.0.0.1 was given back.
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
      }
    }
    open();
  }

  @Test
  void badPort_isAnInvalidArgument() {
    CustodyException e = assertThrows(CustodyException.class, () -> LoopbackCeremony.open(home, 65536));
    assertEquals(Reason.INVALID_ARGUMENT, e.reason());
    assertEquals("--port must be from 1 to 65535 (or 0 for any), got 65536", e.getMessage());
  }

  // --- helpers ------------------------------------------------------------------------------------

  /** A ceremony on a background thread, and the page's address once it serves it. */
  record Running<T>(Future<T> done, CompletableFuture<URI> ready) {
    URI url() throws Exception {
      return ready.get(2, TimeUnit.SECONDS);
    }

    T result() throws Exception {
      return done.get(2, TimeUnit.SECONDS);
    }

    CustodyException failure() throws Exception {
      ExecutionException e = assertThrows(ExecutionException.class, () -> done.get(2, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof CustodyException, e.getCause().toString());
      return (CustodyException) e.getCause();
    }
  }

  /** What the page's script reads from a post: the status and the outcome JSON. */
  record Answer(int status, String body, String outcome, String message) {}

  private LoopbackCeremony open() throws CustodyException {
    LoopbackCeremony c = LoopbackCeremony.open(home, 0);
    opened.add(c);
    return c;
  }

  private <T> Running<T> run(LoopbackCeremony c, CeremonyPage page, Finisher<T> finisher,
      Function<T, String> describe) {
    CompletableFuture<URI> ready = new CompletableFuture<>();
    Callable<T> task = () -> c.run(page, finisher, describe, WAIT, ready::complete);
    return new Running<>(background.submit(task), ready);
  }

  private Running<KeyCeremonies.Registered> register(LoopbackCeremony c) throws CustodyException {
    KeyCeremonies.Registration reg = keys.startRegistration(ITEM, c.origin(), WAIT);
    return run(c, reg.page(), json -> keys.finishRegistration(reg, json, "Alice", Optional.of("Bob")),
        x -> "Registered");
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return browser.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode options(URI page) throws Exception {
    HttpResponse<String> r = get(page.resolve("options"));
    assertEquals(200, r.statusCode());
    assertEquals(Optional.of("application/json"), r.headers().firstValue("Content-Type"));
    return JSON.readTree(r.body());
  }

  /** As the page's script posts: same origin, JSON. */
  private Answer postAnswer(URI page, String what, String body) throws Exception {
    return post(page.resolve(what), body, Optional.of("http://localhost:" + page.getPort()), "application/json");
  }

  private Answer post(URI uri, String body, Optional<String> origin, String type) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(4)).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofString(body));
    origin.ifPresent(o -> b.header("Origin", o));
    HttpResponse<String> r = browser.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (!r.headers().firstValue("Content-Type").orElse("").equals("application/json")) {
      return new Answer(r.statusCode(), r.body(), "", "");
    }
    JsonNode o = JSON.readTree(r.body());
    return new Answer(r.statusCode(), r.body(), o.path("outcome").asText(), o.path("message").asText());
  }

  /** A request written by hand (HttpClient sets Host itself); returns the response's status. */
  private static int raw(int port, String request) throws IOException {
    try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
      s.setSoTimeout(2000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
      assertTrue(status != null && status.startsWith("HTTP/1.1 "), String.valueOf(status));
      return Integer.parseInt(status.substring(9, 12));
    }
  }

  private void assertNothingRecorded(Head before) throws CustodyException {
    assertEquals(before, ledger.head().orElseThrow());
    assertEquals(List.of(), ledger.keys());
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(5, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Another process asking for the home's ceremony lock: what {@link LockProbe} printed. */
  private String lockProbe() throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), LockProbe.class.getName(), home.toString())
        .redirectErrorStream(true).start();
    assertTrue(p.waitFor(20, TimeUnit.SECONDS), "probe did not finish");
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  /** Run in another JVM by {@link #lockProbe}: tries to open a ceremony for the home in args[0]. */
  static final class LockProbe {
    public static void main(String[] args) {
      try (LoopbackCeremony c = LoopbackCeremony.open(Path.of(args[0]), 0)) {
        System.out.println("OPENED");
      } catch (CustodyException e) {
        System.out.println(e.reason() + " " + e.getMessage());
      }
    }
  }
}
