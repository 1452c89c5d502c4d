package dev.breakglass.daemon.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakglass.daemon.DaemonException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Teams (Workflows) and Slack incoming-webhook sinks against a local receiver. */
class ChatSinksIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;
  TestReceiver receiver;

  @BeforeEach
  void start() throws Exception {
    receiver = new TestReceiver();
  }

  @AfterEach
  void stop() {
    receiver.close();
  }

  private AlertSink sink(String type, String... more) throws DaemonException {
    Map<String, String> s = new HashMap<>(Map.of("type", type,
        "url", receiver.url("/workflows/abc/triggers/manual/paths/invoke?sig=S3CRET")));
    for (int i = 0; i < more.length; i += 2) {
      s.put(more[i], more[i + 1]);
    }
    return Sinks.create("chat", s, dir);
  }

  @Test
  void teams_postsAnAdaptiveCardInTheWorkflowsEnvelope() throws Exception {
    receiver.answer(202, "");
    sink("teams").deliver(SampleAlerts.unexplained());
    JsonNode m = JSON.readTree(receiver.take().body());

    assertEquals("message", m.get("type").asText());
    assertEquals(1, m.get("attachments").size());
    JsonNode att = m.get("attachments").get(0);
    assertEquals("application/vnd.microsoft.card.adaptive", att.get("contentType").asText());
    assertTrue(att.get("contentUrl").isNull());
    JsonNode card = att.get("content");
    assertEquals("AdaptiveCard", card.get("type").asText());
    assertEquals("1.4", card.get("version").asText());
    assertEquals("CRITICAL UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com 2026-11-25T10:00:00Z from 203.0.113.7"
        + " (London, GB) result failure 50126", card.get("fallbackText").asText());

    JsonNode head = card.get("body").get(0);
    assertEquals("Container", head.get("type").asText());
    assertEquals("attention", head.get("style").asText());
    assertEquals("CRITICAL · SIGN_IN", head.get("items").get(0).get("text").asText());
    assertEquals("UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com from 203.0.113.7 (GB)",
        head.get("items").get(1).get("text").asText());
    assertEquals("Attention", head.get("items").get(1).get("color").asText());

    JsonNode factSet = card.get("body").get(1);
    assertEquals("FactSet", factSet.get("type").asText());
    List<String> facts = new ArrayList<>();
    factSet.get("facts").forEach(f -> facts.add(f.get("title").asText() + "=" + f.get("value").asText()));
    assertEquals(List.of("Verdict=UNEXPLAINED", "Identity=bg1@contoso.onmicrosoft.com", "Time=2026-11-25T10:00:00Z",
        "IP address=203.0.113.7", "Location=London, GB", "Result=failure (Invalid username or password)",
        "Error code=50126", "CA status=notApplied", "Ledger head=1234:" + SampleAlerts.HEAD_HASH), facts);
    assertEquals("Nobody has checked out a credential for bg1@contoso.onmicrosoft.com.",
        card.get("body").get(2).get("text").asText());
  }

  @Test
  void teams_showsTheCustodyEventAndColoursBySeverity() throws Exception {
    sink("teams").deliver(SampleAlerts.expected());
    JsonNode card = JSON.readTree(receiver.take().body()).get("attachments").get(0).get("content");
    assertEquals("emphasis", card.get("body").get(0).get("style").asText());
    List<String> facts = new ArrayList<>();
    card.get("body").get(1).get("facts").forEach(f -> facts.add(f.get("title").asText() + "=" + f.get("value").asText()));
    assertTrue(facts.contains("Custody event=#42 item-checked-out by Alice, Bob: tenant lockout (INC-4711)"),
        facts.toString());

    sink("teams").deliver(SampleAlerts.bare());
    card = JSON.readTree(receiver.take().body()).get("attachments").get(0).get("content");
    assertEquals("warning", card.get("body").get(0).get("style").asText());
    assertEquals("Warning", card.get("body").get(0).get("items").get(1).get("color").asText());
  }

  @Test
  void teams_escapesMarkdownAndSanitisesWhatTheSignerChose() throws Exception {
    sink("teams").deliver(SampleAlerts.hostile());
    String raw = receiver.take().body();
    JsonNode card = JSON.readTree(raw).get("attachments").get(0).get("content");
    assertEquals("UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com?<!channel> \\[click\\](https://evil.example)",
        card.get("body").get(0).get("items").get(1).get("text").asText());
    List<String> values = new ArrayList<>();
    card.get("body").get(1).get("facts").forEach(f -> values.add(f.get("value").asText()));
    assertTrue(values.contains("Lon??don?\\[31m?, G<B>&"), values.toString());
    assertTrue(values.contains("bg\"1\\]\\\\@contoso.onmicrosoft.com"), values.toString());
    assertEquals("\\*bold\\* \\_it\\_ <https://evil.example|Reset> \\[x\\](y)",
        card.get("body").get(2).get("text").asText());
    assertFalse(raw.contains("\\n") || raw.contains("\\r") || raw.contains("\\u001B") || raw.contains("\u202e"), raw);
  }

  @Test
  void teams_errorNeverShowsTheSignedUrl() throws Exception {
    receiver.answer(400, "{\"error\":{\"code\":\"TriggerInputSchemaMismatch\"}}");
    DaemonException e = assertThrows(DaemonException.class, () -> sink("teams").deliver(SampleAlerts.bare()));
    assertEquals(DaemonException.Reason.DELIVERY, e.reason());
    assertEquals("sink 'chat' (teams http://127.0.0.1:" + receiver.port() + "/…): receiver answered HTTP 400:"
        + " {\"error\":{\"code\":\"TriggerInputSchemaMismatch\"}}", e.getMessage());
    assertFalse(e.getMessage().contains("S3CRET") || e.getMessage().contains("workflows"));
  }

  @Test
  void teams_timesOut() throws Exception {
    receiver.hang();
    long start = System.nanoTime();
    DaemonException e = assertThrows(DaemonException.class,
        () -> sink("teams", "timeout-seconds", "1").deliver(SampleAlerts.bare()));
    assertEquals("sink 'chat' (teams http://127.0.0.1:" + receiver.port() + "/…): no answer within 1 s",
        e.getMessage());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0);
  }

  @Test
  void slack_postsTextAndBlocks_andNeedsOk() throws Exception {
    receiver.answer(200, "ok");
    sink("slack").deliver(SampleAlerts.unexplained());
    JsonNode m = JSON.readTree(receiver.take().body());
    assertEquals("CRITICAL UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com 2026-11-25T10:00:00Z from 203.0.113.7"
        + " (London, GB) result failure 50126", m.get("text").asText());
    JsonNode blocks = m.get("blocks");
    assertEquals("section", blocks.get(0).get("type").asText());
    assertEquals("mrkdwn", blocks.get(0).get("text").get("type").asText());
    assertEquals(":rotating_light: *CRITICAL* UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com from 203.0.113.7 (GB)",
        blocks.get(0).get("text").get("text").asText());
    JsonNode fields = blocks.get(1).get("fields");
    assertEquals(9, fields.size());
    assertEquals("*Verdict*\nUNEXPLAINED", fields.get(0).get("text").asText());
    assertEquals("*IP address*\n203.0.113.7", fields.get(3).get("text").asText());
    assertEquals("Nobody has checked out a credential for bg1@contoso.onmicrosoft.com.\n"
        + "Check the sign-in in the Entra admin center and follow the runbook.",
        blocks.get(2).get("text").get("text").asText());
    assertEquals("context", blocks.get(3).get("type").asText());
  }

  @Test
  void slack_escapesAmpersandAndAngleBrackets() throws Exception {
    receiver.answer(200, "ok");
    sink("slack").deliver(SampleAlerts.hostile());
    JsonNode m = JSON.readTree(receiver.take().body());
    assertEquals(":red_circle: *HIGH* UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com?&lt;!channel&gt;"
        + " [click](https://evil.example)", m.get("blocks").get(0).get("text").get("text").asText());
    List<String> fields = new ArrayList<>();
    m.get("blocks").get(1).get("fields").forEach(f -> fields.add(f.get("text").asText()));
    assertTrue(fields.contains("*Location*\nLon??don?[31m?, G&lt;B&gt;&amp;"), fields.toString());
    assertEquals("*bold* _it_ &lt;https://evil.example|Reset&gt; [x](y)",
        m.get("blocks").get(2).get("text").get("text").asText());
    assertFalse(m.toString().contains("<!channel>") || m.toString().contains("<https:"), m.toString());
  }

  @Test
  void slack_anythingButOk_isDeliveryError() throws Exception {
    receiver.answer(200, "");
    DaemonException e = assertThrows(DaemonException.class, () -> sink("slack").deliver(SampleAlerts.bare()));
    assertEquals("sink 'chat' (slack http://127.0.0.1:" + receiver.port() + "/…): receiver answered HTTP 200",
        e.getMessage());
    receiver.answer(404, "no_service");
    e = assertThrows(DaemonException.class, () -> sink("slack").deliver(SampleAlerts.bare()));
    assertEquals(DaemonException.Reason.DELIVERY, e.reason());
    assertEquals("sink 'chat' (slack http://127.0.0.1:" + receiver.port() + "/…): receiver answered HTTP 404:"
        + " no_service", e.getMessage());
    receiver.answer(500, "");
    e = assertThrows(DaemonException.class, () -> sink("slack").deliver(SampleAlerts.bare()));
    assertEquals("sink 'chat' (slack http://127.0.0.1:" + receiver.port() + "/…): receiver answered HTTP 500",
        e.getMessage());
  }

  @Test
  void slack_timesOut() throws Exception {
    receiver.hang();
    DaemonException e = assertThrows(DaemonException.class,
        () -> sink("slack", "timeout-seconds", "1").deliver(SampleAlerts.bare()));
    assertEquals("sink 'chat' (slack http://127.0.0.1:" + receiver.port() + "/…): no answer within 1 s",
        e.getMessage());
  }
}
