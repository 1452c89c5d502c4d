package dev.breakglass.custody.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.ledger.CheckoutRequest;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.NewCa;
import dev.breakglass.custody.ledger.NewCertificate;
import dev.breakglass.custody.ledger.ObservedSignIn;
import dev.breakglass.custody.ledger.ReviewRequest;
import dev.breakglass.custody.ledger.SessionRequest;
import dev.breakglass.custody.ledger.SignInRecorded;
import dev.breakglass.custody.ledger.SignInVerdict;
import dev.breakglass.custody.ledger.TestClock;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The audit report of a real ledger: one day of ordinary inventory, then a period with an unlock
 * session, a check-out, three judged sign-ins, reviews, a CA and a session left open.
 */
class HtmlReportTest {
  static final String BG1 = "bg1@contoso.onmicrosoft.com";
  static final String APP = "11111111-2222-3333-4444-555555555555";
  static final Instant SINCE = Instant.parse("2026-11-26T00:00:00Z");
  static final String SCRIPT_REASON = "tenant lockout <script>alert(1)</script>";

  @TempDir Path home;
  @TempDir Path out;
  TestClock clock = new TestClock(Fixture.START);
  Ledger ledger;
  long session;

  @BeforeEach
  void setUp() throws Exception {
    ledger = Ledger.init(home, "admin", clock);
    Fixture.populate(ledger); // events 1-9, 2026-11-25T09:00Z

    clock.advance(Duration.ofHours(1));
    ledger.checkout(new CheckoutRequest("spare-envelope", "Carol", Optional.empty(), "old business",
        Optional.empty(), Optional.empty(), Optional.empty()));
    clock.advance(Duration.ofHours(1));
    ledger.checkin(Fixture.checkin("spare-envelope", "Carol", null, null));

    clock.advance(Duration.ofHours(22)); // 2026-11-26T09:00Z: the period starts at midnight before
    ledger.addIdentity(new Identity(IdentityKind.APP, APP, Optional.empty(), Optional.of("Break glass app")), "admin");
    Instant now = clock.instant();
    ledger.recordCa(new NewCa("0A1B", "CN=BreakGlass Kit CA", "EC-P256", now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofDays(365)), "ab".repeat(32), "CD".repeat(20)), "admin");
    ledger.recordCertificate(new NewCertificate("7F01", "A1B", APP, "CN=bg-app", "EC-P256",
        now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(20)), "EF".repeat(20), "12".repeat(32),
        Optional.empty()), "admin");

    session = ledger.openSession(new SessionRequest(BG1, "Alice", Optional.of("Bob"), SCRIPT_REASON,
        Optional.of("INC-7"), false, Duration.ofHours(2))).seq();
    clock.advance(Duration.ofMinutes(5));
    ledger.checkout(Fixture.checkout("bg1-key", "Alice", "Bob", "SEAL-1"));
    clock.advance(Duration.ofMinutes(5));
    Instant t = clock.instant();
    ledger.recordSignIns("vault-daemon", List.of(
        new ObservedSignIn("s-expected", t.minusSeconds(60), BG1, SignInVerdict.EXPECTED, Optional.of(session), true,
            Map.of("ipAddress", "198.51.100.1", "appDisplayName", "Azure Portal")),
        new ObservedSignIn("s-drill", t.minusSeconds(30), BG1, SignInVerdict.DRILL, Optional.of(session), true,
            Map.of("ipAddress", "198.51.100.2")),
        new ObservedSignIn("s-unexplained", t, BG1, SignInVerdict.UNEXPLAINED, Optional.empty(), false,
            Map.of("ipAddress", "203.0.113.66", "city", "<b>Evil</b> & Sons", "countryOrRegion", "ZZ",
                "appDisplayName", "App\u0007Name\u202e", "errorCode", 50126L))),
        Optional.empty(), (s, e) -> List.of());
    clock.advance(Duration.ofMinutes(20));
    ledger.checkin(Fixture.checkin("bg1-key", "Alice", "Bob", "SEAL-2"));
    clock.advance(Duration.ofMinutes(5));
    ledger.closeSession(session, "Alice", "restored access");
    clock.advance(Duration.ofMinutes(10));
    ledger.review(new ReviewRequest("bg1-key", "Alice", Optional.of("Bob"), Optional.of("SEAL-2"), Optional.empty(),
        Optional.of("seal intact")));
    clock.advance(Duration.ofMinutes(10));
    ledger.recordKitReview("Alice", Optional.of("Bob"), Optional.of("quarterly review"), Map.of("outcome", "pass"));
    clock.advance(Duration.ofHours(1));
    ledger.openSession(new SessionRequest(BG1, "Bob", Optional.of("Carol"), "forgotten session", Optional.empty(),
        true, Duration.ofHours(1)));
    clock.advance(Duration.ofHours(3)); // past its expected end
  }

  @AfterEach
  void tearDown() {
    ledger.close();
  }

  AuditReport gather(Optional<Instant> since) throws CustodyException {
    return AuditReport.gather(ledger, since, clock);
  }

  static Document parse(String html) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(false); // plain tag names for XPath; the xmlns attributes are checked as text
    f.setExpandEntityReferences(false);
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
  }

  static String text(Document d, String xpath) throws Exception {
    return (String) XPathFactory.newInstance().newXPath().evaluate("string(" + xpath + ")", d, XPathConstants.STRING);
  }

  static int count(Document d, String xpath) throws Exception {
    return ((NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, d, XPathConstants.NODESET)).getLength();
  }

  /** Elements whose class attribute holds every one of {@code classes}. */
  static String withClasses(String tag, String... classes) {
    StringBuilder b = new StringBuilder("//" + tag);
    for (String c : classes) {
      b.append("[contains(concat(' ', normalize-space(@class), ' '), ' ").append(c).append(" ')]");
    }
    return b.toString();
  }

  @Test
  void render_showsTheHeadAndThatTheLedgerVerifiesIntact() throws Exception {
    AuditReport r = gather(Optional.empty());
    Document d = parse(HtmlReport.render(r));
    assertEquals(ledger.head().orElseThrow().toString(), text(d, "//*[@id='ledger-head']"));
    assertTrue(text(d, "//*[@id='verify-result']").startsWith("intact: " + r.verify().events() + " events"),
        text(d, "//*[@id='verify-result']"));
    assertEquals("banner ok", text(d, "//*[@id='verify-banner']/@class"));
    assertTrue(text(d, "/html/head/title").startsWith("BreakGlass Kit audit report"));
  }

  @Test
  void render_marksEachSignInByItsVerdictOnTheTimeline() throws Exception {
    Document d = parse(HtmlReport.render(gather(Optional.empty())));
    assertEquals(1, count(d, withClasses("svg//circle", "signin", "expected")));
    assertEquals(1, count(d, withClasses("svg//circle", "signin", "drill")));
    assertEquals(1, count(d, withClasses("svg//circle", "signin", "unexplained", "failed")));
    assertEquals(3, count(d, withClasses("svg//circle", "signin")));
    assertTrue(text(d, withClasses("svg//circle", "unexplained") + "/title").contains("203.0.113.66"));
    // Two sessions (one a drill, left open past its end), two check-outs, one review of each kind.
    assertEquals(2, count(d, withClasses("svg//rect", "session")));
    assertEquals(1, count(d, withClasses("svg//rect", "session", "drill", "overdue")));
    assertEquals(2, count(d, withClasses("svg//rect", "checkout")));
    assertEquals(1, count(d, withClasses("svg//path", "review", "kit")));
    assertEquals(1, count(d, withClasses("svg//path", "review", "item")));
  }

  @Test
  void render_listsTheUnexplainedSignInAndTheOverdueSessionUnderAlarms() throws Exception {
    AuditReport r = gather(Optional.empty());
    Document d = parse(HtmlReport.render(r));
    assertEquals(2, r.alarmCount());
    assertEquals(1, count(d, "//section[@id='alarms']//table[@id='unexplained-signins']/tbody/tr"));
    String row = text(d, "//table[@id='unexplained-signins']/tbody/tr");
    assertTrue(row.contains("203.0.113.66") && row.contains("failure 50126"), row);
    // It was recorded before the kit review: that review is where it was looked at.
    Event review = ledger.lastKitReview().orElseThrow();
    assertTrue(row.contains("event " + review.seq()), row);
    assertEquals(1, count(d, "//table[@id='overdue-sessions']/tbody/tr"));
    assertTrue(text(d, "//table[@id='overdue-sessions']/tbody/tr").contains("forgotten session"));
    assertEquals("No key alarm in the period.", text(d, "//*[@id='key-alarms']"));
  }

  @Test
  void render_escapesLedgerTextSoThatItNeverBecomesMarkup() throws Exception {
    String html = HtmlReport.render(gather(Optional.empty()));
    Document d = parse(html); // parses at all: the BEL and the direction override were replaced
    assertEquals(0, count(d, "//script"));
    assertEquals(0, count(d, "//b"));
    assertTrue(count(d, "//table[@id='sessions-table']//td[. = '" + SCRIPT_REASON + "']") == 1, html);
    assertTrue(html.contains("tenant lockout &lt;script&gt;alert(1)&lt;/script&gt;"));
    assertTrue(text(d, "//table[@id='signins-table']").contains("<b>Evil</b> & Sons, ZZ"));
    assertTrue(text(d, "//table[@id='signins-table']").contains("App?Name?"));
    assertFalse(html.contains("\u0007") || html.contains("\u202e"));
  }

  @Test
  void render_loadsNothingFromOutside() throws Exception {
    String html = HtmlReport.render(gather(Optional.empty()));
    Document d = parse(html);
    assertEquals("default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        text(d, "/html/head/meta[@http-equiv='Content-Security-Policy']/@content"));
    assertEquals(1, count(d, "/html/head/style"));
    assertEquals(0, count(d, "//script | //img | //iframe | //object | //embed | //link[@rel='stylesheet']"));
    NodeList all = d.getElementsByTagName("*");
    for (int i = 0; i < all.getLength(); i++) {
      NamedNodeMap attributes = all.item(i).getAttributes();
      for (int j = 0; j < attributes.getLength(); j++) {
        Node a = attributes.item(j);
        if (a.getNodeName().startsWith("xmlns")) {
          continue; // a namespace name, never fetched
        }
        String v = a.getNodeValue().strip().toLowerCase(java.util.Locale.ROOT);
        assertFalse(v.contains("http:") || v.contains("https:") || v.startsWith("//"),
            ((Element) all.item(i)).getTagName() + " " + a.getNodeName() + "=" + v);
        if (a.getNodeName().equals("src") || a.getNodeName().endsWith("href")) {
          assertTrue(v.startsWith("data:") || v.startsWith("#"), a.getNodeName() + "=" + v);
        }
      }
    }
    String withoutNamespaces = html.replace("xmlns=\"http://www.w3.org/1999/xhtml\"", "")
        .replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assertFalse(withoutNamespaces.contains("http:") || withoutNamespaces.contains("https:"));
    assertFalse(text(d, "/html/head/style").contains("url("), "the CSS loads nothing either");
  }

  @Test
  void gather_withSince_dropsWhatHappenedBefore() throws Exception {
    AuditReport all = gather(Optional.empty());
    AuditReport since = gather(Optional.of(SINCE));
    long before = 11; // events 1-9 of the inventory, then the old check-out and check-in
    assertEquals(all.eventCount() - before, since.eventCount());
    assertEquals(SINCE, since.from());
    assertEquals(Fixture.START, all.from());
    assertEquals(2, all.checkouts().size());
    assertEquals(1, since.checkouts().size());

    Document d = parse(HtmlReport.render(since));
    String events = text(d, "//table[@id='events-table']");
    assertFalse(events.contains("old business"), events);
    assertFalse(events.contains("spare-envelope"), events);
    assertEquals(1, count(d, withClasses("svg//rect", "checkout")));
    assertTrue(text(d, "//*[@id='period']").startsWith("Period from 2026-11-26T00:00:00.000Z to "));
    assertTrue(text(parse(HtmlReport.render(all)), "//table[@id='events-table']").contains("old business"));
    // Current state is not a matter of the period: the CA inventory is there either way.
    assertEquals(1, count(d, "//table[@id='cas']/tbody/tr"));
    assertTrue(text(d, "//table[@id='certificates']/tbody/tr").contains("valid"));
    assertEquals(1, count(d, "//table[@id='kit-reviews']/tbody/tr"));
    assertEquals(1, count(d, "//table[@id='item-reviews']/tbody/tr"));
  }

  @Test
  void render_ofATamperedLedger_saysVerificationFailedAtTheChangedEvent() throws Exception {
    Fixture.attack(home, "UPDATE events SET reason = 'x' WHERE seq = 5");
    AuditReport r = gather(Optional.empty());
    assertFalse(r.verify().ok());
    Document d = parse(HtmlReport.render(r));
    assertTrue(text(d, "//*[@id='verify-result']").startsWith("FAILED at event 5: event 5 does not match its hash"),
        text(d, "//*[@id='verify-result']"));
    assertEquals("bad", text(d, "//*[@id='verify-result']/@class"));
    assertEquals("banner bad", text(d, "//*[@id='verify-banner']/@class"));
    assertTrue(text(d, "//*[@id='verify-banner']").startsWith("LEDGER VERIFICATION FAILED at event 5."));
    // The rest of the report is still there for the investigation.
    assertEquals(3, count(d, withClasses("svg//circle", "signin")));
  }

  @Test
  void render_capsTheTimelineAndKeepsTheUnexplainedSignIns() throws Exception {
    AuditReport r = gather(Optional.empty());
    Instant t = r.asOf().minus(Duration.ofHours(1));
    List<AuditReport.SignIn> many = new ArrayList<>();
    IntStream.range(0, 6_000).forEach(i -> {
      boolean unexplained = i % 1_000 == 999;
      many.add(new AuditReport.SignIn(new SignInRecorded("s" + i, 1_000 + i, t.plusMillis(i), BG1,
          unexplained ? SignInVerdict.UNEXPLAINED : SignInVerdict.EXPECTED,
          unexplained ? Optional.empty() : Optional.of(session), true),
          Map.of("ipAddress", "10.0.0.1\u0000\ud800"))); // NUL and a lone surrogate: not XML
    });
    AuditReport big = new AuditReport(r.home(), r.asOf(), r.since(), r.from(), r.eventCount(), r.events(),
        r.eventsNotListed(), r.sessions(), r.checkouts(), many, r.kitReviews(), r.itemReviews(), r.openItems(),
        r.cas(), r.certificates(), r.keyAlarms(), r.overdueSessions(), r.head(), r.verify());
    Document d = parse(HtmlReport.render(big));
    int others = 2 + 2 + 1 + 1; // sessions, check-outs, reviews
    assertEquals(Timeline.MAX_MARKS - others, count(d, withClasses("svg//circle", "signin")));
    assertEquals(6, count(d, withClasses("svg//circle", "unexplained")));
    assertTrue(text(d, "//*[@id='timeline-omitted']").startsWith((6_000 + others - Timeline.MAX_MARKS) + " of "
        + (6_000 + others) + " marks are left out"), text(d, "//*[@id='timeline-omitted']"));
    assertEquals(HtmlReport.MAX_SIGNIN_ROWS, count(d, "//table[@id='signins-table']/tbody/tr"));
    assertTrue(text(d, "//*[@id='signins-omitted']").startsWith("1000 later sign-ins are not listed"));
    assertEquals(6, count(d, "//table[@id='unexplained-signins']/tbody/tr"));
    assertTrue(text(d, "//table[@id='unexplained-signins']/tbody/tr").contains("10.0.0.1??"));
  }

  @Test
  void writeNew_writesA0600FileAndNeverReplacesAFileOrFollowsALink() throws Exception {
    AuditReport r = gather(Optional.of(SINCE));
    Path file = out.resolve("report.html");
    HtmlReport.writeNew(file, r);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    parse(Files.readString(file, StandardCharsets.UTF_8));
    try (var files = Files.list(out)) {
      assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
    }

    CustodyException e = assertThrows(CustodyException.class, () -> HtmlReport.writeNew(file, r));
    assertEquals(CustodyException.Reason.REFUSED, e.reason());
    assertEquals(file + " exists already (or is a link): give a new file name; nothing was written", e.getMessage());

    Path victim = out.resolve("victim.txt");
    Files.writeString(victim, "keep me");
    Path link = out.resolve("link.html");
    Files.createSymbolicLink(link, victim);
    assertEquals(CustodyException.Reason.REFUSED, assertThrows(CustodyException.class,
        () -> HtmlReport.writeNew(link, r)).reason());
    Path dangling = out.resolve("dangling.html");
    Files.createSymbolicLink(dangling, out.resolve("nowhere.html"));
    assertEquals(CustodyException.Reason.REFUSED, assertThrows(CustodyException.class,
        () -> HtmlReport.writeNew(dangling, r)).reason());
    assertEquals("keep me", Files.readString(victim));
    assertFalse(Files.exists(out.resolve("nowhere.html")));
  }
}
