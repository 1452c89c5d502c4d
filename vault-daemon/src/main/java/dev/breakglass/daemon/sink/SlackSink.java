package dev.breakglass.daemon.sink;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakglass.custody.PrintableText;
import dev.breakglass.daemon.Alert;
import dev.breakglass.daemon.AlertJson;
import dev.breakglass.daemon.DaemonException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A Slack channel through an incoming webhook: {@code text} (the notification and fallback) plus
 * Block Kit {@code blocks}. All text is mrkdwn with Slack's three control characters escaped
 * ({@code &}, {@code <}, {@code >}), so nothing a signer puts in a display name can become a link,
 * a {@code <!channel>} mention or a user reference. Slack answers 200 with the body {@code ok};
 * anything else is a delivery error.
 */
final class SlackSink implements AlertSink {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** Block Kit limits: a section's fields, a field's text, a section's text. */
  private static final int MAX_FIELDS = 10;
  private static final int MAX_FIELD_TEXT = 2000;
  private static final int MAX_SECTION_TEXT = 3000;

  private final String name;
  private final HttpPoster http;

  SlackSink(String name, URI url, Duration timeout) {
    this.name = name;
    this.http = new HttpPoster(name, "slack", url, timeout);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return "slack";
  }

  @Override
  public String describe() {
    return http.describe();
  }

  @Override
  public void deliver(Alert alert) throws DaemonException {
    HttpPoster.Response r = http.post(payload(alert).toString(), Map.of());
    if (!r.ok() || !r.body().strip().equals("ok")) {
      throw http.failure(http.unexpected(r));
    }
  }

  static ObjectNode payload(Alert alert) {
    ObjectNode message = NODES.objectNode();
    message.put("text", escape(AlertJson.oneLine(alert)));
    ArrayNode blocks = message.putArray("blocks");

    section(blocks).set("text", mrkdwn(cap(icon(alert.severity()) + " *" + alert.severity().name() + "* "
        + escape(PrintableText.replaceUnprintable(alert.title())), MAX_SECTION_TEXT)));

    List<AlertText.Fact> facts = AlertText.facts(alert);
    ArrayNode fields = section(blocks).putArray("fields");
    facts.stream().limit(MAX_FIELDS).forEach(f ->
        fields.add(mrkdwn(cap("*" + f.label() + "*\n" + escape(f.value()), MAX_FIELD_TEXT))));

    if (!alert.details().isEmpty()) {
      String details = alert.details().stream().map(d -> escape(PrintableText.replaceUnprintable(d)))
          .collect(Collectors.joining("\n"));
      section(blocks).set("text", mrkdwn(cap(details, MAX_SECTION_TEXT)));
    }

    ObjectNode context = blocks.addObject();
    context.put("type", "context");
    context.putArray("elements").add(mrkdwn(cap(escape("Alert " + PrintableText.replaceUnprintable(alert.id()) + " · "
        + alert.kind().name() + " · raised " + alert.raisedAt()), MAX_FIELD_TEXT)));
    return message;
  }

  private static ObjectNode section(ArrayNode blocks) {
    ObjectNode s = blocks.addObject();
    s.put("type", "section");
    return s;
  }

  private static ObjectNode mrkdwn(String text) {
    ObjectNode t = NODES.objectNode();
    t.put("type", "mrkdwn");
    t.put("text", text);
    return t;
  }

  private static String icon(Alert.Severity s) {
    return switch (s) {
      case CRITICAL -> ":rotating_light:";
      case HIGH -> ":red_circle:";
      case WARNING -> ":warning:";
      case INFO -> ":information_source:";
    };
  }

  /** Slack's escaping for message text: {@code &}, {@code <} and {@code >} as HTML entities. */
  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** Cut to Slack's limit (counted in chars) without splitting a surrogate pair or an entity. */
  private static String cap(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int end = max - 1;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    int amp = text.lastIndexOf('&', end - 1);
    if (amp >= 0 && text.indexOf(';', amp) >= end) {
      end = amp;
    }
    return text.substring(0, end) + "…";
  }
}
