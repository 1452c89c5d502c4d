package dev.breakglass.entra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for Microsoft Graph on {@code http://127.0.0.1:PORT}, for tests that point the real SDK
 * at it ({@code EntraSettings.withGraphUrl(server.url())}). It answers from fixture JSON files
 * written in the shapes Microsoft documents (see {@code src/test/resources/graph/README.md}), and it
 * behaves like Graph where the kit depends on it:
 *
 * <ul>
 *   <li><b>Documents.</b> A fixture {@code ROOT/PATH.json} answers {@code GET /v1.0/PATH} (and
 *       {@code /beta/PATH}). A collection document ({@code {"value":[…]}}) also answers for its
 *       items: {@code users/{id or UPN}}, {@code applications/{id}}, {@code applications(appId='…')};
 *       a sub-resource of an item is looked up under the item's id ({@code
 *       users/{id}/authentication/methods.json}), and is an empty collection when there is no file.
 *       {@link #put} replaces a document; PATCH changes items in place.
 *   <li><b>Paging.</b> Collections are served {@link #pageSize} items a page (default 100, or
 *       {@code $top} when smaller) with an {@code @odata.nextLink} pointing back at this server.
 *   <li><b>Query options.</b> {@code $filter} with {@code eq ne gt ge lt le}, {@code and or not},
 *       parentheses, {@code startswith(p,'x')} and {@code p/any(t: t eq 'x' …)}; unquoted timestamps
 *       compare as instants; a filter it cannot parse is a 400 as Graph's is. {@code $select}
 *       projects; an OData cast segment ({@code /microsoft.graph.group}) keeps that type only.
 *   <li><b>Graph's quirks.</b> Sign-ins: served newest first (descending {@code createdDateTime},
 *       a stable order, kept when a fixture is loaded, {@link #put} or added to); beta
 *       without a {@code signInEventTypes} filter returns interactive sign-ins only; v1.0 has no
 *       {@code signInEventTypes} (filtering on it is a 400).
 *       Key credentials carry {@code key} only on a single application read with {@code
 *       $select=keyCredentials}; a PATCH of {@code keyCredentials} with an entry without {@code key}
 *       is a 400. A PATCH of {@code passwordProfile} is not stored but sets {@code
 *       lastPasswordChangeDateTime}.
 *   <li><b>Tokens.</b> A request without a bearer token is a 401; so is a token once refused by
 *       {@link Fault#expiredToken()}, on every path, until the client sends another.
 *   <li><b>Faults.</b> {@link #fault} scripts answers per path prefix: 429 with {@code
 *       Retry-After}, 503, 504, an HTML gateway page, truncated or malformed JSON, a given body, the
 *       non-premium licence error, any Graph error, a dropped connection, an answer held back
 *       ({@link Fault#hang}).
 *   <li><b>A live sign-in log.</b> {@link #addSignIns} appends sign-ins (built with {@link #signIn}
 *       and {@link #servicePrincipalSignIn}) while a client polls. Filtering stays cheap on a large
 *       log (100,000 sign-ins): a time window is a slice of the ordered log, identity terms are
 *       tested before time terms, timestamps in Graph's form are compared as text, and only
 *       matching items are copied.
 *   <li><b>Recording.</b> Every request, with its query, Authorization header and body: {@link
 *       #requests()}, {@link #awaitRequest}.
 * </ul>
 */
public final class GraphTestServer implements AutoCloseable {
  /** The fixture tenant of this module's tests. */
  public static final String CONTOSO = "graph/contoso";
  /** The sign-in log's resource. */
  public static final String SIGN_INS = "auditLogs/signIns";
  public static final int DEFAULT_PAGE_SIZE = 100;
  static final String CONTENT_TYPE =
      "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

  static {
    // The JDK server otherwise waits ~40 ms per response for Nagle's algorithm.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService pool;
  private final String root;
  private final Map<String, JsonNode> docs = new ConcurrentHashMap<>();
  private final Set<String> absent = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> pageSizes = new ConcurrentHashMap<>();
  private final List<Scripted> faults = new ArrayList<>();
  private final Set<String> refusedTokens = ConcurrentHashMap.newKeySet();
  /** Guarded by itself; an ArrayList, not copy-on-write: a long poll makes thousands of requests. */
  private final List<Recorded> requests = new ArrayList<>();
  /** Released by {@link #close()}, which ends every held answer. */
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile Clock clock = Clock.systemUTC();
  private volatile boolean requireToken = true;
  private volatile URI nextLinkBase;

  /**
   * One request as received.
   *
   * @param path the decoded path, e.g. {@code /v1.0/users/bg1@contoso.onmicrosoft.com}
   * @param query decoded query options, e.g. {@code $filter → principalId eq '…'}
   * @param authorization the Authorization header, if any
   */
  public record Recorded(String method, String path, Optional<String> rawQuery, Map<String, String> query,
      Optional<String> authorization, String body) {
    /** The path without {@code /v1.0} or {@code /beta}. */
    public String resource() {
      int i = path.indexOf('/', 1);
      return i < 0 ? "" : path.substring(i + 1);
    }

    /** The bearer token sent, if any. */
    public Optional<String> bearer() {
      return authorization.filter(a -> a.startsWith("Bearer ")).map(a -> a.substring("Bearer ".length()));
    }

    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new IllegalStateException("request body is not JSON: " + body, e);
      }
    }
  }

  /** A scripted answer. */
  public static final class Fault {
    enum Kind { PASS, STATUS, EXPIRED_TOKEN, TRUNCATED, MALFORMED, BODY, HTML, DROP, HANG }

    final Kind kind;
    final int status;
    final String code;
    final String message;
    final Map<String, String> headers;
    final Duration hold;

    private Fault(Kind kind, int status, String code, String message, Map<String, String> headers) {
      this(kind, status, code, message, headers, Duration.ZERO);
    }

    private Fault(Kind kind, int status, String code, String message, Map<String, String> headers, Duration hold) {
      this.kind = kind;
      this.status = status;
      this.code = code;
      this.message = message;
      this.headers = headers;
      this.hold = hold;
    }

    /** The right answer: in a script, lets a request through (e.g. the first page, then a fault). */
    public static Fault pass() {
      return new Fault(Kind.PASS, 200, "", "", Map.of());
    }

    /** 429 with {@code Retry-After: seconds}, as Graph throttles. */
    public static Fault throttled(int retryAfterSeconds) {
      return new Fault(Kind.STATUS, 429, "TooManyRequests", "Too many requests.",
          Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }

    /** 429 without {@code Retry-After}, as the Conditional Access endpoints throttle. */
    public static Fault throttledWithoutRetryAfter() {
      return new Fault(Kind.STATUS, 429, "TooManyRequests", "Too many requests.", Map.of());
    }

    /** 503 Service Unavailable. */
    public static Fault unavailable() {
      return new Fault(Kind.STATUS, 503, "serviceNotAvailable", "Service Unavailable", Map.of());
    }

    /** 504 Gateway Timeout. */
    public static Fault gatewayTimeout() {
      return new Fault(Kind.STATUS, 504, "gatewayTimeout", "Gateway Timeout", Map.of());
    }

    /** A gateway's HTML error page with {@code status}. */
    public static Fault htmlPage(int status) {
      return new Fault(Kind.HTML, status, "", "", Map.of());
    }

    /** 401 "token expired" to the token the request carries, and to it alone, from now on. */
    public static Fault expiredToken() {
      return new Fault(Kind.EXPIRED_TOKEN, 401, "InvalidAuthenticationToken",
          "Lifetime validation failed, the token is expired.", Map.of());
    }

    /** The right answer cut off after half its bytes (the HTTP framing intact). */
    public static Fault truncatedJson() {
      return new Fault(Kind.TRUNCATED, 200, "", "", Map.of());
    }

    /** A 200 whose body is not JSON. */
    public static Fault malformedJson() {
      return new Fault(Kind.MALFORMED, 200, "", "", Map.of());
    }

    /**
     * A 200 with exactly {@code json} as its body, e.g. a hand-made page of sign-ins with one the
     * server's own {@code $filter} would drop (a {@code createdDateTime} that is not a date). A next
     * link in it is followed like any other (point it at {@link GraphTestServer#url()}).
     */
    public static Fault body(String json) {
      return new Fault(Kind.BODY, 200, "", Objects.requireNonNull(json, "json"), Map.of());
    }

    /**
     * The right answer, held back for {@code hold} first: a client caught in the middle of a call
     * (e.g. a daemon killed during a poll; {@link GraphTestServer#awaitRequest} says when the
     * request is in). The request is recorded when it arrives, and answered as it would be at the
     * end of the hold. {@link GraphTestServer#close()} ends the wait at once and drops the connection,
     * so a long hold never outlives the test; other requests are answered meanwhile.
     */
    public static Fault hang(Duration hold) {
      if (Objects.requireNonNull(hold, "hold").isNegative()) {
        throw new IllegalArgumentException("hold must not be negative, got " + hold);
      }
      return new Fault(Kind.HANG, 200, "", "", Map.of(), hold);
    }

    /** The sign-in log's answer to a tenant without Entra ID P1/P2. */
    public static Fault nonPremiumLicence() {
      return new Fault(Kind.STATUS, 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
          "Neither tenant is B2C or tenant doesn't have premium license", Map.of());
    }

    /** 403 for a missing permission. */
    public static Fault forbidden() {
      return new Fault(Kind.STATUS, 403, "Authorization_RequestDenied",
          "Insufficient privileges to complete the operation.", Map.of());
    }

    /** Any Graph error. */
    public static Fault error(int status, String code, String message) {
      return new Fault(Kind.STATUS, status, code, message, Map.of());
    }

    /** The connection closes without an answer. */
    public static Fault dropConnection() {
      return new Fault(Kind.DROP, 0, "", "", Map.of());
    }
  }

  private record Scripted(Optional<String> method, String prefix, Fault fault, boolean always) {
    boolean matches(String m, String resource) {
      return method.map(x -> x.equalsIgnoreCase(m)).orElse(true) && resource.startsWith(prefix);
    }
  }

  private GraphTestServer(String root) throws IOException {
    this.root = root;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    // Cached, not fixed: a held answer occupies a thread for as long as it is held.
    this.pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "graph-test-server");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A server answering from the fixtures under {@code classpathRoot} (e.g. {@link #CONTOSO}). */
  public static GraphTestServer start(String classpathRoot) throws IOException {
    return new GraphTestServer(classpathRoot.replaceAll("^/|/$", ""));
  }

  /** The Graph root to configure: {@code http://127.0.0.1:PORT}, without a version. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Serves the collection at {@code resource} (e.g. {@code identity/conditionalAccess/policies}) {@code n} a page. */
  public GraphTestServer pageSize(String resource, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("page size must be positive, got " + n);
    }
    pageSizes.put(resource, n);
    return this;
  }

  /** Replaces (or adds) the document at {@code resource}. */
  public GraphTestServer put(String resource, String json) {
    JsonNode d;
    try {
      d = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + json, e);
    }
    synchronized (this) {
      docs.put(resource, ordered(resource, d));
      absent.remove(resource);
    }
    return this;
  }

  /** The document at {@code resource} as it is now (after PATCHes), or null. */
  public synchronized JsonNode document(String resource) {
    JsonNode d = doc(resource);
    return d == null ? null : d.deepCopy();
  }

  /** The item {@code id} of the collection at {@code collection} as it is now, or null. */
  public synchronized ObjectNode item(String collection, String id) {
    JsonNode d = doc(collection);
    ObjectNode item = d == null ? null : find(d, id);
    return item == null ? null : item.deepCopy();
  }

  /**
   * Adds sign-ins to the log ({@value #SIGN_INS}, the fixture's or an empty one), each where its
   * {@code createdDateTime} puts it (newest first; after those of the same time). Safe while a client
   * polls: a request sees the log before or after the whole call, never half of it. The nodes are
   * copied; any shape is taken (a malformed record too, though the server's own {@code $filter} will
   * not match one without a readable {@code createdDateTime}: see {@link Fault#body}).
   */
  public GraphTestServer addSignIns(List<ObjectNode> signIns) {
    List<ObjectNode> copies = new ArrayList<>(signIns.size());
    for (ObjectNode s : signIns) {
      copies.add(Objects.requireNonNull(s, "sign-in").deepCopy());
    }
    synchronized (this) {
      JsonNode log = doc(SIGN_INS);
      if (log == null) {
        ObjectNode empty = JSON.createObjectNode().put("@odata.context",
            "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns");
        empty.putArray("value");
        docs.put(SIGN_INS, empty);
        absent.remove(SIGN_INS);
        log = empty;
      }
      ArrayNode value = (ArrayNode) log.get("value");
      if (copies.size() > 64) {
        value.addAll(copies);
        docs.put(SIGN_INS, ordered(SIGN_INS, log));
      } else {
        for (ObjectNode c : copies) {
          value.insert(insertionPoint(value, createdOf(c)), c);
        }
      }
    }
    return this;
  }

  /** As {@link #addSignIns} for one. */
  public GraphTestServer addSignIn(ObjectNode signIn) {
    return addSignIns(List.of(signIn));
  }

  /**
   * A user's interactive sign-in in the shape of Graph beta's {@code signin-list.md} example (as the
   * contoso fixture's items): to the Azure Portal, {@code status.failureReason} and {@code
   * conditionalAccessStatus} following {@code errorCode} (0 success; 50126 wrong password; others
   * "Other."), location and device empty. Change fields with {@code put} as a test needs.
   *
   * @param upn stored as given; the log keeps it lowercase, so give it so
   */
  public static ObjectNode signIn(String id, Instant created, String userId, String upn, int errorCode,
      String ipAddress) {
    ObjectNode s = common(id, created);
    s.put("userDisplayName", "Break Glass").put("userPrincipalName", upn).put("userId", userId)
        .put("appId", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c").put("appDisplayName", "Azure Portal")
        .put("ipAddress", ipAddress).put("clientAppUsed", "Browser").put("userAgent", "Mozilla/5.0 (X11; Linux x86_64)")
        .put("correlationId", UUID.nameUUIDFromBytes(("correlation " + id).getBytes(StandardCharsets.UTF_8)).toString())
        .put("conditionalAccessStatus", errorCode == 0 ? "success" : "notApplied").put("isInteractive", true);
    risk(s);
    s.put("resourceDisplayName", "Microsoft Graph").put("resourceId", "00000003-0000-0000-c000-000000000000");
    s.putArray("signInEventTypes").add("interactiveUser");
    s.put("servicePrincipalId", "").putNull("servicePrincipalName").put("userType", "member")
        .put("authenticationRequirement", "multiFactorAuthentication");
    tail(s, errorCode, "Browser");
    ArrayNode auth = s.putArray("authenticationDetails");
    auth.addObject().put("authenticationStepDateTime", s.get("createdDateTime").asText())
        .put("authenticationMethod", errorCode == 0 ? "FIDO2 security key" : "Password").putNull(
            "authenticationMethodDetail").put("succeeded", errorCode == 0)
        .put("authenticationStepResultDetail", errorCode == 0 ? "MFA successfully completed" : "Invalid username or"
            + " password or Invalid on-premise username or password.")
        .put("authenticationStepRequirement", "Primary authentication");
    return s;
  }

  /**
   * A service principal's sign-in (client credentials) in the shape of the beta {@code
   * resources/signin.md} property list (as the contoso fixture's): {@code userId} {@code ""}, {@code
   * servicePrincipalId} set, {@code signInEventTypes} {@code servicePrincipal}, not interactive.
   */
  public static ObjectNode servicePrincipalSignIn(String id, Instant created, String appId, String spId,
      int errorCode) {
    ObjectNode s = common(id, created);
    s.putNull("userDisplayName").putNull("userPrincipalName").put("userId", "").put("appId", appId)
        .put("appDisplayName", "Break-glass app").put("ipAddress", "192.0.2.44").put("clientAppUsed", "")
        .put("userAgent", "")
        .put("correlationId", UUID.nameUUIDFromBytes(("correlation " + id).getBytes(StandardCharsets.UTF_8)).toString())
        .put("conditionalAccessStatus", "notApplied").put("isInteractive", false);
    risk(s);
    s.put("resourceDisplayName", "Microsoft Graph").put("resourceId", "00000003-0000-0000-c000-000000000000");
    s.putArray("signInEventTypes").add("servicePrincipal");
    s.put("servicePrincipalId", spId).put("servicePrincipalName", "Break-glass app").putNull("userType")
        .put("authenticationRequirement", "singleFactorAuthentication");
    tail(s, errorCode, "");
    s.putArray("authenticationDetails");
    return s;
  }

  private static ObjectNode common(String id, Instant created) {
    ObjectNode s = JSON.createObjectNode();
    s.put("id", Objects.requireNonNull(id, "id"));
    // Graph writes whole seconds as 2026-11-20T12:00:00Z and fractions as 2026-11-20T12:00:00.1234567Z.
    s.put("createdDateTime", Objects.requireNonNull(created, "created").toString());
    return s;
  }

  private static void risk(ObjectNode s) {
    s.put("riskDetail", "none").put("riskLevelAggregated", "none").put("riskLevelDuringSignIn", "none")
        .put("riskState", "none");
    s.putArray("riskEventTypes_v2");
  }

  private static void tail(ObjectNode s, int errorCode, String browser) {
    ObjectNode status = s.putObject("status").put("errorCode", errorCode);
    if (errorCode == 0) {
      status.putNull("failureReason");
    } else {
      status.put("failureReason", errorCode == 50126
          ? "Error validating credentials due to invalid username or password." : "Other.");
    }
    status.putNull("additionalDetails");
    s.putObject("deviceDetail").put("deviceId", "").put("displayName", "").put("operatingSystem", "")
        .put("browser", browser).put("isCompliant", false).put("isManaged", false).put("trustType", "");
    ObjectNode location = s.putObject("location").putNull("city").putNull("state").putNull("countryOrRegion");
    location.putObject("geoCoordinates");
    s.putArray("appliedConditionalAccessPolicies");
  }

  /** Answers the next requests to {@code resourcePrefix} (any method if null) with {@code faults}, one each. */
  public GraphTestServer fault(String method, String resourcePrefix, Fault... script) {
    synchronized (faults) {
      for (Fault f : script) {
        faults.add(new Scripted(Optional.ofNullable(method), resourcePrefix, f, false));
      }
    }
    return this;
  }

  /** Answers every request to {@code resourcePrefix} with {@code fault} until {@link #clearFaults()}. */
  public GraphTestServer faultAlways(String method, String resourcePrefix, Fault fault) {
    synchronized (faults) {
      faults.add(new Scripted(Optional.ofNullable(method), resourcePrefix, fault, true));
    }
    return this;
  }

  public GraphTestServer clearFaults() {
    synchronized (faults) {
      faults.clear();
    }
    return this;
  }

  /**
   * Makes next links point at {@code other} instead of this server (a test that a token goes to the
   * configured Graph only).
   */
  public GraphTestServer nextLinksTo(URI other) {
    this.nextLinkBase = other;
    return this;
  }

  /**
   * An unsigned JWT shaped like a Graph access token ({@code aud} Graph, {@code exp}), for an
   * access-token file: the server accepts any bearer token.
   */
  public static String fakeJwt(Instant expiresAt) {
    return fakeJwt("https://graph.microsoft.com", expiresAt);
  }

  /** As {@link #fakeJwt(Instant)} for another audience. */
  public static String fakeJwt(String audience, Instant expiresAt) {
    java.util.Base64.Encoder b = java.util.Base64.getUrlEncoder().withoutPadding();
    return b.encodeToString("{\"typ\":\"JWT\",\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b.encodeToString(("{\"aud\":\"" + audience + "\",\"exp\":" + expiresAt.getEpochSecond()
            + ",\"tid\":\"84f6c0b1-6d5e-4a0f-9a36-2f5b0d9e7c11\"}").getBytes(StandardCharsets.UTF_8)) + ".c2lnbmF0dXJl";
  }

  /** Whether a request without a bearer token is refused (default true). */
  public GraphTestServer requireToken(boolean require) {
    this.requireToken = require;
    return this;
  }

  /** The clock that stamps {@code lastPasswordChangeDateTime} on a password PATCH. */
  public GraphTestServer clock(Clock c) {
    this.clock = Objects.requireNonNull(c);
    return this;
  }

  public List<Recorded> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** The requests with {@code method} whose resource (path without version) starts with {@code prefix}. */
  public List<Recorded> requests(String method, String prefix) {
    List<Recorded> out = new ArrayList<>();
    synchronized (requests) {
      for (Recorded r : requests) {
        if (r.method().equalsIgnoreCase(method) && r.resource().startsWith(prefix)) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /**
   * Waits until a request with {@code method} to a resource starting with {@code prefix} has arrived
   * (since the last {@link #clearRequests()}) and returns the first: e.g. the poll a {@link
   * Fault#hang} is holding.
   *
   * @throws IllegalStateException none arrived within {@code timeout}
   */
  public Recorded awaitRequest(String method, String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (requests) {
      while (true) {
        for (Recorded r : requests) {
          if (r.method().equalsIgnoreCase(method) && r.resource().startsWith(prefix)) {
            return r;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("no " + method + " " + prefix + " request within " + timeout);
        }
        TimeUnit.NANOSECONDS.timedWait(requests, left);
      }
    }
  }

  public void clearRequests() {
    synchronized (requests) {
      requests.clear();
    }
  }

  @Override
  public void close() {
    if (closing.getCount() == 0) {
      return;
    }
    closing.countDown();
    server.stop(0);
    pool.shutdownNow();
    try {
      pool.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- handling

  /** An answer to send; or, with {@code hold}, the right answer to work out after holding the request. */
  private record Answer(int status, String contentType, byte[] body, Map<String, String> headers, Duration hold,
      String version) {
    Answer(int status, String contentType, byte[] body, Map<String, String> headers) {
      this(status, contentType, body, headers, null, null);
    }

    static Answer json(int status, JsonNode node) {
      try {
        return new Answer(status, CONTENT_TYPE, JSON.writeValueAsBytes(node), Map.of());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    static Answer noContent() {
      return new Answer(204, null, new byte[0], Map.of());
    }

    static Answer held(Duration hold, String version) {
      return new Answer(0, null, new byte[0], Map.of(), hold, version);
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      URI uri = ex.getRequestURI();
      String path = URLDecoder.decode(uri.getRawPath().replace("+", "%2B"), StandardCharsets.UTF_8);
      Optional<String> rawQuery = Optional.ofNullable(uri.getRawQuery());
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readAllBytes();
      }
      Recorded rec = new Recorded(ex.getRequestMethod(), path, rawQuery, parseQuery(rawQuery.orElse("")),
          Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization")),
          new String(body, StandardCharsets.UTF_8));
      synchronized (requests) {
        requests.add(rec);
        requests.notifyAll();
      }
      Answer a;
      try {
        synchronized (this) { // one request at a time reads or changes the documents
          a = answer(rec);
        }
        if (a != null && a.hold() != null) {
          // Held outside the lock, so that other requests (and addSignIns) go on meanwhile.
          if (closing.await(a.hold().toNanos(), TimeUnit.NANOSECONDS)) {
            return; // closed while holding: drop the connection
          }
          synchronized (this) {
            a = respond(rec, a.version(), null);
          }
        }
      } catch (RuntimeException e) {
        a = Answer.json(500, error("serverError", "test server: " + e));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (a == null) {
        return; // dropped: closing the exchange without a response
      }
      send(ex, a);
    }
  }

  private static void send(HttpExchange ex, Answer a) throws IOException {
    if (a.contentType() != null) {
      ex.getResponseHeaders().set("Content-Type", a.contentType());
    }
    String id = UUID.randomUUID().toString();
    ex.getResponseHeaders().set("request-id", id);
    ex.getResponseHeaders().set("client-request-id", id);
    a.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ex.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
    if (a.body().length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(a.body());
      }
    }
  }

  private Answer answer(Recorded r) {
    String path = r.path();
    String version;
    if (path.startsWith("/v1.0/")) {
      version = "v1.0";
    } else if (path.startsWith("/beta/")) {
      version = "beta";
    } else {
      return Answer.json(400, error("BadRequest", "Invalid version."));
    }
    String resource = r.resource();
    if (requireToken) {
      Optional<String> token = r.bearer();
      if (token.isEmpty() || token.get().isBlank()) {
        return Answer.json(401, error("InvalidAuthenticationToken", "Access token is empty."));
      }
      if (refusedTokens.contains(token.get())) {
        return Answer.json(401, error("InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."));
      }
    }
    Fault fault = nextFault(r.method(), resource);
    if (fault != null) {
      switch (fault.kind) {
        case STATUS -> {
          Answer a = Answer.json(fault.status, error(fault.code, fault.message));
          return new Answer(a.status(), a.contentType(), a.body(), fault.headers);
        }
        case EXPIRED_TOKEN -> {
          r.bearer().ifPresent(refusedTokens::add);
          return Answer.json(401, error(fault.code, fault.message));
        }
        case HTML -> {
          return new Answer(fault.status, "text/html", ("<html><head><title>" + fault.status + "</title></head><body>"
              + "<h1>Bad Gateway</h1></body></html>").getBytes(StandardCharsets.UTF_8), Map.of());
        }
        case DROP -> {
          return null;
        }
        case HANG -> {
          return Answer.held(fault.hold, version);
        }
        case BODY -> {
          return new Answer(200, CONTENT_TYPE, fault.message.getBytes(StandardCharsets.UTF_8), Map.of());
        }
        default -> {
          // TRUNCATED and MALFORMED change the right answer below.
        }
      }
    }
    return respond(r, version, fault);
  }

  /** The right answer to {@code r}, changed by a TRUNCATED or MALFORMED {@code fault}. */
  private Answer respond(Recorded r, String version, Fault fault) {
    String resource = r.resource();
    Answer a = switch (r.method()) {
      case "GET" -> get(r, version, resource);
      case "PATCH" -> patch(r, resource);
      default -> Answer.json(405, error("Request_BadRequest", "Method " + r.method() + " is not supported here."));
    };
    if (fault != null && fault.kind == Fault.Kind.TRUNCATED) {
      byte[] half = java.util.Arrays.copyOf(a.body(), a.body().length / 2);
      return new Answer(a.status(), CONTENT_TYPE, half, Map.of());
    }
    if (fault != null && fault.kind == Fault.Kind.MALFORMED) {
      return new Answer(200, CONTENT_TYPE, "{\"value\": [{\"id\": \"1\",, \"displayName\": }]".getBytes(
          StandardCharsets.UTF_8), Map.of());
    }
    return a;
  }

  private Fault nextFault(String method, String resource) {
    synchronized (faults) {
      for (Iterator<Scripted> it = faults.iterator(); it.hasNext(); ) {
        Scripted s = it.next();
        if (s.matches(method, resource)) {
          if (!s.always()) {
            it.remove();
          }
          return s.fault();
        }
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- GET

  private Answer get(Recorded r, String version, String resource) {
    List<String> segs = new ArrayList<>(List.of(resource.split("/")));
    Optional<String> cast = Optional.empty();
    if (!segs.isEmpty() && segs.get(segs.size() - 1).matches("(microsoft\\.)?graph\\.[A-Za-z]+")) {
      // Graph takes the namespace's alias too: the v6 SDK sends /transitiveMemberOf/graph.group.
      String type = segs.remove(segs.size() - 1);
      cast = Optional.of("#" + (type.startsWith("microsoft.") ? type : "microsoft." + type));
    }
    Resolved res = resolve(segs);
    if (res == null) {
      return notFound(resource);
    }
    String context = url() + "/" + version + "/$metadata#" + String.join("/", segs);
    Optional<String> select = Optional.ofNullable(r.query().get("$select"));
    if (res.node().has("value") && res.node().get("value").isArray()) {
      return collection(r, version, res.key(), (ArrayNode) res.node().get("value"), cast, select, context);
    }
    ObjectNode item = res.node().deepCopy();
    boolean keys = select.map(s -> List.of(s.split(",")).contains("keyCredentials")).orElse(false);
    if (!keys) {
      stripKeys(item);
    }
    ObjectNode out = project(item, select);
    ObjectNode withContext = JSON.createObjectNode().put("@odata.context", context + "/$entity");
    withContext.setAll(out);
    return Answer.json(200, withContext);
  }

  private Answer collection(Recorded r, String version, String key, ArrayNode all, Optional<String> cast,
      Optional<String> select, String context) {
    String filterText = r.query().get("$filter");
    boolean signIns = key.equals("auditLogs/signIns");
    if (signIns && version.equals("v1.0") && filterText != null && filterText.contains("signInEventTypes")) {
      return Answer.json(400, error("BadRequest", "Could not find a property named 'signInEventTypes' on type"
          + " 'microsoft.graph.signIn'."));
    }
    Predicate<JsonNode> filter = item -> true;
    int first = 0;
    int end = all.size();
    if (filterText != null) {
      try {
        FilterParser parser = new FilterParser(filterText);
        filter = parser.parse();
        if (signIns) {
          // The log is kept newest first: a time range is a slice, found by binary search, so a
          // poll's few minutes cost the same in a log of 100,000 sign-ins as in one of ten.
          Instant[] range = parser.bounds("createdDateTime");
          first = range[1] == null ? 0 : firstNotAfter(all, range[1]);
          end = range[0] == null ? all.size() : firstBefore(all, range[0]);
        }
      } catch (IllegalArgumentException e) {
        return Answer.json(400, error("BadRequest", "Invalid filter clause: " + e.getMessage()));
      }
    }
    List<ObjectNode> matched = new ArrayList<>();
    // Graph's default: interactive sign-ins only.
    boolean interactiveOnly = signIns && (version.equals("v1.0") || filterText == null
        || !filterText.contains("signInEventTypes"));
    for (int i = first; i < end; i++) {
      JsonNode item = all.get(i);
      if (cast.isPresent() && !cast.get().equals(item.path("@odata.type").asText())) {
        continue;
      }
      if (interactiveOnly && !isInteractive(item)) {
        continue;
      }
      // Only a match is copied: a large log (100,000 sign-ins) costs a pass, not a copy.
      if (filter.test(item)) {
        ObjectNode copy = item.deepCopy();
        if (signIns && version.equals("v1.0")) {
          copy.remove("signInEventTypes");
        }
        stripKeys(copy);
        matched.add(project(copy, select));
      }
    }
    int skip = 0;
    String token = r.query().get("$skiptoken");
    if (token != null) {
      skip = Integer.parseInt(token);
    }
    int size = pageSizes.getOrDefault(key, DEFAULT_PAGE_SIZE);
    if (r.query().containsKey("$top")) {
      size = Math.min(size, Integer.parseInt(r.query().get("$top")));
    }
    ObjectNode out = JSON.createObjectNode().put("@odata.context", context);
    int pageEnd = Math.min(matched.size(), skip + size);
    if (pageEnd < matched.size()) {
      String q = r.rawQuery().orElse("").replaceAll("(^|&)(%24|\\$)skiptoken=[^&]*", "");
      q = q.isEmpty() ? "" : (q.startsWith("&") ? q.substring(1) : q) + "&";
      URI base = nextLinkBase == null ? url() : nextLinkBase;
      out.put("@odata.nextLink", base + r.path().replace(" ", "%20") + "?" + q + "$skiptoken=" + pageEnd);
    }
    ArrayNode page = out.putArray("value");
    matched.subList(Math.min(skip, matched.size()), pageEnd).forEach(page::add);
    return Answer.json(200, out);
  }

  private static boolean isInteractive(JsonNode signIn) {
    JsonNode types = signIn.get("signInEventTypes");
    if (types == null || !types.isArray()) {
      return signIn.path("isInteractive").asBoolean(true);
    }
    for (JsonNode t : types) {
      if (t.asText().equals("interactiveUser")) {
        return true;
      }
    }
    return false;
  }

  /** {@code d}, with the sign-in log's items put newest first (a stable sort), as Graph serves them. */
  private static JsonNode ordered(String key, JsonNode d) {
    if (!key.equals(SIGN_INS) || d == null || !d.path("value").isArray()) {
      return d;
    }
    ArrayNode value = (ArrayNode) d.get("value");
    List<JsonNode> items = new ArrayList<>(value.size());
    Map<JsonNode, Instant> at = new java.util.IdentityHashMap<>(value.size() * 2);
    for (JsonNode item : value) {
      items.add(item);
      at.put(item, createdOf(item));
    }
    items.sort(java.util.Comparator.comparing((JsonNode item) -> at.get(item)).reversed());
    value.removeAll();
    value.addAll(items);
    return d;
  }

  /** The first sign-in of a newest-first log created at or before {@code t}. */
  private static int firstNotAfter(ArrayNode log, Instant t) {
    int lo = 0;
    int hi = log.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (createdOf(log.get(mid)).isAfter(t)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The first sign-in of a newest-first log created before {@code t} (unreadable dates count as oldest). */
  private static int firstBefore(ArrayNode log, Instant t) {
    int lo = 0;
    int hi = log.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (!createdOf(log.get(mid)).isBefore(t)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Where a sign-in created at {@code t} goes in a newest-first log: after every one not older. */
  private static int insertionPoint(ArrayNode log, Instant t) {
    int lo = 0;
    int hi = log.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (createdOf(log.get(mid)).compareTo(t) >= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** A sign-in's {@code createdDateTime}; unreadable ones sort as the oldest. */
  private static Instant createdOf(JsonNode signIn) {
    try {
      return Instant.parse(signIn.path("createdDateTime").asText());
    } catch (DateTimeParseException e) {
      return Instant.MIN;
    }
  }

  private static void stripKeys(ObjectNode item) {
    JsonNode keys = item.get("keyCredentials");
    if (keys != null && keys.isArray()) {
      for (JsonNode k : keys) {
        ((ObjectNode) k).putNull("key");
      }
    }
  }

  private static ObjectNode project(ObjectNode item, Optional<String> select) {
    if (select.isEmpty()) {
      return item;
    }
    ObjectNode out = JSON.createObjectNode();
    for (Map.Entry<String, JsonNode> e : item.properties()) {
      if (e.getKey().startsWith("@odata.")) {
        out.set(e.getKey(), e.getValue());
      }
    }
    for (String field : select.get().split(",")) {
      String f = field.strip();
      if (item.has(f)) {
        out.set(f, item.get(f));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- PATCH

  private Answer patch(Recorded r, String resource) {
    List<String> segs = new ArrayList<>(List.of(resource.split("/")));
    Resolved res = resolve(segs);
    if (res == null || res.node().has("value")) {
      return notFound(resource);
    }
    JsonNode body;
    try {
      body = JSON.readTree(r.body());
    } catch (IOException e) {
      return Answer.json(400, error("BadRequest", "Unable to read JSON request payload."));
    }
    if (body == null || !body.isObject()) {
      return Answer.json(400, error("BadRequest", "Empty Payload. JSON content expected."));
    }
    ObjectNode item = (ObjectNode) res.node();
    synchronized (item) {
      JsonNode keys = body.get("keyCredentials");
      if (keys != null) {
        if (!keys.isArray()) {
          return Answer.json(400, error("Request_BadRequest", "keyCredentials must be a collection."));
        }
        for (JsonNode k : keys) {
          if (!k.path("key").isTextual() || k.path("key").asText().isEmpty()) {
            return Answer.json(400, error("Request_BadRequest", "Invalid value specified for property 'key' of"
                + " resource 'KeyCredential'."));
          }
          if (!k.hasNonNull("keyId")) {
            ((ObjectNode) k).put("keyId", UUID.randomUUID().toString());
          }
        }
      }
      for (Map.Entry<String, JsonNode> e : body.properties()) {
        if (e.getKey().equals("passwordProfile")) {
          if (!e.getValue().path("password").isTextual()) {
            return Answer.json(400, error("Request_BadRequest", "Invalid value specified for property 'password'."));
          }
          item.put("lastPasswordChangeDateTime", clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
              .toString());
        } else if (!e.getKey().startsWith("@odata.")) {
          item.set(e.getKey(), e.getValue());
        }
      }
    }
    if (res.key().startsWith(SIGN_INS + "/")) {
      ordered(SIGN_INS, doc(SIGN_INS)); // a changed createdDateTime keeps the log in order
    }
    return Answer.noContent();
  }

  // ---------------------------------------------------------------- documents

  private record Resolved(String key, JsonNode node) {}

  private static final Pattern KEY_PREDICATE = Pattern.compile("([A-Za-z]+)\\(([A-Za-z]+)='(.*)'\\)");

  /**
   * Finds what {@code segs} names: a document, or an item of a collection document, or an empty
   * collection for an item's sub-resource without a fixture. Item keys are replaced by the item's
   * id on the way, so that {@code users/{upn}/…} finds {@code users/{id}/…}.
   */
  private Resolved resolve(List<String> segs) {
    List<String> canon = new ArrayList<>();
    boolean underItem = false;
    for (int i = 0; i < segs.size(); i++) {
      String s = segs.get(i);
      Matcher m = KEY_PREDICATE.matcher(s);
      if (m.matches()) {
        canon.add(m.group(1));
        JsonNode coll = doc(String.join("/", canon));
        ObjectNode item = coll == null ? null : findBy(coll, m.group(2), m.group(3));
        if (item == null) {
          return null;
        }
        canon.add(item.path("id").asText());
        underItem = true;
        continue;
      }
      if (!canon.isEmpty()) {
        JsonNode coll = doc(String.join("/", canon));
        if (coll != null && coll.has("value")) {
          ObjectNode item = find(coll, s);
          if (item == null) {
            return null;
          }
          canon.add(item.path("id").asText());
          underItem = true;
          continue;
        }
      }
      canon.add(s);
    }
    String key = String.join("/", canon);
    JsonNode d = doc(key);
    if (d != null) {
      return new Resolved(key, d);
    }
    if (canon.size() >= 2) {
      JsonNode parent = doc(String.join("/", canon.subList(0, canon.size() - 1)));
      if (parent != null && parent.has("value")) {
        ObjectNode item = find(parent, canon.get(canon.size() - 1));
        return item == null ? null : new Resolved(key, item);
      }
    }
    if (underItem) {
      ObjectNode empty = JSON.createObjectNode();
      empty.putArray("value");
      return new Resolved(key, empty);
    }
    return null;
  }

  private JsonNode doc(String key) {
    JsonNode d = docs.get(key);
    if (d != null || absent.contains(key)) {
      return d;
    }
    String name = root + "/" + key + ".json";
    try (InputStream in = GraphTestServer.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        absent.add(key);
        return null;
      }
      JsonNode loaded = ordered(key, JSON.readTree(in));
      JsonNode prior = docs.putIfAbsent(key, loaded);
      return prior == null ? loaded : prior;
    } catch (IOException e) {
      throw new IllegalStateException("fixture " + name + " is not JSON: " + e.getMessage(), e);
    }
  }

  private static ObjectNode find(JsonNode collection, String key) {
    for (JsonNode item : collection.path("value")) {
      if (item.path("id").asText().equals(key)
          || item.path("userPrincipalName").asText().equalsIgnoreCase(key)) {
        return (ObjectNode) item;
      }
    }
    return null;
  }

  private static ObjectNode findBy(JsonNode collection, String property, String value) {
    for (JsonNode item : collection.path("value")) {
      if (item.path(property).asText().equalsIgnoreCase(value.replace("''", "'"))) {
        return (ObjectNode) item;
      }
    }
    return null;
  }

  private Answer notFound(String resource) {
    return Answer.json(404, error("Request_ResourceNotFound", "Resource '" + resource + "' does not exist or one of"
        + " its queried reference-property objects are not present."));
  }

  static ObjectNode error(String code, String message) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode e = root.putObject("error");
    e.put("code", code);
    e.put("message", message);
    String id = UUID.randomUUID().toString();
    e.putObject("innerError").put("date", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()
        .replace("Z", "")).put("request-id", id).put("client-request-id", id);
    return root;
  }

  private static Map<String, String> parseQuery(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(k, v);
    }
    return Collections.unmodifiableMap(out);
  }

  // ---------------------------------------------------------------- $filter

  /**
   * The part of OData's $filter grammar that Graph's directory and reporting APIs document and the
   * kit uses. Anything else is refused, as Graph refuses what it does not support.
   */
  static final class FilterParser {
    private static final Pattern TOKEN = Pattern.compile(
        "\\s*(?:(\\()|(\\))|(,)|(:)|('(?:[^']|'')*')|(\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z)|(-?\\d+(?:\\.\\d+)?)"
            + "|([A-Za-z_][A-Za-z0-9_./]*))");
    private final List<String> tokens = new ArrayList<>();
    private int pos;
    private String lambdaVar;
    /** Whether the term just parsed was a plain comparison on {@code createdDateTime}. */
    private boolean timeTerm;

    FilterParser(String text) {
      Matcher m = TOKEN.matcher(text);
      int at = 0;
      while (at < text.length()) {
        if (text.substring(at).isBlank()) {
          break;
        }
        if (!m.find(at) || m.start() != at) {
          throw new IllegalArgumentException("cannot read '" + text.substring(at) + "'");
        }
        tokens.add(m.group().strip());
        at = m.end();
      }
    }

    Predicate<JsonNode> parse() {
      Predicate<JsonNode> p = or();
      if (pos != tokens.size()) {
        throw new IllegalArgumentException("unexpected '" + tokens.get(pos) + "'");
      }
      return p;
    }

    /**
     * The time range every match of a parsed filter lies in: {@code [lower, upper]} from its terms
     * {@code property ge|gt T} and {@code property le|lt T} that are joined to the rest by {@code
     * and} alone (at the top level, not negated, no top-level {@code or}); null for no bound. A
     * superset of the matches (gt taken as ge): the filter itself still decides.
     */
    Instant[] bounds(String property) {
      int depth = 0;
      for (String t : tokens) {
        depth += t.equals("(") ? 1 : t.equals(")") ? -1 : 0;
        if (depth == 0 && t.equalsIgnoreCase("or")) {
          return new Instant[2];
        }
      }
      Instant[] out = new Instant[2];
      depth = 0;
      for (int i = 0; i < tokens.size(); i++) {
        String t = tokens.get(i);
        depth += t.equals("(") ? 1 : t.equals(")") ? -1 : 0;
        if (depth != 0 || !t.equals(property) || i + 2 >= tokens.size()
            || (i > 0 && tokens.get(i - 1).equalsIgnoreCase("not"))) {
          continue;
        }
        String op = tokens.get(i + 1);
        Instant at;
        try {
          at = Instant.parse(tokens.get(i + 2));
        } catch (DateTimeParseException e) {
          continue;
        }
        if (op.equals("ge") || op.equals("gt")) {
          out[0] = out[0] == null || at.isAfter(out[0]) ? at : out[0];
        } else if (op.equals("le") || op.equals("lt")) {
          out[1] = out[1] == null || at.isBefore(out[1]) ? at : out[1];
        }
      }
      return out;
    }

    private Predicate<JsonNode> or() {
      Predicate<JsonNode> p = and();
      while (peek("or")) {
        pos++;
        p = p.or(and());
      }
      return p;
    }

    /**
     * Terms joined by {@code and}, the ones on {@code createdDateTime} tested last: a sign-in poll's
     * time window holds most of the log, its identity term almost none of it, and every term tested
     * is a field read from a different part of memory (most of the cost over 100,000 items).
     */
    private Predicate<JsonNode> and() {
      List<Predicate<JsonNode>> first = new ArrayList<>();
      List<Predicate<JsonNode>> last = new ArrayList<>();
      while (true) {
        timeTerm = false;
        Predicate<JsonNode> term = unary();
        (timeTerm ? last : first).add(term); // order is free: terms have no side effects
        if (!peek("and")) {
          break;
        }
        pos++;
      }
      first.addAll(last);
      if (first.size() == 1) {
        return first.get(0);
      }
      @SuppressWarnings("unchecked")
      Predicate<JsonNode>[] terms = first.toArray(new Predicate[0]);
      return item -> {
        for (Predicate<JsonNode> t : terms) {
          if (!t.test(item)) {
            return false;
          }
        }
        return true;
      };
    }

    private Predicate<JsonNode> unary() {
      if (peek("not")) {
        pos++;
        return unary().negate();
      }
      if (peek("(")) {
        pos++;
        Predicate<JsonNode> p = or();
        expect(")");
        return p;
      }
      String name = next();
      if (name.equalsIgnoreCase("startswith")) {
        expect("(");
        String path = next();
        expect(",");
        String prefix = string(next());
        expect(")");
        String[] parts = path.split("/");
        String lower = prefix.toLowerCase(Locale.ROOT);
        return item -> {
          JsonNode v = value(item, parts);
          return v != null && v.asText().toLowerCase(Locale.ROOT).startsWith(lower);
        };
      }
      if (name.endsWith("/any")) {
        String path = name.substring(0, name.length() - "/any".length());
        expect("(");
        String var = next();
        expect(":");
        String outer = lambdaVar;
        lambdaVar = var;
        Predicate<JsonNode> inner = or();
        lambdaVar = outer;
        expect(")");
        String[] parts = path.split("/");
        return item -> {
          JsonNode arr = value(item, parts);
          if (arr == null || !arr.isArray()) {
            return false;
          }
          for (JsonNode element : arr) {
            if (inner.test(element)) {
              return true;
            }
          }
          return false;
        };
      }
      String op = next();
      String literal = next();
      Predicate<JsonNode> c = comparison(name, op, literal);
      timeTerm = name.equals("createdDateTime");
      return c;
    }

    /**
     * {@code path op literal}. Everything about the literal is worked out once, here, not per item:
     * a filter runs over every item of a collection (100,000 sign-ins in a benchmark).
     */
    private Predicate<JsonNode> comparison(String path, String op, String literal) {
      if (!Set.of("eq", "ne", "gt", "ge", "lt", "le").contains(op)) {
        throw new IllegalArgumentException("unsupported operator '" + op + "'");
      }
      boolean self = path.equals(lambdaVar);
      String[] parts = path.split("/");
      if (literal.equals("null")) {
        return item -> {
          JsonNode v = self ? item : value(item, parts);
          boolean isNull = v == null || v.isNull();
          return op.equals("eq") ? isNull : op.equals("ne") && !isNull;
        };
      }
      java.util.function.ToIntFunction<JsonNode> compare; // Integer.MIN_VALUE: not comparable, false
      boolean equality = op.equals("eq") || op.equals("ne");
      if (literal.startsWith("'")) {
        String s = string(literal);
        compare = node -> equality ? (node.asText().equalsIgnoreCase(s) ? 0 : 1) : Integer.signum(
            node.asText().compareToIgnoreCase(s));
      } else if (literal.contains("T") && literal.endsWith("Z")) {
        Instant at = Instant.parse(literal);
        boolean utc = utcForm(literal);
        compare = node -> {
          String text = node.asText();
          if (utc && utcForm(text)) {
            // Both in Graph's form: compared as text, without a parse (a parse per item is most of
            // the cost of a filter over a large log).
            return compareUtc(text, literal);
          }
          try {
            return Integer.signum(Instant.parse(text).compareTo(at));
          } catch (DateTimeParseException e) {
            return Integer.MIN_VALUE;
          }
        };
      } else if (literal.equals("true") || literal.equals("false")) {
        boolean b = Boolean.parseBoolean(literal);
        compare = node -> equality ? (node.asBoolean() == b ? 0 : 1) : Integer.MIN_VALUE;
      } else {
        double d = Double.parseDouble(literal);
        compare = node -> Integer.signum(Double.compare(node.asDouble(), d));
      }
      return item -> {
        JsonNode v = self ? item : value(item, parts);
        if (v == null || v.isNull()) {
          return op.equals("ne");
        }
        int c = compare.applyAsInt(v);
        if (c == Integer.MIN_VALUE) {
          return false;
        }
        return switch (op) {
          case "eq" -> c == 0;
          case "ne" -> c != 0;
          case "gt" -> c > 0;
          case "ge" -> c >= 0;
          case "lt" -> c < 0;
          default -> c <= 0;
        };
      };
    }

    /**
     * Graph's form of a UTC timestamp: {@code 2026-11-20T12:00:00Z}, or with 1 to 9 fractional digits
     * ({@code 2026-11-20T12:00:00.6195833Z}).
     */
    static boolean utcForm(String t) {
      int n = t.length();
      if (n < 20 || n == 21 || n > 30 || t.charAt(n - 1) != 'Z') {
        return false;
      }
      for (int i = 0; i < 19; i++) {
        char c = t.charAt(i);
        boolean ok = switch (i) {
          case 4, 7 -> c == '-';
          case 10 -> c == 'T';
          case 13, 16 -> c == ':';
          default -> c >= '0' && c <= '9';
        };
        if (!ok) {
          return false;
        }
      }
      if (n > 20) {
        if (t.charAt(19) != '.') {
          return false;
        }
        for (int i = 20; i < n - 1; i++) {
          if (t.charAt(i) < '0' || t.charAt(i) > '9') {
            return false;
          }
        }
      }
      return true;
    }

    /**
     * Two timestamps in {@link #utcForm}, in time order: the fixed-width seconds as text, then the
     * fractions digit by digit, a missing digit being 0. Months and days are not checked for range
     * (Graph's are valid; the parse this replaces would refuse a 13th month).
     */
    static int compareUtc(String a, String b) {
      for (int i = 0; i < 19; i++) {
        if (a.charAt(i) != b.charAt(i)) {
          return a.charAt(i) < b.charAt(i) ? -1 : 1;
        }
      }
      int fa = a.length() - 1;
      int fb = b.length() - 1;
      for (int i = 20; i < Math.max(fa, fb); i++) {
        char x = i < fa ? a.charAt(i) : '0';
        char y = i < fb ? b.charAt(i) : '0';
        if (x != y) {
          return x < y ? -1 : 1;
        }
      }
      return 0;
    }

    /** The node at {@code path} ({@code a/b}), or null when missing. */
    private static JsonNode value(JsonNode item, String[] path) {
      JsonNode n = item;
      for (String part : path) {
        n = n.get(part);
        if (n == null) {
          return null;
        }
      }
      return n;
    }

    private static String string(String literal) {
      if (!literal.startsWith("'") || !literal.endsWith("'") || literal.length() < 2) {
        throw new IllegalArgumentException("expected a string literal, got " + literal);
      }
      return literal.substring(1, literal.length() - 1).replace("''", "'");
    }

    private boolean peek(String t) {
      return pos < tokens.size() && tokens.get(pos).equalsIgnoreCase(t);
    }

    private String next() {
      if (pos >= tokens.size()) {
        throw new IllegalArgumentException("unexpected end");
      }
      return tokens.get(pos++);
    }

    private void expect(String t) {
      String got = next();
      if (!got.equals(t)) {
        throw new IllegalArgumentException("expected '" + t + "', got '" + got + "'");
      }
    }
  }
}
