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
import java.util.Map;

/**
 * A Microsoft Teams channel through a Workflows webhook ("When a Teams webhook request is
 * received", the replacement for the retired Office 365 connectors). Workflows accept Adaptive
 * Cards only, not the connectors' MessageCard, wrapped in a message with one attachment of content
 * type {@code application/vnd.microsoft.card.adaptive}; see "Create and send messages", Known
 * issues (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using)
 * and the Microsoft Teams connector's webhook trigger
 * (https://learn.microsoft.com/en-us/connectors/teams/#microsoft-teams-webhook). The same envelope
 * is what the legacy incoming webhook documented for Adaptive Cards, so either kind of URL works.
 * Card version 1.4: what the Workflows "post card" action renders.
 *
 * <p>A Teams channel inside the monitored tenant is not out of band: whoever has taken over the
 * tenant can read and delete the alert. Pair it with a sink outside the tenant.
 */
final class TeamsSink implements AlertSink {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int MAX_DETAIL_LINES = 20;

  private final String name;
  private final HttpPoster http;

  TeamsSink(String name, URI url, Duration timeout) {
    this.name = name;
    this.http = new HttpPoster(name, "teams", url, timeout);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return "teams";
  }

  @Override
  public String describe() {
    return http.describe();
  }

  @Override
  public void deliver(Alert alert) throws DaemonException {
    HttpPoster.Response r = http.post(payload(alert).toString(), Map.of());
    // Workflows answer 202 Accepted; the old incoming webhook 200 with "1".
    if (!r.ok()) {
      throw http.failure(http.unexpected(r));
    }
  }

  static ObjectNode payload(Alert alert) {
    ObjectNode card = NODES.objectNode();
    card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
    card.put("type", "AdaptiveCard");
    card.put("version", "1.4");
    card.put("fallbackText", AlertJson.oneLine(alert));
    card.putObject("msteams").put("width", "Full");
    ArrayNode body = card.putArray("body");

    ObjectNode head = body.addObject();
    head.put("type", "Container");
    head.put("style", containerStyle(alert.severity()));
    head.put("bleed", true);
    ArrayNode headItems = head.putArray("items");
    ObjectNode severity = headItems.addObject();
    severity.put("type", "TextBlock");
    severity.put("text", alert.severity().name() + " · " + alert.kind().name());
    severity.put("weight", "Bolder");
    severity.put("color", textColor(alert.severity()));
    severity.put("size", "Small");
    ObjectNode title = headItems.addObject();
    title.put("type", "TextBlock");
    title.put("text", markdownEscape(PrintableText.replaceUnprintable(alert.title())));
    title.put("weight", "Bolder");
    title.put("size", "Large");
    title.put("wrap", true);
    title.put("color", textColor(alert.severity()));

    ObjectNode factSet = body.addObject();
    factSet.put("type", "FactSet");
    ArrayNode facts = factSet.putArray("facts");
    for (AlertText.Fact f : AlertText.facts(alert)) {
      ObjectNode fact = facts.addObject();
      fact.put("title", f.label());
      fact.put("value", markdownEscape(f.value()));
    }

    alert.details().stream().limit(MAX_DETAIL_LINES).forEach(d -> {
      ObjectNode t = body.addObject();
      t.put("type", "TextBlock");
      t.put("text", markdownEscape(PrintableText.replaceUnprintable(d)));
      t.put("wrap", true);
    });

    ObjectNode footer = body.addObject();
    footer.put("type", "TextBlock");
    footer.put("text", markdownEscape("Alert " + PrintableText.replaceUnprintable(alert.id()) + " raised " + alert.raisedAt()));
    footer.put("isSubtle", true);
    footer.put("size", "Small");
    footer.put("wrap", true);

    ObjectNode message = NODES.objectNode();
    message.put("type", "message");
    ObjectNode attachment = message.putArray("attachments").addObject();
    attachment.put("contentType", "application/vnd.microsoft.card.adaptive");
    attachment.putNull("contentUrl");
    attachment.set("content", card);
    return message;
  }

  private static String containerStyle(Alert.Severity s) {
    return switch (s) {
      case CRITICAL, HIGH -> "attention";
      case WARNING -> "warning";
      case INFO -> "emphasis";
    };
  }

  private static String textColor(Alert.Severity s) {
    return switch (s) {
      case CRITICAL, HIGH -> "Attention";
      case WARNING -> "Warning";
      case INFO -> "Default";
    };
  }

  /**
   * TextBlock and FactSet values are rendered as Markdown, so a display name or city like
   * {@code [Reset your key](https://evil.example)} would become a link whose label lies. The
   * characters that open Markdown links, emphasis and code are backslash-escaped; some Teams
   * clients have shown such escapes literally (AdaptiveCards issue 5590), and a stray backslash is
   * a better failure than a disguised link.
   */
  static String markdownEscape(String text) {
    StringBuilder b = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ("\\*_[]`~".indexOf(c) >= 0) {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }
}
