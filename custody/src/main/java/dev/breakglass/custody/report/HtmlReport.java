package dev.breakglass.custody.report;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.PrivateFiles;
import dev.breakglass.custody.ledger.CounterVerdict;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventHash;
import dev.breakglass.custody.ledger.KeyAlarm;
import dev.breakglass.custody.ledger.Session;
import dev.breakglass.custody.ledger.SignInRecorded;
import dev.breakglass.custody.ledger.SignInVerdict;
import dev.breakglass.custody.ledger.VerifyReport;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The audit report as one self-contained HTML page: inline CSS and SVG, no script, and a
 * Content-Security-Policy that forbids loading anything, so that the file reads the same offline,
 * in an archive years later, and cannot call out when an auditor opens it.
 *
 * <p>The page is polyglot (HTML5 that is also well-formed XML): a browser renders it and an XML
 * parser reads the same tree, which is how the tests check it. Every piece of ledger text is
 * escaped and cleaned of characters XML forbids or that hide what a reader sees.
 */
public final class HtmlReport {
  /** The policy: nothing from anywhere, only the page's own styles and data: images. */
  public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

  /** A sign-in table longer than this is cut; the alarms list every UNEXPLAINED one regardless. */
  static final int MAX_SIGNIN_ROWS = 5_000;

  /** Reasons and notes are bounded by the ledger (2,000 and 4,000); this keeps a cell readable. */
  private static final int MAX_CELL = 4_000;

  private static final String CSS = """
      :root { color-scheme: light; }
      body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
        color: #1a1a1a; background: #fff; max-width: 1200px; margin: 1.5rem auto; padding: 0 1rem; }
      h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
      h2 { font-size: 1.2rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2rem; }
      h3 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
      .meta, .note { color: #555; }
      .note { font-size: 12px; }
      .none { color: #666; font-style: italic; }
      .banner { padding: .8rem 1rem; border-radius: 4px; margin: 1rem 0; }
      .banner.bad { background: #b71c1c; color: #fff; border: 3px solid #7f0000; font-size: 1.1rem; }
      .banner.ok { background: #e8f5e9; color: #1b5e20; border: 1px solid #a5d6a7; }
      .banner.warn { background: #fff3e0; color: #8a3c00; border: 1px solid #ffb74d; }
      #verify-result.ok { color: #1b5e20; font-weight: 600; }
      #verify-result.bad { color: #b71c1c; font-weight: 700; }
      code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px;
        overflow-wrap: anywhere; }
      table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: 12.5px; }
      th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top;
        overflow-wrap: break-word; }
      th { background: #f3f3f3; }
      tr.alarm td { background: #ffebee; }
      tr.warn td { background: #fff8e1; }
      dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
      dl.summary dt { font-weight: 600; }
      dl.summary dd { margin: 0; }
      .legend { font-size: 12px; margin: .3rem 0; }
      .legend span { margin-right: 1rem; white-space: nowrap; }
      .swatch { display: inline-block; width: .9em; height: .9em; vertical-align: -.1em; margin-right: .3em;
        border: 1px solid #0003; }
      .swatch.session { background: #546e7a; }
      .swatch.session-drill { background: #90caf9; border: 1px dashed #1565c0; }
      .swatch.session-overdue { background: #ef6c00; }
      .swatch.checkout { background: #8d6e63; }
      .swatch.expected { background: #2e7d32; border-radius: 50%; }
      .swatch.drill { background: #1565c0; border-radius: 50%; }
      .swatch.unexplained { background: #c62828; border-radius: 50%; }
      .swatch.review { background: #00897b; transform: rotate(45deg) scale(.8); }
      .swatch.key-alarm { background: #b71c1c; }
      svg.timeline { display: block; width: 100%; height: auto; font: 11px system-ui, Arial, sans-serif; }
      svg .lane-bg { fill: #fafafa; stroke: #eee; }
      svg .lane-label { text-anchor: end; fill: #333; }
      svg .grid { stroke: #e4e4e4; }
      svg .axis { stroke: #666; }
      svg .now { stroke: #333; stroke-dasharray: 3 2; }
      svg .tick { text-anchor: middle; fill: #555; font-size: 10px; }
      svg .now-label { text-anchor: end; }
      svg .session { fill: #546e7a; }
      svg .session.drill { fill: #90caf9; stroke: #1565c0; stroke-dasharray: 3 2; }
      svg .session.overdue { fill: #ef6c00; stroke: #b71c1c; }
      svg .checkout { fill: #8d6e63; }
      svg .checkout.out { fill: #d84315; }
      svg .signin.expected { fill: #2e7d32; }
      svg .signin.drill { fill: #1565c0; }
      svg .signin.unexplained { fill: #c62828; stroke: #000; stroke-width: 1; }
      svg .signin.failed { fill-opacity: .55; }
      svg .review.kit { fill: #00897b; }
      svg .review.item { fill: #7cb342; }
      svg .key-alarm { fill: #b71c1c; stroke: #000; stroke-width: .5; }
      footer { margin-top: 2.5rem; border-top: 1px solid #ccc; padding-top: .5rem; }
      @page { size: A4 landscape; margin: 12mm; }
      @media print {
        body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }
        .banner, .swatch, svg, tr.alarm td, tr.warn td, th {
          -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        h2, h3 { break-after: avoid; }
        tr, svg, .banner { break-inside: avoid; }
        thead { display: table-header-group; }
      }
      """;

  private HtmlReport() {}

  /** The whole page. */
  public static String render(AuditReport r) {
    Markup m = new Markup();
    m.raw("<!DOCTYPE html>").nl();
    m.open("html", "xmlns", "http://www.w3.org/1999/xhtml", "lang", "en", "xml:lang", "en").nl();
    head(m, r);
    m.open("body").nl();
    header(m, r);
    integrity(m, r);
    alarms(m, r);
    timeline(m, r);
    openItems(m, r);
    sessions(m, r);
    checkouts(m, r);
    signIns(m, r);
    reviews(m, r);
    caInventory(m, r);
    events(m, r);
    m.open("footer").element("p", "Made by bg report (BreakGlass Kit) at " + ts(r.asOf()) + " from " + r.home()
        + ". Times are UTC. To check that the ledger has not changed since, record the head above somewhere"
        + " else and later run: bg ledger verify --head " + r.head().map(Object::toString).orElse("SEQ:HASH"),
        "class", "note").close("footer").nl();
    m.close("body").nl().close("html").nl();
    return m.toString();
  }

  /**
   * Renders the report into a new file {@code file}, mode 0600: written beside it under a temporary
   * name, synced, then linked into place, so that no reader ever sees half a report and an existing
   * file, or a link planted where the report goes, is never written through or replaced.
   *
   * @throws CustodyException REFUSED when something is at {@code file} already; IO when it cannot
   *     be written (nothing is left behind)
   */
  public static void writeNew(Path file, AuditReport r) throws CustodyException {
    refuseExisting(file);
    byte[] html = render(r).getBytes(StandardCharsets.UTF_8);
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new CustodyException(Reason.IO, "cannot write " + file + ": its directory " + dir + " does not exist;"
          + " nothing was written");
    }
    byte[] rnd = new byte[6];
    new SecureRandom().nextBytes(rnd);
    Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + HexFormat.of().formatHex(rnd));
    try {
      try (OutputStream out = PrivateFiles.createNew(tmp)) {
        out.write(html);
      }
      PrivateFiles.fsync(tmp);
      try {
        Files.createLink(target, tmp);
      } catch (UnsupportedOperationException noHardLinks) {
        Files.move(tmp, target); // FAT, SMB: still refuses an existing target
      }
      PrivateFiles.fsync(dir);
    } catch (FileAlreadyExistsException e) {
      throw exists(file);
    } catch (IOException e) {
      throw new CustodyException(Reason.IO, "cannot write " + file + ": " + e.getMessage()
          + "; nothing was written", e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // The report is in place or the error above says why not; a stray temporary file is not worth failing for.
      }
    }
  }

  /**
   * Refuses before anyone waits for a report that could not be written: something at {@code file}
   * (a file, a directory, a link even to nowhere) stays as it is.
   */
  public static void refuseExisting(Path file) throws CustodyException {
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      throw exists(file);
    }
  }

  private static CustodyException exists(Path file) {
    return new CustodyException(Reason.REFUSED, file + " exists already (or is a link): give a new file name;"
        + " nothing was written");
  }

  // --- sections -------------------------------------------------------------------------------

  private static void head(Markup m, AuditReport r) {
    m.open("head").nl();
    m.empty("meta", "charset", "UTF-8").nl();
    // Before anything it governs: a policy in a meta element applies only to what follows it.
    m.empty("meta", "http-equiv", "Content-Security-Policy", "content", CONTENT_SECURITY_POLICY).nl();
    m.empty("meta", "name", "viewport", "content", "width=device-width, initial-scale=1").nl();
    m.empty("meta", "name", "generator", "content", "BreakGlass Kit bg report").nl();
    m.empty("meta", "name", "referrer", "content", "no-referrer").nl();
    // Without an icon a browser asks the file's directory for favicon.ico.
    m.empty("link", "rel", "icon", "href", "data:,").nl();
    m.element("title", "BreakGlass Kit audit report " + period(r)).nl();
    m.open("style").raw("\n").raw(CSS).close("style").nl();
    m.close("head").nl();
  }

  private static void header(Markup m, AuditReport r) {
    m.open("header").nl();
    m.element("h1", "BreakGlass Kit audit report").nl();
    m.element("p", "Period " + period(r) + ". Made at " + ts(r.asOf()) + " (UTC) from the ledger in " + r.home()
        + ".", "class", "meta", "id", "period").nl();
    VerifyReport v = r.verify();
    if (!v.ok()) {
      m.open("div", "id", "verify-banner", "class", "banner bad", "role", "alert")
          .element("strong", "LEDGER VERIFICATION FAILED" + v.firstBadSeq().map(s -> " at event " + s).orElse("")
              + ".")
          .text(" " + v.problem().orElse("") + ". This report shows the ledger as it is now, but events from there on"
              + " cannot be trusted: keep this file, do not change the ledger, and compare it with a backup and a"
              + " head recorded elsewhere (see the custodian guide).")
          .close("div").nl();
    } else {
      m.element("div", "Ledger verified: intact (" + v.events() + " events, head "
          + r.head().map(Object::toString).orElse("-") + ").", "id", "verify-banner", "class", "banner ok").nl();
    }
    if (r.alarmCount() > 0) {
      m.element("div", r.alarmCount() + " alarm(s) in this report: see Alarms below.", "id", "alarm-banner",
          "class", "banner warn").nl();
    }
    Map<SignInVerdict, Long> verdicts = r.signInsByVerdict();
    m.open("dl", "class", "summary", "id", "summary").nl();
    summary(m, "Events in the period", r.eventCount() + "");
    summary(m, "Unlock sessions", r.sessions().size() + "");
    summary(m, "Check-outs", r.checkouts().size() + "");
    summary(m, "Sign-ins", r.signIns().size() + " (" + verdicts.get(SignInVerdict.EXPECTED) + " expected, "
        + verdicts.get(SignInVerdict.DRILL) + " drill, " + verdicts.get(SignInVerdict.UNEXPLAINED) + " unexplained)");
    summary(m, "Reviews", r.kitReviews().size() + " kit, " + r.itemReviews().size() + " item");
    summary(m, "Out of the safe now", r.openItems().size() + "");
    summary(m, "Alarms", r.alarmCount() + "");
    summary(m, "Ledger head", r.head().map(Object::toString).orElse("-"));
    m.close("dl").nl();
    m.close("header").nl();
  }

  private static void summary(Markup m, String term, String value) {
    m.element("dt", term).element("dd", value).nl();
  }

  private static void integrity(Markup m, AuditReport r) {
    VerifyReport v = r.verify();
    m.open("section", "id", "integrity").nl();
    m.element("h2", "Ledger integrity").nl();
    m.open("p").text("Head (newest event, SEQ:HASH): ")
        .element("code", r.head().map(Object::toString).orElse("-"), "id", "ledger-head").close("p").nl();
    m.open("p").text("bg ledger verify: ").element("span", verifyText(v), "id", "verify-result", "class",
        v.ok() ? "ok" : "bad").close("p").nl();
    m.element("p", "Verification recomputes every event's hash and link from event 1 and rebuilds the inventory"
        + " from the events. It proves the ledger was not edited in place; only a head recorded outside the"
        + " ledger proves it was not cut back or rewritten as a whole.", "class", "note").nl();
    m.close("section").nl();
  }

  /** What {@code bg ledger verify} would say, as one line. */
  static String verifyText(VerifyReport v) {
    if (v.ok()) {
      return "intact: " + v.events() + " events; the hash chain and the inventory match";
    }
    return "FAILED" + v.firstBadSeq().map(s -> " at event " + s).orElse("") + ": " + v.problem().orElse("");
  }

  private static void alarms(Markup m, AuditReport r) {
    m.open("section", "id", "alarms").nl();
    m.element("h2", "Alarms (" + r.alarmCount() + ")").nl();

    m.element("h3", "Key alarms (" + r.keyAlarms().size() + ")").nl();
    table(m, "key-alarms", List.of("Event", "Time", "Key owner", "Alarm", "Counter", "Meaning"),
        r.keyAlarms().stream().map(a -> new Row("alarm", List.of(a.event() + "", ts(a.at()), a.owner().toString(),
            a.verdict().wireName(), a.storedCount() + " → " + a.presentedCount(), meaning(a)))).toList(),
        "No key alarm in the period.");

    List<AuditReport.SignIn> unexplained = r.unexplained();
    m.element("h3", "UNEXPLAINED sign-ins (" + unexplained.size() + ")").nl();
    table(m, "unexplained-signins", List.of("Time", "Identity", "Result", "IP address", "Location", "App",
        "Ledger event", "Looked at in kit review"), unexplained.stream().map(s -> new Row("alarm", List.of(
            ts(s.recorded().createdAt()), s.recorded().identity(), result(s), s.detail("ipAddress").orElse(""),
            location(s), app(s), s.recorded().event() + "",
            r.kitReviewAfter(s).map(e -> "event " + e.seq() + " at " + ts(e.timestamp())).orElse("not yet")))).toList(),
        "No UNEXPLAINED sign-in in the period.");

    m.element("h3", "Sessions open past their expected end (" + r.overdueSessions().size() + ")").nl();
    table(m, "overdue-sessions", List.of("Session", "Identity", "Opened", "Expected end", "Overdue by", "By",
        "Witness", "Reason"), r.overdueSessions().stream().map(s -> new Row("alarm", List.of(s.id() + "",
            s.identity(), ts(s.openedAt()), ts(s.expectedEnd()), duration(Duration.between(s.expectedEnd(),
                r.asOf())), s.openedBy(), s.witness().orElse(""), s.reason()))).toList(),
        "No session is open past its expected end.");
    m.close("section").nl();
  }

  private static void timeline(Markup m, AuditReport r) {
    m.open("section", "id", "timeline-section").nl();
    m.element("h2", "Timeline").nl();
    m.open("p", "class", "legend").nl();
    legend(m, "session", "unlock session");
    legend(m, "session-drill", "drill session");
    legend(m, "session-overdue", "overdue session");
    legend(m, "checkout", "item out of its safe");
    legend(m, "expected", "sign-in EXPECTED");
    legend(m, "drill", "sign-in DRILL");
    legend(m, "unexplained", "sign-in UNEXPLAINED");
    legend(m, "review", "review");
    legend(m, "key-alarm", "key alarm");
    m.close("p").nl();
    Timeline.write(m, r);
    m.element("p", "Point at a mark for its details. Faded sign-in markers are failed sign-ins. Bars that started"
        + " before the period start at its left edge.", "class", "note").nl();
    m.close("section").nl();
  }

  private static void legend(Markup m, String swatch, String text) {
    m.open("span").element("span", "", "class", "swatch " + swatch).text(text).close("span").nl();
  }

  private static void openItems(Markup m, AuditReport r) {
    m.open("section", "id", "open-items").nl();
    m.element("h2", "Out of the safe now (" + r.openItems().size() + ")").nl();
    table(m, "open-items-table", List.of("Item", "Kind", "Safe", "Holder", "Witness", "Since", "Reason", "Ticket",
        "Event"), r.openItems().stream().map(o -> new Row("", List.of(o.item().label(), o.item().kind().wireName(),
            o.item().safe(), o.item().holder().orElse(""), o.checkout().witness().orElse(""),
            ts(o.checkout().timestamp()), o.checkout().reason().orElse(""), o.checkout().ticket().orElse(""),
            o.checkout().seq() + ""))).toList(),
        "Every item is in its safe.");
    m.close("section").nl();
  }

  private static void sessions(Markup m, AuditReport r) {
    m.open("section", "id", "sessions").nl();
    m.element("h2", "Unlock sessions (" + r.sessions().size() + ")").nl();
    table(m, "sessions-table", List.of("Session", "Identity", "Kind", "Opened", "Expected end", "Closed", "State",
        "By", "Witness", "Reason", "Ticket"), r.sessions().stream().map(s -> new Row(
            s.overdue(r.asOf()) ? "alarm" : AuditReport.closedLate(s) ? "warn" : "", List.of(s.id() + "",
            s.identity(), s.drill() ? "drill" : "incident", ts(s.openedAt()), ts(s.expectedEnd()),
            s.closedAt().map(HtmlReport::ts).orElse(""), state(s, r.asOf()), s.openedBy(), s.witness().orElse(""),
            s.reason(), s.ticket().orElse("")))).toList(),
        "No unlock session in the period.");
    m.close("section").nl();
  }

  private static void checkouts(Markup m, AuditReport r) {
    m.open("section", "id", "checkouts").nl();
    m.element("h2", "Check-outs (" + r.checkouts().size() + ")").nl();
    table(m, "checkouts-table", List.of("Item", "Out", "Back", "By", "Witness", "Reason", "Ticket", "Session",
        "Events"), r.checkouts().stream().map(c -> new Row(c.in().isEmpty() ? "warn" : "", List.of(c.item(),
            ts(c.out().timestamp()), c.in().map(e -> ts(e.timestamp())).orElse("still out"),
            c.out().actor().orElse(""), c.out().witness().orElse(""), c.out().reason().orElse(""),
            c.out().ticket().orElse(""), c.session().map(Object::toString).orElse(""),
            c.out().seq() + c.in().map(e -> ", " + e.seq()).orElse("")))).toList(),
        "No item was out of its safe in the period.");
    m.close("section").nl();
  }

  private static void signIns(Markup m, AuditReport r) {
    m.open("section", "id", "signins").nl();
    m.element("h2", "Observed sign-ins (" + r.signIns().size() + ")").nl();
    List<Row> rows = new ArrayList<>();
    for (AuditReport.SignIn s : r.signIns()) {
      if (rows.size() == MAX_SIGNIN_ROWS) {
        break;
      }
      SignInRecorded x = s.recorded();
      rows.add(new Row(x.verdict() == SignInVerdict.UNEXPLAINED ? "alarm" : "", List.of(ts(x.createdAt()),
          x.identity(), x.verdict().name(), result(s), s.detail("ipAddress").orElse(""), location(s), app(s),
          x.custodyEvent().map(Object::toString).orElse(""), x.event() + "", otherDetails(s))));
    }
    table(m, "signins-table", List.of("Time", "Identity", "Verdict", "Result", "IP address", "Location", "App",
        "Custody event", "Ledger event", "Other details"), rows, "No sign-in of a break-glass identity was recorded"
        + " in the period.");
    if (r.signIns().size() > rows.size()) {
      m.element("p", (r.signIns().size() - rows.size()) + " later sign-ins are not listed (at most " + MAX_SIGNIN_ROWS
          + "); bg log --since lists them all.", "class", "note", "id", "signins-omitted").nl();
    }
    m.close("section").nl();
  }

  private static void reviews(Markup m, AuditReport r) {
    m.open("section", "id", "reviews").nl();
    m.element("h2", "Reviews").nl();
    m.element("h3", "Kit reviews (" + r.kitReviews().size() + ")").nl();
    table(m, "kit-reviews", List.of("Event", "Time", "By", "Witness", "Note", "Results"), r.kitReviews().stream()
        .map(e -> new Row("", List.of(e.seq() + "", ts(e.timestamp()), e.actor().orElse(""), e.witness().orElse(""),
            e.reason().orElse(""), flat(AuditReport.detailsOf(e))))).toList(),
        "No kit review in the period.");
    m.element("h3", "Item reviews (" + r.itemReviews().size() + ")").nl();
    table(m, "item-reviews", List.of("Event", "Time", "Item", "By", "Witness", "Findings"), r.itemReviews().stream()
        .map(e -> new Row("", List.of(e.seq() + "", ts(e.timestamp()), e.item().orElse(""), e.actor().orElse(""),
            e.witness().orElse(""), flat(AuditReport.detailsOf(e))))).toList(),
        "No item was reviewed in the period.");
    m.close("section").nl();
  }

  private static void caInventory(Markup m, AuditReport r) {
    m.open("section", "id", "ca-inventory").nl();
    m.element("h2", "CA inventory").nl();
    m.element("h3", "CA roots (" + r.cas().size() + ")").nl();
    table(m, "cas", List.of("Serial", "Subject", "Key", "Not before", "Not after", "Days left", "Status",
        "Revoked", "SHA-256"), r.cas().stream().map(c -> new Row(c.statusAt(r.asOf()).equals("valid") ? "" : "warn",
            List.of(c.serial(), c.subject(), c.keyType(), ts(c.notBefore()), ts(c.notAfter()),
                daysLeft(c.notAfter(), r.asOf()), c.statusAt(r.asOf()), revoked(c.revokedAt(), c.revocationReason()),
                c.sha256()))).toList(),
        "No CA recorded.");
    m.element("h3", "Certificates (" + r.certificates().size() + ")").nl();
    table(m, "certificates", List.of("Serial", "Identity", "Subject", "CA", "Not after", "Days left", "Status",
        "Revoked", "SHA-1"), r.certificates().stream().map(c -> {
          String status = c.statusAt(r.asOf(), r.issuerOf(c));
          return new Row(status.equals("valid") ? "" : "warn", List.of(c.serial(), c.identity(), c.subject(),
              c.caSerial(), ts(c.notAfter()), daysLeft(c.notAfter(), r.asOf()), status,
              revoked(c.revokedAt(), c.revocationReason()), c.sha1()));
        }).toList(),
        "No certificate recorded.");
    m.close("section").nl();
  }

  private static void events(Markup m, AuditReport r) {
    m.open("section", "id", "events").nl();
    m.element("h2", "Custody events (" + (r.events().size() + r.eventsNotListed()) + ")").nl();
    m.element("p", "Every event of the period except sign-ins (listed above), oldest first.", "class", "note").nl();
    table(m, "events-table", List.of("Seq", "Time", "Type", "Actor", "Witness", "Item", "Reason", "Ticket",
        "Details"), r.events().stream().map(e -> new Row(e.type().wireName(), List.of(e.seq() + "",
            ts(e.timestamp()), e.type().wireName(), e.actor().orElse(""), e.witness().orElse(""),
            e.item().orElse(""), e.reason().orElse(""), e.ticket().orElse(""), flat(AuditReport.detailsOf(e)))))
        .toList(), "No event in the period.");
    if (r.eventsNotListed() > 0) {
      m.element("p", r.eventsNotListed() + " later events are not listed (at most " + AuditReport.MAX_LISTED_EVENTS
          + "); bg log --since lists them all.", "class", "note", "id", "events-omitted").nl();
    }
    m.close("section").nl();
  }

  // --- pieces ---------------------------------------------------------------------------------

  /** A table row: a CSS class (may be empty) and its cells as plain text. */
  private record Row(String cssClass, List<String> cells) {}

  /** A table, or one line saying there is nothing, so that an empty section reads as checked, not missing. */
  private static void table(Markup m, String id, List<String> headers, List<Row> rows, String none) {
    if (rows.isEmpty()) {
      m.element("p", none, "id", id, "class", "none").nl();
      return;
    }
    m.open("table", "id", id).nl().open("thead").open("tr");
    headers.forEach(h -> m.element("th", h, "scope", "col"));
    m.close("tr").close("thead").nl().open("tbody").nl();
    for (Row row : rows) {
      m.open("tr", "class", row.cssClass().isEmpty() ? null : row.cssClass());
      row.cells().forEach(c -> m.element("td", cut(c)));
      m.close("tr").nl();
    }
    m.close("tbody").close("table").nl();
  }

  private static String period(AuditReport r) {
    return r.since().map(s -> "from " + ts(s)).orElse("from the first event (" + ts(r.from()) + ")") + " to "
        + ts(r.asOf());
  }

  private static String state(Session s, Instant now) {
    if (s.overdue(now)) {
      return "OPEN, OVERDUE";
    }
    if (s.open()) {
      return "open";
    }
    return AuditReport.closedLate(s) ? "closed late" : "closed";
  }

  private static String meaning(KeyAlarm a) {
    return a.verdict() == CounterVerdict.COUNTER_REGRESSED ? "counter went backwards: possible clone; refused"
        : "used " + Math.max(0, a.presentedCount() - a.storedCount() - 1) + " time(s) while in its safe";
  }

  private static String result(AuditReport.SignIn s) {
    return s.recorded().succeeded() ? "success" : "failure" + s.detail("errorCode").map(c -> " " + c).orElse("");
  }

  private static String location(AuditReport.SignIn s) {
    return String.join(", ", java.util.stream.Stream.of(s.detail("city"), s.detail("countryOrRegion"))
        .flatMap(Optional::stream).toList());
  }

  private static String app(AuditReport.SignIn s) {
    return s.detail("appDisplayName").or(() -> s.detail("appId")).orElse("");
  }

  private static final java.util.Set<String> SHOWN = java.util.Set.of("ipAddress", "city", "countryOrRegion",
      "appDisplayName", "appId", "errorCode");

  private static String otherDetails(AuditReport.SignIn s) {
    StringBuilder b = new StringBuilder();
    s.details().forEach((k, v) -> {
      if (!SHOWN.contains(k)) {
        b.append(b.length() == 0 ? "" : "; ").append(k).append('=').append(v);
      }
    });
    return b.toString();
  }

  private static String flat(Map<String, Object> details) {
    StringBuilder b = new StringBuilder();
    details.forEach((k, v) -> {
      if (v != null) {
        b.append(b.length() == 0 ? "" : "; ").append(k).append('=').append(v);
      }
    });
    return b.toString();
  }

  private static String revoked(Optional<Instant> at, Optional<String> reason) {
    return at.map(t -> ts(t) + reason.map(x -> " (" + x + ")").orElse("")).orElse("");
  }

  private static String daysLeft(Instant notAfter, Instant now) {
    return Long.toString(Duration.between(now, notAfter).toDays());
  }

  static String duration(Duration d) {
    long minutes = d.toMinutes();
    if (minutes < 120) {
      return minutes + " min";
    }
    long hours = d.toHours();
    return hours < 48 ? hours + " h" : d.toDays() + " days";
  }

  private static String cut(String s) {
    return s.length() <= MAX_CELL ? s : s.substring(0, MAX_CELL - 1) + "…";
  }

  static String ts(Instant t) {
    return EventHash.formatTimestamp(t);
  }

  // --- tooltips, shared with the timeline -----------------------------------------------------

  static String describe(Session s, Instant now) {
    return (s.drill() ? "Drill session " : "Unlock session ") + s.id() + " for " + s.identity() + ": opened "
        + ts(s.openedAt()) + " by " + s.openedBy() + s.witness().map(w -> ", witness " + w).orElse("") + "; "
        + s.closedAt().map(c -> "closed " + ts(c)).orElse(s.overdue(now) ? "OPEN past its expected end "
            + ts(s.expectedEnd()) : "open, expected end " + ts(s.expectedEnd()))
        + ". Reason: " + s.reason() + s.ticket().map(t -> " (" + t + ")").orElse("");
  }

  static String describe(AuditReport.CheckoutSpan c) {
    Event out = c.out();
    return c.item() + " out " + ts(out.timestamp()) + " (event " + out.seq() + ") by " + out.actor().orElse("?")
        + out.witness().map(w -> ", witness " + w).orElse("") + c.session().map(s -> ", session " + s).orElse("")
        + "; " + c.in().map(e -> "back " + ts(e.timestamp()) + " (event " + e.seq() + ")").orElse("still out")
        + ". Reason: " + out.reason().orElse("-") + out.ticket().map(t -> " (" + t + ")").orElse("");
  }

  static String describe(AuditReport.SignIn s) {
    SignInRecorded x = s.recorded();
    List<String> parts = new ArrayList<>();
    parts.add(x.verdict() + " sign-in of " + x.identity() + " at " + ts(x.createdAt()) + ": " + result(s));
    s.detail("ipAddress").ifPresent(ip -> parts.add("IP " + ip));
    if (!location(s).isEmpty()) {
      parts.add(location(s));
    }
    if (!app(s).isEmpty()) {
      parts.add("app " + app(s));
    }
    x.custodyEvent().ifPresent(e -> parts.add("explained by custody event " + e));
    parts.add("ledger event " + x.event());
    return String.join("; ", parts);
  }

  static String describeReview(Event e) {
    String d = flat(AuditReport.detailsOf(e));
    return "by " + e.actor().orElse("?") + e.witness().map(w -> ", witness " + w).orElse("") + " at "
        + ts(e.timestamp()) + " (event " + e.seq() + ")" + (d.isEmpty() ? "" : ": " + d)
        + e.reason().map(n -> ". Note: " + n).orElse("");
  }

  static String describe(KeyAlarm a) {
    return "Key alarm " + a.verdict().wireName() + " for " + a.owner() + " at " + ts(a.at()) + " (event " + a.event()
        + "): counter " + a.storedCount() + " → " + a.presentedCount();
  }
}
