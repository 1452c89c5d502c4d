package dev.breakglass.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
}
