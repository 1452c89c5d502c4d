package dev.breakglass.entra.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.entra.EntraConnection;
import dev.breakglass.entra.FakeTokens;
import dev.breakglass.entra.GraphTestServer;
import dev.breakglass.entra.GraphTestServer.Fault;
import dev.breakglass.entra.GraphTestServer.Recorded;
import dev.breakglass.entra.RecordingSleeper;
import dev.breakglass.entra.SignInBatch;
import dev.breakglass.entra.SignInRecord;
import dev.breakglass.entra.SignInSource;
import dev.breakglass.entra.SkippedSignIn;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sign-in log through the beta endpoint, against the Graph test server. */
class SignInSourceIT {
  static final String BG1 = GraphDirectoryIT.BG1;
  static final String BG2 = GraphDirectoryIT.BG2;
  static final String APP_ID = GraphDirectoryIT.APP_ID;
  static final Instant FROM = Instant.parse("2026-11-20T00:00:00Z");
  static final Instant TO = Instant.parse("2026-11-21T00:00:00Z");
  static final String UPN1 = "bg1@contoso.onmicrosoft.com";
  static final ObjectMapper JSON = new ObjectMapper();

  GraphTestServer server;
  RecordingSleeper sleeper = new RecordingSleeper();
  EntraConnection entra;
  SignInSource source;

  @BeforeEach
  void start() throws Exception {
    server = GraphTestServer.start(GraphTestServer.CONTOSO);
    entra = EntraConnection.withTokens(server.url(), FakeTokens.of("token-1"), new TestClock(TO), sleeper);
    source = entra.signIns();
  }

  @AfterEach
  void stop() {
    entra.close();
    server.close();
  }

  @Test
  void users_interactiveAndNonInteractive_successAndFailure_oldestFirst() throws Exception {
    SignInBatch batch = source.signIns(Set.of(BG1, BG2), Set.of(), FROM, TO);
    assertEquals(List.of(), batch.skipped());
    List<SignInRecord> s = batch.signIns();
    assertEquals(List.of("66ea54eb-6301-4ee5-be62-ff5a759b0107", "66ea54eb-6301-4ee5-be62-ff5a759b0106",
        "66ea54eb-6301-4ee5-be62-ff5a759b0105", "66ea54eb-6301-4ee5-be62-ff5a759b0100"), ids(s));
    SignInRecord failed = s.get(0);
    assertEquals(new SignInRecord("66ea54eb-6301-4ee5-be62-ff5a759b0107", Instant.parse("2026-11-20T09:00:00Z"),
        Optional.of(BG1), Optional.of("bg1@contoso.onmicrosoft.com"), Optional.of("c44b4083-3bb0-49c1-b47d-974e53cbdf3c"),
        Optional.of("Azure Portal"), Optional.empty(), Optional.of("198.51.100.99"), Optional.of("Lagos"),
        Optional.of("NG"), 50126, Optional.of("Error validating credentials due to invalid username or password."),
        Optional.of("notApplied"), List.of("interactiveUser"), true), failed);
    assertFalse(failed.succeeded());
    SignInRecord nonInteractive = s.get(2);
    assertEquals(List.of("nonInteractiveUser"), nonInteractive.signInEventTypes());
    assertFalse(nonInteractive.isInteractive());
    assertTrue(nonInteractive.succeeded());

    Recorded r = server.requests().get(0);
    assertEquals("/beta/auditLogs/signIns", r.path());
    assertEquals("createdDateTime ge 2026-11-20T00:00:00Z and createdDateTime le 2026-11-21T00:00:00Z and (userId eq '"
        + BG1 + "' or userId eq '" + BG2 + "') and signInEventTypes/any(t: t eq 'interactiveUser' or t eq"
        + " 'nonInteractiveUser')", r.query().get("$filter"));
    assertEquals(1, server.requests().size(), "no query for service principals when there are none to watch");
  }

  @Test
  void servicePrincipals_successAndFailure() throws Exception {
    List<SignInRecord> s = source.signIns(Set.of(), Set.of(APP_ID), FROM, TO).signIns();
    assertEquals(List.of("66ea54eb-6301-4ee5-be62-ff5a759b0103", "66ea54eb-6301-4ee5-be62-ff5a759b0102"), ids(s));
    SignInRecord failed = s.get(1);
    assertEquals(Optional.empty(), failed.userId(), "Graph's empty userId");
    assertEquals(Optional.of("c4a7e1f0-8d2b-4b6e-9f3a-1e5d7c9b2a40"), failed.servicePrincipalId());
    assertEquals(7000215, failed.errorCode());
    assertEquals(Optional.of("Invalid client secret provided."), failed.failureReason());
    assertEquals(List.of("servicePrincipal"), failed.signInEventTypes());
    assertEquals("createdDateTime ge 2026-11-20T00:00:00Z and createdDateTime le 2026-11-21T00:00:00Z and (appId eq '"
        + APP_ID + "') and signInEventTypes/any(t: t eq 'servicePrincipal')", server.requests().get(0).query()
        .get("$filter"));
  }

  @Test
  void usersAndApps_together_mergedInTimeOrder() throws Exception {
    List<SignInRecord> s = source.signIns(Set.of(BG1), Set.of(APP_ID), FROM, TO).signIns();
    assertEquals(List.of("66ea54eb-6301-4ee5-be62-ff5a759b0107", "66ea54eb-6301-4ee5-be62-ff5a759b0106",
        "66ea54eb-6301-4ee5-be62-ff5a759b0105", "66ea54eb-6301-4ee5-be62-ff5a759b0103",
        "66ea54eb-6301-4ee5-be62-ff5a759b0102"), ids(s));
    assertEquals(2, server.requests().size());
  }

  @Test
  void timeWindow_isFilteredAtGraph_andWidenedToWholeSeconds() throws Exception {
    List<SignInRecord> s = source.signIns(Set.of(BG1), Set.of(), Instant.parse("2026-11-20T10:00:00.700Z"),
        Instant.parse("2026-11-20T10:04:59.200Z")).signIns();
    // 10:04:59.2 becomes 10:05:00, which takes in the sign-in at 10:05:00: a watcher de-duplicates.
    assertEquals(List.of("66ea54eb-6301-4ee5-be62-ff5a759b0106", "66ea54eb-6301-4ee5-be62-ff5a759b0105"), ids(s));
    assertTrue(server.requests().get(0).query().get("$filter").startsWith("createdDateTime ge 2026-11-20T10:00:00Z and"
        + " createdDateTime le 2026-11-20T10:05:00Z and "));
    assertEquals(List.of("66ea54eb-6301-4ee5-be62-ff5a759b0108"),
        ids(source.signIns(Set.of(BG1), Set.of(), Instant.parse("2026-11-01T00:00:00Z"),
            Instant.parse("2026-11-15T00:00:00Z")).signIns()));
  }

  @Test
  void userPrincipalName_isMatchedLowercase() throws Exception {
    assertEquals(3, source.signIns(Set.of("BG1@Contoso.onmicrosoft.com"), Set.of(), FROM, TO).signIns().size());
    assertTrue(server.requests().get(0).query().get("$filter").contains("(userPrincipalName eq"
        + " 'bg1@contoso.onmicrosoft.com')"));
  }

  @Test
  void pages_areFollowed() throws Exception {
    server.pageSize("auditLogs/signIns", 1);
    assertEquals(3, source.signIns(Set.of(BG1), Set.of(), FROM, TO).signIns().size());
    List<Recorded> pages = server.requests();
    assertEquals(3, pages.size());
    assertEquals(pages.get(0).query().get("$filter"), pages.get(2).query().get("$filter"), "next links keep the filter");
  }

  @Test
  void nonPremiumTenant_isALicenceError() {
    server.fault("GET", "auditLogs/signIns", Fault.nonPremiumLicence());
    DirectoryException e = assertThrows(DirectoryException.class, () -> source.signIns(Set.of(BG1), Set.of(), FROM, TO));
    assertEquals(Reason.LICENCE, e.reason());
    assertEquals("sign-in logs need Entra ID P1 or P2, which the tenant does not have (403"
        + " Authentication_RequestFromNonPremiumTenantOrB2CTenant: Neither tenant is B2C or tenant doesn't have premium"
        + " license); with Entra ID Free, watch sign-ins in the portal or a SIEM instead", e.getMessage());
  }

  @Test
  void throttled_auditLogs_retried() throws Exception {
    server.fault("GET", "auditLogs/signIns", Fault.throttled(2), Fault.throttled(5));
    assertEquals(3, source.signIns(Set.of(BG1), Set.of(), FROM, TO).signIns().size());
    assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(5)), sleeper.waits());
  }

  @Test
  void forbidden_namesBothPermissions() {
    server.fault("GET", "auditLogs/signIns", Fault.forbidden());
    DirectoryException e = assertThrows(DirectoryException.class, () -> source.signIns(Set.of(BG1), Set.of(), FROM, TO));
    assertEquals(Reason.FORBIDDEN, e.reason());
    assertEquals("the app may not GET /beta/auditLogs/signIns (users' sign-ins from 2026-11-20T00:00:00Z) (403"
        + " Authorization_RequestDenied: Insufficient privileges to complete the operation.): grant it AuditLog.Read.All"
        + " and Directory.Read.All (with admin consent)", e.getMessage());
  }

  @Test
  void nothingToWatch_noRequest() throws Exception {
    assertEquals(new SignInBatch(List.of(), List.of()), source.signIns(Set.of(), Set.of(), FROM, TO));
    assertEquals(List.of(), server.requests());
    assertThrows(IllegalArgumentException.class, () -> source.signIns(Set.of(BG1), Set.of(), TO, FROM));
  }

  @Test
  void v1_0_wouldMissNonInteractiveSignIns_whichIsWhyBetaIsUsed() throws Exception {
    // The test server answers like Graph: v1.0 returns interactive sign-ins only and has no
    // signInEventTypes to filter on.
    var client = com.microsoft.graph.core.requests.GraphClientFactory.create().build();
    var url = server.url() + "/v1.0/auditLogs/signIns?$filter=userId%20eq%20'" + BG1 + "'";
    try (var response = client.newCall(new okhttp3.Request.Builder().url(url).header("Authorization", "Bearer t")
        .build()).execute()) {
      String body = response.body().string();
      assertFalse(body.contains("nonInteractiveUser") || body.contains("66ea54eb-6301-4ee5-be62-ff5a759b0105"), body);
      assertTrue(body.contains("66ea54eb-6301-4ee5-be62-ff5a759b0106"));
    }
  }

  // ---------------------------------------------------------------- unreadable records

  @Test
  void recordWithoutId_isSkippedAndReported_theOthersOnItsPageKept() throws Exception {
    ObjectNode noId = GraphTestServer.signIn("x", Instant.parse("2026-11-20T10:20:00Z"), BG1, UPN1, 0, "203.0.113.7");
    noId.remove("id");
    server.addSignIn(noId);
    SignInBatch b = source.signIns(Set.of(BG1), Set.of(), FROM, TO);
    assertEquals(1, server.requests().size(), "one page");
    assertEquals(List.of(ID + "107", ID + "106", ID + "105"), ids(b.signIns()));
    assertEquals(List.of(new SkippedSignIn(Optional.empty(), Optional.of(Instant.parse("2026-11-20T10:20:00Z")),
        "no id")), b.skipped());
  }

  @Test
  void recordWithoutStatus_isSkippedAndReported_theOthersOnItsPageKept() throws Exception {
    ObjectNode noStatus = GraphTestServer.signIn(ID + "901", Instant.parse("2026-11-20T10:20:00Z"), BG1, UPN1, 0,
        "203.0.113.7");
    noStatus.remove("status");
    ObjectNode noErrorCode = GraphTestServer.signIn(ID + "902", Instant.parse("2026-11-20T10:21:00Z"), BG1, UPN1, 0,
        "203.0.113.7");
    ((ObjectNode) noErrorCode.get("status")).putNull("errorCode");
    server.addSignIns(List.of(noStatus, noErrorCode));
    SignInBatch b = source.signIns(Set.of(BG1), Set.of(), FROM, TO);
    assertEquals(List.of(ID + "107", ID + "106", ID + "105"), ids(b.signIns()));
    // In the order met: Graph's, newest first.
    assertEquals(List.of(
        new SkippedSignIn(Optional.of(ID + "902"), Optional.of(Instant.parse("2026-11-20T10:21:00Z")),
            "no status.errorCode"),
        new SkippedSignIn(Optional.of(ID + "901"), Optional.of(Instant.parse("2026-11-20T10:20:00Z")), "no status")),
        b.skipped());
  }

  @Test
  void recordWithoutCreatedDateTime_isSkippedAndReported_theOthersOnItsPageKept() throws Exception {
    // The server's own $filter drops a sign-in without a date, as Graph would never send one: the
    // page is given whole.
    ObjectNode noDate = signIn(ID + "903", "2026-11-20T10:20:00Z");
    noDate.remove("createdDateTime");
    server.fault("GET", "auditLogs/signIns", Fault.body(page(null, signIn(ID + "910", "2026-11-20T10:30:00Z"), noDate,
        signIn(ID + "911", "2026-11-20T10:10:00Z"))));
    SignInBatch b = source.signIns(Set.of(BG1), Set.of(), FROM, TO);
    assertEquals(List.of(ID + "911", ID + "910"), ids(b.signIns()));
    assertEquals(List.of(new SkippedSignIn(Optional.of(ID + "903"), Optional.empty(), "no createdDateTime")),
        b.skipped());
  }

  @Test
  void recordWithABadDate_isSkippedAndReported_theOthersOnItsPageKept() throws Exception {
    // Kiota would have thrown for the whole page (SignInJsonTest.kiota_losesTheWholePageToOneBadDate).
    server.fault("GET", "auditLogs/signIns", Fault.body(page(null, signIn(ID + "910", "2026-11-20T10:30:00Z"),
        signIn(ID + "904", "not-a-date"), signIn(ID + "911", "2026-11-20T10:10:00Z"))));
    SignInBatch b = source.signIns(Set.of(BG1), Set.of(), FROM, TO);
    assertEquals(List.of(ID + "911", ID + "910"), ids(b.signIns()));
    assertEquals(List.of(new SkippedSignIn(Optional.of(ID + "904"), Optional.empty(),
        "createdDateTime 'not-a-date' is not an ISO 8601 date and time")), b.skipped());
  }

  @Test
  void errorCodeBeyond32Bits_isSkipped_notWrappedRoundToSuccess() throws Exception {
    // 2^32: Kiota's Gson reads it as 0, a successful sign-in.
    ObjectNode wraps = signIn(ID + "905", "2026-11-20T10:20:00Z");
    ((ObjectNode) wraps.get("status")).put("errorCode", 4294967296L);
    server.addSignIn(wraps);
    SignInBatch b = source.signIns(Set.of(BG1), Set.of(), FROM, TO);
    assertEquals(3, b.signIns().size());
    assertEquals(List.of(new SkippedSignIn(Optional.of(ID + "905"), Optional.of(Instant.parse("2026-11-20T10:20:00Z")),
        "status.errorCode '4294967296' is not a 32-bit whole number")), b.skipped());
  }

  @Test
  void itemThatIsNotAnObject_isSkipped() throws Exception {
    server.fault("GET", "auditLogs/signIns", Fault.body("{\"value\":[42," + JSON.writeValueAsString(signIn(ID + "910",
        "2026-11-20T10:30:00Z")) + "]}"));
    SignInBatch b = source.signIns(Set.of(BG1), Set.of(), FROM, TO);
    assertEquals(List.of(ID + "910"), ids(b.signIns()));
    assertEquals(List.of(new SkippedSignIn(Optional.empty(), Optional.empty(),
        "the item is a number, not a sign-in object")), b.skipped());
  }

  @Test
  void sameSignInOnTwoPages_isReadOnce() throws Exception {
    // Graph pages by offset: a sign-in logged between two page requests pushes the last of one page
    // onto the next. Unreadable records are reported once too.
    ObjectNode broken = signIn(ID + "906", "2026-11-20T10:15:00Z");
    broken.remove("status");
    String next = server.url() + "/beta/auditLogs/signIns?$skiptoken=2";
    server.fault("GET", "auditLogs/signIns",
        Fault.body(page(next, signIn(ID + "910", "2026-11-20T10:30:00Z"), signIn(ID + "911", "2026-11-20T10:20:00Z"),
            broken)),
        Fault.body(page(null, signIn(ID + "911", "2026-11-20T10:20:00Z"), broken,
            signIn(ID + "912", "2026-11-20T10:10:00Z"))));
    SignInBatch b = source.signIns(Set.of(BG1), Set.of(), FROM, TO);
    assertEquals(2, server.requests().size());
    assertEquals(List.of(ID + "912", ID + "911", ID + "910"), ids(b.signIns()));
    assertEquals(List.of(new SkippedSignIn(Optional.of(ID + "906"), Optional.of(Instant.parse("2026-11-20T10:15:00Z")),
        "no status")), b.skipped());
  }

  @Test
  void sameSignInFromTheUsersAndTheAppsQuery_isReadOnce() throws Exception {
    server.addSignIn(GraphTestServer.servicePrincipalSignIn(ID + "907", Instant.parse("2026-11-20T10:20:00Z"), APP_ID,
        "c4a7e1f0-8d2b-4b6e-9f3a-1e5d7c9b2a40", 0));
    SignInBatch b = source.signIns(Set.of(BG1), Set.of(APP_ID), FROM, TO);
    assertEquals(List.of(ID + "107", ID + "106", ID + "105", ID + "907", ID + "103", ID + "102"), ids(b.signIns()));
  }

  @Test
  void pageThatIsNotJson_failsThePoll_nothingSkippedSilently() {
    server.fault("GET", "auditLogs/signIns", Fault.malformedJson());
    DirectoryException e = assertThrows(DirectoryException.class, () -> source.signIns(Set.of(BG1), Set.of(), FROM, TO));
    assertEquals(Reason.BAD_RESPONSE, e.reason());
    assertEquals("cannot read Microsoft Graph's answer to GET /beta/auditLogs/signIns (users' sign-ins from"
        + " 2026-11-20T00:00:00Z) (JsonParseException: Unexpected character (',' (code 44)): was expecting double-quote"
        + " to start field name at line 1 column 23): try again; if it persists, check for a proxy altering the"
        + " traffic", e.getMessage());
  }

  @Test
  void truncatedSecondPage_failsThePoll() {
    server.pageSize("auditLogs/signIns", 1);
    server.fault("GET", "auditLogs/signIns", Fault.pass(), Fault.truncatedJson());
    DirectoryException e = assertThrows(DirectoryException.class, () -> source.signIns(Set.of(BG1), Set.of(), FROM, TO));
    assertEquals(Reason.BAD_RESPONSE, e.reason());
    assertTrue(e.getMessage().startsWith("cannot read Microsoft Graph's answer to GET /beta/auditLogs/signIns (users'"
        + " sign-ins from 2026-11-20T00:00:00Z) (JsonEOFException: Unexpected end-of-input"), e.getMessage());
    assertEquals(2, server.requests().size());
  }

  @Test
  void pageWithoutValue_isABadResponse() {
    server.fault("GET", "auditLogs/signIns", Fault.body("{\"@odata.context\":\"x\"}"));
    DirectoryException e = assertThrows(DirectoryException.class, () -> source.signIns(Set.of(BG1), Set.of(), FROM, TO));
    assertEquals(Reason.BAD_RESPONSE, e.reason());
    assertEquals("Microsoft Graph answered GET /beta/auditLogs/signIns (users' sign-ins from 2026-11-20T00:00:00Z)"
        + " without a 'value' list: try again; if it persists, check for a proxy altering the traffic", e.getMessage());
  }

  @Test
  void droppedConnection_isAnIoError() {
    server.fault("GET", "auditLogs/signIns", Fault.dropConnection(), Fault.dropConnection());
    DirectoryException e = assertThrows(DirectoryException.class, () -> source.signIns(Set.of(BG1), Set.of(), FROM, TO));
    assertEquals(Reason.IO, e.reason());
  }

  static final String ID = "66ea54eb-6301-4ee5-be62-ff5a759b0";

  /** A bg1 sign-in at {@code created} (which need not be a date). */
  static ObjectNode signIn(String id, String created) {
    ObjectNode s = GraphTestServer.signIn(id, Instant.EPOCH, BG1, UPN1, 0, "203.0.113.7");
    s.put("createdDateTime", created);
    return s;
  }

  static String page(String nextLink, JsonNode... items) throws Exception {
    ObjectNode page = JSON.createObjectNode().put("@odata.context",
        "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns");
    if (nextLink != null) {
      page.put("@odata.nextLink", nextLink);
    }
    page.putArray("value").addAll(List.of(items));
    return JSON.writeValueAsString(page);
  }

  static List<String> ids(List<SignInRecord> s) {
    return s.stream().map(SignInRecord::id).toList();
  }
}
