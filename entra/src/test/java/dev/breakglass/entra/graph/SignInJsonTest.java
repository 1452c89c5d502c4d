package dev.breakglass.entra.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.graph.models.SignIn;
import com.microsoft.graph.models.SignInCollectionResponse;
import com.microsoft.kiota.serialization.JsonParseNodeFactory;
import dev.breakglass.entra.GraphTestServer;
import dev.breakglass.entra.SignInBatch;
import dev.breakglass.entra.SignInRecord;
import dev.breakglass.entra.SkippedSignIn;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How one sign-in object is read, and why pages are not read through Kiota's model. */
class SignInJsonTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String BG1 = "5f1c8a52-3b7e-4a61-9d2c-0c4e8e7b1a01";
  static final Instant T = Instant.parse("2026-11-20T10:00:00Z");

  // ---------------------------------------------------------------- Kiota, as probed (v6.69.0 / kiota 1.9.2)

  static List<SignIn> kiota(String page) {
    var node = new JsonParseNodeFactory().getParseNode("application/json",
        new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
    return node.getObjectValue(SignInCollectionResponse::createFromDiscriminatorValue).getValue();
  }

  static String page(String badItem) {
    return "{\"value\":[{\"id\":\"good-1\",\"createdDateTime\":\"2026-11-20T10:00:00Z\",\"status\":{\"errorCode\":0}},"
        + badItem + ",{\"id\":\"good-2\",\"createdDateTime\":\"2026-11-20T11:00:00Z\",\"status\":{\"errorCode\":0}}]}";
  }

  @Test
  void kiota_losesTheWholePageToOneBadDate_whichIsWhyPagesAreReadRaw() {
    RuntimeException e = assertThrows(RuntimeException.class, () -> kiota(page(
        "{\"id\":\"bad\",\"createdDateTime\":\"not-a-date\",\"status\":{\"errorCode\":0}}")));
    assertEquals("com.google.gson.JsonSyntaxException", e.getClass().getName());
    assertThrows(RuntimeException.class, () -> kiota(page(
        "{\"id\":\"bad\",\"createdDateTime\":\"2026-11-20T10:30:00Z\",\"status\":{\"errorCode\":\"abc\"}}")));

    SignInJson read = new SignInJson();
    readPage(read, page("{\"id\":\"bad\",\"createdDateTime\":\"not-a-date\",\"status\":{\"errorCode\":0}}"));
    assertEquals(List.of("good-1", "good-2"), ids(read.batch()));
    assertEquals(1, read.batch().skipped().size());
  }

  @Test
  void kiota_wrapsAnErrorCodeBeyond32BitsRoundToSuccess_whichIsWhyItIsCheckedHere() {
    List<SignIn> items = kiota(page(
        "{\"id\":\"bad\",\"createdDateTime\":\"2026-11-20T10:30:00Z\",\"status\":{\"errorCode\":4294967296}}"));
    assertEquals(0, items.get(1).getStatus().getErrorCode());

    SignInJson read = new SignInJson();
    readPage(read, page(
        "{\"id\":\"bad\",\"createdDateTime\":\"2026-11-20T10:30:00Z\",\"status\":{\"errorCode\":4294967296}}"));
    assertEquals(List.of("good-1", "good-2"), ids(read.batch()));
  }

  // ---------------------------------------------------------------- fields

  @Test
  void dates_withOffsetFractionsOrNoOffset() {
    assertEquals(Optional.of(Instant.parse("2026-11-20T09:00:00.1234567Z")),
        SignInJson.instant("2026-11-20T09:00:00.1234567Z"));
    assertEquals(Optional.of(Instant.parse("2026-11-20T09:00:00Z")), SignInJson.instant("2026-11-20T10:00:00+01:00"));
    assertEquals(Optional.of(Instant.parse("2026-11-20T09:00:00Z")), SignInJson.instant("2026-11-20T09:00:00"),
        "no offset: UTC");
    assertEquals(Optional.empty(), SignInJson.instant("20/11/2026 09:00"));
    assertEquals(Optional.empty(), SignInJson.instant("2026-11-20"));
  }

  @Test
  void everyProblemOfARecord_isReported_onOneLine() {
    ObjectNode s = signIn("a");
    s.put("userPrincipalName", 5).put("isInteractive", "yes").putArray("signInEventTypes").add(1);
    ((ObjectNode) s.get("status")).put("errorCode", 1.5);
    assertEquals("status.errorCode '1.5' is not a 32-bit whole number; userPrincipalName is a number, not a string;"
        + " isInteractive is a string, not true or false; signInEventTypes has a number, not a string",
        skipped(s).problem());
    ObjectNode t = signIn("b");
    t.put("location", "London");
    assertEquals("location is a string, not an object", skipped(t).problem());
  }

  @Test
  void problem_isPrintable_andBounded() {
    ObjectNode s = signIn("a");
    s.put("createdDateTime", "2026\u001b[2J\u202e" + "x".repeat(500));
    s.put("userId", 1).put("userPrincipalName", 2).put("appId", 3).put("appDisplayName", 4).put("ipAddress", 5)
        .put("servicePrincipalId", 6).put("conditionalAccessStatus", 7);
    SkippedSignIn k = skipped(s);
    assertTrue(k.problem().startsWith("createdDateTime '2026?[2J?xxx"), k.problem());
    assertTrue(k.problem().length() <= SkippedSignIn.MAX_PROBLEM && k.problem().endsWith("…"), k.problem());
    assertTrue(k.problem().codePoints().noneMatch(c -> Character.isISOControl(c)
        || Character.getType(c) == Character.FORMAT), k.problem());
  }

  @Test
  void unprintableId_isNotGiven() {
    ObjectNode s = signIn("a\nb");
    assertEquals(new SkippedSignIn(Optional.empty(), Optional.of(T), "id is not printable text of at most 200"
        + " characters"), skipped(s));
  }

  @Test
  void emptyStrings_areAbsent_asGraphSendsThem() {
    ObjectNode s = signIn("a");
    s.put("servicePrincipalId", "").put("userPrincipalName", " ");
    SignInRecord r = read(s);
    assertEquals(Optional.empty(), r.servicePrincipalId());
    assertEquals(Optional.empty(), r.userPrincipalName());
  }

  @Test
  void eventTypesAsSent_winOverDerivation() {
    ObjectNode s = signIn("a");
    s.putArray("signInEventTypes").add("nonInteractiveUser").add("");
    s.put("isInteractive", true);
    assertEquals(List.of("nonInteractiveUser"), read(s).signInEventTypes());
    s.putArray("signInEventTypes");
    assertEquals(List.of(), read(s).signInEventTypes(), "an empty list is Graph's answer, not a gap");
  }

  @Test
  void eventTypes_derivedOnlyWhenUnambiguous() {
    ObjectNode user = signIn("a");
    user.remove("signInEventTypes");
    user.put("isInteractive", false);
    assertEquals(List.of("nonInteractiveUser"), read(user).signInEventTypes());
    user.remove("isInteractive");
    assertEquals(List.of(), read(user).signInEventTypes());

    ObjectNode sp = GraphTestServer.servicePrincipalSignIn("b", T, "app", "sp", 0);
    sp.remove("signInEventTypes");
    assertEquals(List.of("servicePrincipal"), read(sp).signInEventTypes());
    sp.putObject("managedServiceIdentity").put("msiType", "userAssigned");
    assertEquals(List.of("managedIdentity"), read(sp).signInEventTypes());

    ObjectNode nobody = signIn("c");
    nobody.remove("signInEventTypes");
    nobody.put("userId", "");
    assertEquals(List.of(), read(nobody).signInEventTypes(), "no user and no service principal: not guessed");
  }

  @Test
  void batch_isOldestFirst_firstOfAnIdWins() {
    SignInJson read = new SignInJson();
    read.add(GraphTestServer.signIn("b", T.plusSeconds(60), BG1, "u", 0, "1.2.3.4"));
    read.add(GraphTestServer.signIn("a", T, BG1, "u", 50126, "1.2.3.4"));
    read.add(GraphTestServer.signIn("a", T, BG1, "u", 0, "1.2.3.4"));
    SignInBatch b = read.batch();
    assertEquals(List.of("a", "b"), ids(b));
    assertEquals(50126, b.signIns().get(0).errorCode());
  }

  static ObjectNode signIn(String id) {
    return GraphTestServer.signIn(id, T, BG1, "bg1@contoso.onmicrosoft.com", 0, "203.0.113.7");
  }

  static SignInRecord read(ObjectNode s) {
    SignInJson r = new SignInJson();
    r.add(s);
    SignInBatch b = r.batch();
    assertEquals(List.of(), b.skipped());
    return b.signIns().get(0);
  }

  static SkippedSignIn skipped(ObjectNode s) {
    SignInJson r = new SignInJson();
    r.add(s);
    SignInBatch b = r.batch();
    assertEquals(List.of(), b.signIns());
    return b.skipped().get(0);
  }

  static void readPage(SignInJson read, String page) {
    try {
      JSON.readTree(page).get("value").forEach(read::add);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  static List<String> ids(SignInBatch b) {
    return b.signIns().stream().map(SignInRecord::id).toList();
  }
}
