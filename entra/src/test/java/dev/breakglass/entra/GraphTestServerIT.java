package dev.breakglass.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakglass.entra.GraphTestServer.Fault;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The test server's own promises, where the adapter's tests do not reach them. */
class GraphTestServerIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String APP_OBJECT = "b7c9d4e2-5a1f-4c3b-8e6d-2f0a9b8c7d61";

  GraphTestServer server;
  HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    server = GraphTestServer.start(GraphTestServer.CONTOSO);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  HttpResponse<String> send(String method, String pathAndQuery, String body, boolean token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + pathAndQuery))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token) {
      b.header("Authorization", "Bearer t");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void noToken_is401_asGraphSaysIt() throws Exception {
    HttpResponse<String> r = send("GET", "/v1.0/domains", null, false);
    assertEquals(401, r.statusCode());
    assertEquals("InvalidAuthenticationToken", json(r).at("/error/code").asText());
    assertEquals("Access token is empty.", json(r).at("/error/message").asText());
  }

  @Test
  void keys_onlyOnASingleApplicationReadWithSelect() throws Exception {
    JsonNode list = json(send("GET", "/v1.0/applications", null, true));
    assertTrue(list.at("/value/0/keyCredentials/0/key").isNull());
    JsonNode plain = json(send("GET", "/v1.0/applications/" + APP_OBJECT, null, true));
    assertTrue(plain.at("/keyCredentials/0/key").isNull());
    JsonNode selected = json(send("GET", "/v1.0/applications/" + APP_OBJECT + "?$select=id,keyCredentials", null, true));
    assertFalse(selected.at("/keyCredentials/0/key").asText().isEmpty());
    assertFalse(selected.has("displayName"), "$select projects");
    JsonNode byAppId = json(send("GET", "/v1.0/applications(appId='3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01')", null, true));
    assertEquals(APP_OBJECT, byAppId.get("id").asText());
  }

  @Test
  void patchOfKeyCredentials_withoutKey_isRefused_likeGraph() throws Exception {
    HttpResponse<String> r = send("PATCH", "/v1.0/applications/" + APP_OBJECT,
        "{\"keyCredentials\":[{\"keyId\":\"e6b1c0d2-3f4a-4b5c-8d9e-0f1a2b3c4d01\"}]}", true);
    assertEquals(400, r.statusCode());
    assertEquals(2, server.item("applications", APP_OBJECT).get("keyCredentials").size(), "nothing changed");
  }

  @Test
  void filterItCannotRead_is400() throws Exception {
    HttpResponse<String> r = send("GET", "/v1.0/roleManagement/directory/roleAssignmentSchedules?$filter="
        + "principalId%20has%20'x'", null, true);
    assertEquals(400, r.statusCode());
    assertTrue(json(r).at("/error/message").asText().startsWith("Invalid filter clause"));
  }

  @Test
  void betaSignIns_withoutEventTypeFilter_areInteractiveOnly() throws Exception {
    JsonNode all = json(send("GET", "/beta/auditLogs/signIns", null, true));
    for (JsonNode s : all.get("value")) {
      assertTrue(s.get("isInteractive").asBoolean(), s.toString());
    }
    JsonNode sp = json(send("GET", "/beta/auditLogs/signIns?$filter=signInEventTypes/any(t:%20t%20eq%20"
        + "'servicePrincipal')", null, true));
    assertEquals(3, sp.get("value").size());
  }

  // ---------------------------------------------------------------- the sign-in log

  static final String BG1 = "5f1c8a52-3b7e-4a61-9d2c-0c4e8e7b1a01";
  static final String ALL_TYPES = "signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser'"
      + " or t eq 'servicePrincipal')";

  HttpResponse<String> signIns(String filter) throws Exception {
    return send("GET", "/beta/auditLogs/signIns?$top=1000&$filter=" + URLEncoder.encode(filter, StandardCharsets.UTF_8)
        .replace("+", "%20"), null, true);
  }

  static List<String> ids(HttpResponse<String> r) throws Exception {
    List<String> out = new ArrayList<>();
    JSON.readTree(r.body()).get("value").forEach(s -> out.add(s.get("id").asText()));
    return out;
  }

  @Test
  void signIns_areServedNewestFirst_stably_howeverTheyWerePut() throws Exception {
    Instant t = Instant.parse("2026-11-20T10:00:00Z");
    List<ObjectNode> items = List.of(GraphTestServer.signIn("old", t, BG1, "u", 0, "1.1.1.1"),
        GraphTestServer.signIn("tie-1", t.plusSeconds(60), BG1, "u", 0, "1.1.1.1"),
        GraphTestServer.signIn("new", t.plusSeconds(120), BG1, "u", 0, "1.1.1.1"),
        GraphTestServer.signIn("tie-2", t.plusSeconds(60), BG1, "u", 0, "1.1.1.1"));
    ObjectNode doc = JSON.createObjectNode();
    doc.putArray("value").addAll(items);
    server.put(GraphTestServer.SIGN_INS, JSON.writeValueAsString(doc));
    assertEquals(List.of("new", "tie-1", "tie-2", "old"), ids(signIns(ALL_TYPES)));

    server.addSignIn(GraphTestServer.signIn("tie-3", t.plusSeconds(60), BG1, "u", 0, "1.1.1.1"));
    server.addSignIn(GraphTestServer.servicePrincipalSignIn("newest", t.plusSeconds(180), "app", "sp", 0));
    server.addSignIn(GraphTestServer.signIn("oldest", t.minusSeconds(1), BG1, "u", 0, "1.1.1.1"));
    assertEquals(List.of("newest", "new", "tie-1", "tie-2", "tie-3", "old", "oldest"), ids(signIns(ALL_TYPES)));
    assertEquals(List.of("new", "tie-1", "tie-2", "tie-3"), ids(signIns("createdDateTime ge 2026-11-20T10:00:01Z and"
        + " createdDateTime le 2026-11-20T10:02:00Z and " + ALL_TYPES)));
  }

  @Test
  void signInHelpers_makeWhatTheServerFiltersLikeGraph() throws Exception {
    server.addSignIn(GraphTestServer.signIn("u-1", Instant.parse("2026-11-22T08:00:00.25Z"), BG1,
        "bg1@contoso.onmicrosoft.com", 50126, "203.0.113.9"));
    server.addSignIn(GraphTestServer.servicePrincipalSignIn("sp-1", Instant.parse("2026-11-22T08:01:00Z"),
        "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01", "c4a7e1f0-8d2b-4b6e-9f3a-1e5d7c9b2a40", 0));
    String window = "createdDateTime ge 2026-11-22T00:00:00Z and createdDateTime le 2026-11-23T00:00:00Z";
    assertEquals(List.of("u-1"), ids(signIns(window + " and userId eq '" + BG1 + "' and status/errorCode eq 50126")));
    assertEquals(List.of("sp-1"), ids(signIns(window + " and signInEventTypes/any(t: t eq 'servicePrincipal')")));
    assertEquals(List.of("u-1"), ids(send("GET", "/beta/auditLogs/signIns?$filter=" + URLEncoder.encode(window,
        StandardCharsets.UTF_8).replace("+", "%20"), null, true)), "Graph's default: interactive only");
  }

  @Test
  void addSignIns_whileAClientPolls_everyAnswerWhole() throws Exception {
    server.pageSize(GraphTestServer.SIGN_INS, 1000);
    ExecutorService adder = Executors.newSingleThreadExecutor();
    try {
      Instant t = Instant.parse("2026-11-23T00:00:00Z");
      Future<?> adding = adder.submit(() -> {
        for (int i = 0; i < 300; i++) {
          server.addSignIn(GraphTestServer.signIn("live-" + i, t.plusSeconds(i), BG1, "u", 0, "1.1.1.1"));
        }
      });
      String filter = "createdDateTime ge 2026-11-23T00:00:00Z and " + ALL_TYPES;
      while (!adding.isDone()) {
        List<String> seen = ids(signIns(filter));
        // Newest first, and a prefix of the adds (in order): never a torn list.
        for (int i = 0; i < seen.size(); i++) {
          assertEquals("live-" + (seen.size() - 1 - i), seen.get(i));
        }
      }
      adding.get();
      assertEquals(300, ids(signIns(filter)).size());
    } finally {
      adder.shutdownNow();
    }
  }

  @Test
  void largeLog_100kUnrelatedSignIns_filteredCheaply() throws Exception {
    // 100,000 other users' sign-ins over 30 days, with Graph's seven-digit fractions.
    List<ObjectNode> others = new ArrayList<>(100_000);
    Instant start = Instant.parse("2026-10-22T00:00:00Z");
    for (int i = 0; i < 100_000; i++) {
      others.add(GraphTestServer.signIn(UUID.randomUUID().toString(), start.plusNanos(i * 25_920_000_000L + 123_456_700L),
          UUID.randomUUID().toString(), "user" + i + "@contoso.com", i % 9 == 0 ? 50126 : 0, "198.51.100.1"));
    }
    server.addSignIns(others);
    String day = "createdDateTime ge 2026-11-20T00:00:00Z and createdDateTime le 2026-11-21T00:00:00Z and (userId eq '"
        + BG1 + "') and signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')";
    String month = day.replace("2026-11-20T00:00:00Z", "2026-10-01T00:00:00Z").replace("2026-11-21T00:00:00Z",
        "2026-12-01T00:00:00Z");
    for (int warm = 0; warm < 3; warm++) {
      signIns(month);
    }
    long dayNanos = Long.MAX_VALUE;
    long monthNanos = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      long t0 = System.nanoTime();
      assertEquals(List.of("66ea54eb-6301-4ee5-be62-ff5a759b0105", "66ea54eb-6301-4ee5-be62-ff5a759b0106",
          "66ea54eb-6301-4ee5-be62-ff5a759b0107"), ids(signIns(day)));
      long t1 = System.nanoTime();
      assertEquals(4, ids(signIns(month)).size());
      long t2 = System.nanoTime();
      dayNanos = Math.min(dayNanos, t1 - t0);
      monthNanos = Math.min(monthNanos, t2 - t1);
    }
    // Round trips, client included; bounds loose enough for a loaded build machine. Measured on an
    // idle one: see the module README.
    assertTrue(dayNanos < TimeUnit.MILLISECONDS.toNanos(100), "a day's window took " + dayNanos / 1_000_000 + " ms");
    assertTrue(monthNanos < TimeUnit.MILLISECONDS.toNanos(500), "the whole log took " + monthNanos / 1_000_000 + " ms");
  }

  // ---------------------------------------------------------------- faults

  @Test
  void hang_holdsTheAnswer_otherRequestsGoOn_thenAnswersAsUsual() throws Exception {
    String normal = send("GET", "/v1.0/domains", null, true).body();
    server.fault("GET", "domains", Fault.hang(Duration.ofMillis(400)));
    long t0 = System.nanoTime();
    CompletableFuture<HttpResponse<String>> held = http.sendAsync(HttpRequest.newBuilder(URI.create(server.url()
        + "/v1.0/domains")).header("Authorization", "Bearer t").build(), HttpResponse.BodyHandlers.ofString());
    server.awaitRequest("GET", "domains", Duration.ofSeconds(10));
    assertEquals(200, send("GET", "/v1.0/users/bg1@contoso.onmicrosoft.com", null, true).statusCode());
    assertFalse(held.isDone());
    HttpResponse<String> r = held.get(10, TimeUnit.SECONDS);
    assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(400));
    assertEquals(200, r.statusCode());
    assertEquals(JSON.readTree(normal).get("value"), JSON.readTree(r.body()).get("value"));
  }

  @Test
  void hang_endsWhenTheServerCloses() throws Exception {
    server.fault("GET", "auditLogs/signIns", Fault.hang(Duration.ofHours(1)));
    CompletableFuture<HttpResponse<String>> held = http.sendAsync(HttpRequest.newBuilder(URI.create(server.url()
        + "/beta/auditLogs/signIns")).header("Authorization", "Bearer t").build(), HttpResponse.BodyHandlers.ofString());
    GraphTestServer.Recorded r = server.awaitRequest("GET", "auditLogs/signIns", Duration.ofSeconds(10));
    assertEquals("/beta/auditLogs/signIns", r.path());
    server.close();
    ExecutionException e = assertThrows(ExecutionException.class, () -> held.get(10, TimeUnit.SECONDS));
    assertInstanceOf(IOException.class, e.getCause());
  }

  @Test
  void awaitRequest_givesUp() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> server.awaitRequest("GET", "auditLogs/signIns", Duration.ofMillis(50)));
    assertEquals("no GET auditLogs/signIns request within PT0.05S", e.getMessage());
  }

  @Test
  void body_isServedAsGiven() throws Exception {
    server.fault("GET", "auditLogs/signIns", Fault.body("{\"value\":[{\"id\":\"x\",\"createdDateTime\":\"never\"}]}"));
    HttpResponse<String> r = send("GET", "/beta/auditLogs/signIns", null, true);
    assertEquals(200, r.statusCode());
    assertEquals("{\"value\":[{\"id\":\"x\",\"createdDateTime\":\"never\"}]}", r.body());
  }
}
