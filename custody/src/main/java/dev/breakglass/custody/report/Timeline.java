package dev.breakglass.custody.report;

import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventHash;
import dev.breakglass.custody.ledger.KeyAlarm;
import dev.breakglass.custody.ledger.Session;
import dev.breakglass.custody.ledger.SignInRecorded;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The report's timeline: one inline SVG over the period, a lane per kind of mark. Sessions and
 * check-outs are bars, stacked in rows where they overlap; sign-ins, reviews and key alarms are
 * markers. Every mark carries a {@code <title>} (the browser's tooltip and a screen reader's text)
 * and stable classes that tests and print styles select on.
 */
final class Timeline {
  /**
   * More marks than this make a page a browser renders slowly and nobody can read; the ones left out
   * are the least alarming (explained sign-ins first) and the page says how many.
   */
  static final int MAX_MARKS = 4_000;

  private static final double WIDTH = 1000;
  private static final double LEFT = 150;
  private static final double RIGHT = 16;
  private static final double TOP = 6;
  private static final double ROW = 16;
  private static final double LANE_GAP = 6;
  private static final double AXIS = 30;
  /** Rows a lane of bars may stack; beyond that bars share the row that frees up first. */
  private static final int MAX_ROWS = 8;

  private static final long[] TICK_STEPS = {60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400,
      7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400, 182 * 86400, 365 * 86400, 5 * 365 * 86400L};

  enum Lane {
    SESSIONS("Unlock sessions"),
    CHECKOUTS("Check-outs"),
    EXPECTED("Sign-ins: expected"),
    DRILL("Sign-ins: drill"),
    UNEXPLAINED("Sign-ins: unexplained"),
    KIT_REVIEWS("Kit reviews"),
    ITEM_REVIEWS("Item reviews"),
    KEY_ALARMS("Key alarms");

    final String label;

    Lane(String label) {
      this.label = label;
    }

    boolean bars() {
      return this == SESSIONS || this == CHECKOUTS;
    }
  }

  /**
   * One mark: a bar when {@code until} is present, else a marker at {@code at}.
   *
   * @param priority 0 for what an auditor must see, 1 for what may be left out under the cap
   */
  private record Mark(Lane lane, int priority, Instant at, Optional<Instant> until, String cssClass, String title) {}

  /** A mark where it is drawn: from x1 to x2 (equal for a marker), in a row of its lane. */
  private record Placed(Mark mark, double x1, double x2, int row) {}

  private final AuditReport r;
  private final Instant from;
  private final Instant to;
  private final List<Mark> marks = new ArrayList<>();

  private Timeline(AuditReport r) {
    this.r = r;
    this.to = r.asOf();
    // A period of no length (a report made at its own start) still needs an axis to draw on.
    this.from = r.from().isBefore(to.minusSeconds(60)) ? r.from() : to.minusSeconds(60);
  }

  /** Writes the figure: the SVG, and below it a line saying how many marks were left out, if any. */
  static void write(Markup m, AuditReport r) {
    new Timeline(r).write(m);
  }

  private void write(Markup m) {
    collect();
    int total = marks.size();
    List<Mark> shown = marks;
    if (total > MAX_MARKS) {
      shown = marks.stream().sorted(Comparator.comparingInt(Mark::priority).thenComparing(Mark::at))
          .limit(MAX_MARKS).toList();
    }
    shown = shown.stream().sorted(Comparator.comparing(Mark::at)).toList();

    Map<Lane, Integer> rows = new EnumMap<>(Lane.class);
    Map<Lane, double[]> ends = new EnumMap<>(Lane.class);
    for (Lane lane : Lane.values()) {
      rows.put(lane, 1);
      ends.put(lane, new double[MAX_ROWS]);
      java.util.Arrays.fill(ends.get(lane), Double.NEGATIVE_INFINITY);
    }
    List<Placed> layout = new ArrayList<>();
    for (Mark k : shown) {
      double x1 = x(k.at());
      double x2 = k.until().map(this::x).orElse(x1);
      int row = 0;
      if (k.lane().bars()) {
        row = row(ends.get(k.lane()), rows.get(k.lane()), x1);
        ends.get(k.lane())[row] = Math.max(x2, x1 + 2);
        rows.put(k.lane(), Math.max(rows.get(k.lane()), row + 1));
      }
      layout.add(new Placed(k, x1, x2, row));
    }

    Map<Lane, Double> laneTop = new EnumMap<>(Lane.class);
    double y = TOP;
    for (Lane lane : Lane.values()) {
      laneTop.put(lane, y);
      y += rows.get(lane) * ROW + LANE_GAP;
    }
    double plotBottom = y - LANE_GAP;
    double height = plotBottom + AXIS;

    m.open("svg", "xmlns", "http://www.w3.org/2000/svg", "id", "timeline", "class", "timeline",
        "viewBox", "0 0 " + num(WIDTH) + " " + num(height), "width", num(WIDTH), "height", num(height),
        "role", "img", "aria-labelledby", "timeline-title").nl();
    m.element("title", "Timeline from " + ts(from) + " to " + ts(to) + " (UTC)", "id", "timeline-title").nl();

    for (Lane lane : Lane.values()) {
      double top = laneTop.get(lane);
      double h = rows.get(lane) * ROW;
      m.empty("rect", "class", "lane-bg lane-" + lane.name().toLowerCase(Locale.ROOT), "x", num(LEFT), "y",
          num(top), "width", num(WIDTH - LEFT - RIGHT), "height", num(h)).nl();
      m.element("text", lane.label, "class", "lane-label", "x", num(LEFT - 6), "y", num(top + h / 2 + 4)).nl();
    }
    axis(m, plotBottom);

    for (Placed p : layout) {
      Mark k = p.mark();
      double top = laneTop.get(k.lane()) + p.row() * ROW;
      double cy = top + ROW / 2;
      String shape;
      if (k.until().isPresent()) {
        shape = "rect";
        m.open(shape, "class", k.cssClass(), "x", num(p.x1()), "y", num(top + 3),
            "width", num(Math.max(2, p.x2() - p.x1())), "height", num(ROW - 6));
      } else if (k.lane() == Lane.KIT_REVIEWS || k.lane() == Lane.ITEM_REVIEWS) {
        shape = "path";
        m.open(shape, "class", k.cssClass(), "d", "M" + num(p.x1()) + " " + num(cy - 6) + " l6 6 l-6 6 l-6 -6 z");
      } else if (k.lane() == Lane.KEY_ALARMS) {
        shape = "path";
        m.open(shape, "class", k.cssClass(), "d", "M" + num(p.x1()) + " " + num(cy - 6) + " l6 11 h-12 z");
      } else {
        shape = "circle";
        m.open(shape, "class", k.cssClass(), "cx", num(p.x1()), "cy", num(cy),
            "r", k.lane() == Lane.UNEXPLAINED ? "5.5" : "4.5");
      }
      m.element("title", k.title()).close(shape).nl();
    }
    m.close("svg").nl();
    if (total > shown.size()) {
      m.element("p", (total - shown.size()) + " of " + total + " marks are left out of the timeline (at most "
          + MAX_MARKS + " are drawn; explained sign-ins go first); the tables below list them.",
          "id", "timeline-omitted", "class", "note").nl();
    }
  }

  /** The first row free at {@code x}; when all are taken, the one that frees up first. */
  private static int row(double[] ends, int used, double x) {
    for (int i = 0; i < used; i++) {
      if (ends[i] + 1 <= x) {
        return i;
      }
    }
    if (used < MAX_ROWS) {
      return used;
    }
    int best = 0;
    for (int i = 1; i < MAX_ROWS; i++) {
      if (ends[i] < ends[best]) {
        best = i;
      }
    }
    return best;
  }

  private void axis(Markup m, double bottom) {
    m.empty("line", "class", "axis", "x1", num(LEFT), "y1", num(bottom), "x2", num(WIDTH - RIGHT), "y2", num(bottom))
        .nl();
    long span = Math.max(1, Duration.between(from, to).getSeconds());
    long step = TICK_STEPS[TICK_STEPS.length - 1];
    for (long s : TICK_STEPS) {
      if (span / s <= 7) {
        step = s;
        break;
      }
    }
    long first = Math.floorDiv(from.getEpochSecond() + step - 1, step) * step;
    for (long t = first; t <= to.getEpochSecond(); t += step) {
      Instant at = Instant.ofEpochSecond(t);
      double x = x(at);
      m.empty("line", "class", "grid", "x1", num(x), "y1", num(TOP), "x2", num(x), "y2", num(bottom + 4)).nl();
      String label = ts(at);
      label = step >= 86400 ? label.substring(0, 10) : label.substring(0, 10) + " " + label.substring(11, 16);
      m.element("text", label, "class", "tick", "x", num(x), "y", num(bottom + 16)).nl();
    }
    m.empty("line", "class", "now", "x1", num(WIDTH - RIGHT), "y1", num(TOP), "x2", num(WIDTH - RIGHT), "y2",
        num(bottom + 4)).nl();
    m.element("text", "now", "class", "tick now-label", "x", num(WIDTH - RIGHT), "y", num(bottom + 27)).nl();
  }

  private void collect() {
    for (Session s : r.sessions()) {
      boolean overdue = s.overdue(r.asOf());
      Instant end = s.closedAt().orElse(overdue ? r.asOf() : s.expectedEnd());
      String cls = "session" + (s.drill() ? " drill" : "") + (overdue ? " overdue" : "")
          + (s.open() ? " open" : "");
      marks.add(new Mark(Lane.SESSIONS, 0, s.openedAt(), Optional.of(end), cls, HtmlReport.describe(s, r.asOf())));
    }
    for (AuditReport.CheckoutSpan c : r.checkouts()) {
      marks.add(new Mark(Lane.CHECKOUTS, 0, c.out().timestamp(),
          Optional.of(c.in().map(Event::timestamp).orElse(r.asOf())),
          "checkout" + (c.in().isEmpty() ? " out" : ""), HtmlReport.describe(c)));
    }
    for (AuditReport.SignIn s : r.signIns()) {
      SignInRecorded x = s.recorded();
      Lane lane = switch (x.verdict()) {
        case EXPECTED -> Lane.EXPECTED;
        case DRILL -> Lane.DRILL;
        case UNEXPLAINED -> Lane.UNEXPLAINED;
      };
      marks.add(new Mark(lane, lane == Lane.UNEXPLAINED ? 0 : 1, x.createdAt(), Optional.empty(),
          "signin " + x.verdict().name().toLowerCase(Locale.ROOT) + (x.succeeded() ? " succeeded" : " failed"),
          HtmlReport.describe(s)));
    }
    for (Event e : r.kitReviews()) {
      marks.add(new Mark(Lane.KIT_REVIEWS, 0, e.timestamp(), Optional.empty(), "review kit",
          "Kit review " + HtmlReport.describeReview(e)));
    }
    for (Event e : r.itemReviews()) {
      marks.add(new Mark(Lane.ITEM_REVIEWS, 0, e.timestamp(), Optional.empty(), "review item",
          "Review of item " + e.item().orElse("?") + " " + HtmlReport.describeReview(e)));
    }
    for (KeyAlarm a : r.keyAlarms()) {
      marks.add(new Mark(Lane.KEY_ALARMS, 0, a.at(), Optional.empty(), "key-alarm", HtmlReport.describe(a)));
    }
  }

  /** The x of a time; anything before the period (an item out since before it) starts at the left edge. */
  private double x(Instant t) {
    double span = Duration.between(from, to).toMillis();
    double off = Duration.between(from, t).toMillis();
    double f = Math.max(0, Math.min(1, off / span));
    return LEFT + f * (WIDTH - LEFT - RIGHT);
  }

  /** Coordinates with a point, whatever the default locale (a comma would break the SVG). */
  private static String num(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String ts(Instant t) {
    return EventHash.formatTimestamp(t);
  }
}
