package dev.breakglass.daemon;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The daemon's counters and gauges, rendered in the Prometheus text exposition format 0.0.4 for
 * {@code GET /metrics}.
 *
 * <p>A registry of our own rather than a client library: the daemon exposes a dozen series, and
 * the format is a few lines of text. Every method holds one lock, so {@link #render()} sees each
 * series at one moment even while the poll loop updates them from its thread; a scrape every few
 * seconds makes contention irrelevant.
 *
 * <p>A family is {@link #describe described} once (its type and help) before {@link #inc} or
 * {@link #set} write to it; writing to an undescribed family, or with the wrong type, is a bug in
 * the caller and throws {@link IllegalArgumentException}. Output is deterministic: families sorted
 * by name, series by their labels (names sorted, then compared name by name and value by value), no
 * timestamps.
 *
 * @see <a href="https://prometheus.io/docs/instrumenting/exposition_formats/">Exposition formats</a>
 */
public final class Metrics {
  /** The content type of {@link #render()}'s text. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  /** Series ordered by label names and values, pair by pair; a series with fewer labels first on a tie. */
  private static final Comparator<Map<String, String>> BY_LABELS = (a, b) -> {
    Iterator<Map.Entry<String, String>> x = a.entrySet().iterator();
    Iterator<Map.Entry<String, String>> y = b.entrySet().iterator();
    while (x.hasNext() && y.hasNext()) {
      Map.Entry<String, String> p = x.next();
      Map.Entry<String, String> q = y.next();
      int c = p.getKey().compareTo(q.getKey());
      if (c == 0) {
        c = p.getValue().compareTo(q.getValue());
      }
      if (c != 0) {
        return c;
      }
    }
    return Boolean.compare(x.hasNext(), y.hasNext());
  };

  private enum Type {
    COUNTER, GAUGE
  }

  private static final class Family {
    final Type type;
    String help;
    /** Keys are TreeMaps (label names sorted); counters hold Long, gauges Double. */
    final TreeMap<Map<String, String>, Number> series = new TreeMap<>(BY_LABELS);

    Family(Type type, String help) {
      this.type = type;
      this.help = help;
    }
  }

  private final Object lock = new Object();
  private final TreeMap<String, Family> families = new TreeMap<>();

  /**
   * Declares a family. Describing it again with the same type replaces the help text; with another
   * type it is refused.
   *
   * @param type {@code counter} (whose name must end in {@code _total}) or {@code gauge}
   */
  public void describe(String name, String type, String help) {
    checkName(name);
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(help, "help");
    Type t = switch (type) {
      case "counter" -> Type.COUNTER;
      case "gauge" -> Type.GAUGE;
      default -> throw new IllegalArgumentException("metric type '" + type + "' is neither counter nor gauge");
    };
    if (t == Type.COUNTER && !name.endsWith("_total")) {
      throw new IllegalArgumentException("counter '" + name + "' must be named ..._total");
    }
    synchronized (lock) {
      Family f = families.get(name);
      if (f == null) {
        families.put(name, new Family(t, help));
      } else if (f.type != t) {
        throw new IllegalArgumentException("metric '" + name + "' is already a " + f.type.name().toLowerCase(
            java.util.Locale.ROOT) + ", not a " + type);
      } else {
        f.help = help;
      }
    }
  }

  /** Adds {@code by} (at least 0: counters never go down) to a counter series, creating it at 0. */
  public void inc(String name, Map<String, String> labels, long by) {
    if (by < 0) {
      throw new IllegalArgumentException("counter '" + name + "' cannot go down (by " + by + ")");
    }
    TreeMap<String, String> key = labels(labels);
    synchronized (lock) {
      Family f = family(name, Type.COUNTER);
      // addExact: a counter that wrapped to negative would read as a reset to Prometheus.
      f.series.merge(key, by, (old, add) -> Math.addExact(old.longValue(), add.longValue()));
    }
  }

  /** Sets a gauge series. */
  public void set(String name, Map<String, String> labels, double value) {
    TreeMap<String, String> key = labels(labels);
    synchronized (lock) {
      family(name, Type.GAUGE).series.put(key, value);
    }
  }

  /** A series' current value; 0 for a series (or family) never written. For tests. */
  public double value(String name, Map<String, String> labels) {
    TreeMap<String, String> key = labels(labels);
    synchronized (lock) {
      Family f = families.get(name);
      Number v = f == null ? null : f.series.get(key);
      return v == null ? 0 : v.doubleValue();
    }
  }

  /**
   * Every family in the text format 0.0.4: {@code # HELP} and {@code # TYPE} once per family, then
   * its series, each line ending in {@code \n}; the empty string for an empty registry.
   */
  public String render() {
    StringBuilder out = new StringBuilder();
    synchronized (lock) {
      for (Map.Entry<String, Family> e : families.entrySet()) {
        String name = e.getKey();
        Family f = e.getValue();
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(f.help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(f.type.name().toLowerCase(java.util.Locale.ROOT))
            .append('\n');
        for (Map.Entry<Map<String, String>, Number> s : f.series.entrySet()) {
          out.append(name);
          if (!s.getKey().isEmpty()) {
            List<String> pairs = new ArrayList<>();
            for (Map.Entry<String, String> l : s.getKey().entrySet()) {
              pairs.add(l.getKey() + "=\"" + escapeLabelValue(l.getValue()) + "\"");
            }
            out.append('{').append(String.join(",", pairs)).append('}');
          }
          out.append(' ').append(number(s.getValue())).append('\n');
        }
      }
    }
    return out.toString();
  }

  private Family family(String name, Type type) {
    Family f = families.get(name);
    if (f == null) {
      checkName(name);
      throw new IllegalArgumentException("metric '" + name + "' is not described: call describe() first");
    }
    if (f.type != type) {
      throw new IllegalArgumentException("metric '" + name + "' is a " + f.type.name().toLowerCase(
          java.util.Locale.ROOT) + ": use " + (f.type == Type.COUNTER ? "inc()" : "set()"));
    }
    return f;
  }

  private static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!METRIC_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("metric name '" + name + "' does not match [a-zA-Z_:][a-zA-Z0-9_:]*");
    }
  }

  private static TreeMap<String, String> labels(Map<String, String> labels) {
    Objects.requireNonNull(labels, "labels");
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> l : labels.entrySet()) {
      String n = Objects.requireNonNull(l.getKey(), "label name");
      if (!LABEL_NAME.matcher(n).matches()) {
        throw new IllegalArgumentException("label name '" + n + "' does not match [a-zA-Z_][a-zA-Z0-9_]*");
      }
      if (n.startsWith("__")) {
        throw new IllegalArgumentException("label name '" + n + "' starts with __, which Prometheus reserves");
      }
      sorted.put(n, Objects.requireNonNull(l.getValue(), "value of label " + n));
    }
    return sorted;
  }

  /** HELP text escapes backslash and line feed only (the format says so; quotes stay). */
  private static String escapeHelp(String help) {
    return help.replace("\\", "\\\\").replace("\n", "\\n");
  }

  static String escapeLabelValue(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  /**
   * Integers without a decimal point, other values as Java prints a double (Go's ParseFloat, which
   * Prometheus uses, reads both), and the three special values as the format spells them.
   */
  static String number(Number n) {
    if (n instanceof Long l) {
      return Long.toString(l);
    }
    double d = n.doubleValue();
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "+Inf" : "-Inf";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return Double.toString(d);
  }
}
