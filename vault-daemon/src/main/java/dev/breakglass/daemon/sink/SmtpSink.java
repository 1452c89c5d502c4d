package dev.breakglass.daemon.sink;

import dev.breakglass.custody.PrintableText;
import dev.breakglass.daemon.Alert;
import dev.breakglass.daemon.AlertJson;
import dev.breakglass.daemon.DaemonException;
import jakarta.activation.DataHandler;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Mail through a relay outside the monitored tenant (Eclipse Angus Mail). TLS is required by
 * default: {@code starttls} insists on STARTTLS (no silent fallback to plain text) and
 * {@code implicit} speaks TLS from the first byte; both check the relay's certificate against the
 * JDK's trust store and its name against the host. {@code none} is allowed only for a relay on this
 * machine. The message has the plain-text rendering of every field and the alert JSON as an
 * attachment ({@code alert.json}), so a script on the receiving side can read it exactly.
 */
final class SmtpSink implements AlertSink {
  enum Tls { STARTTLS, IMPLICIT, NONE }

  private final String name;
  private final String host;
  private final int port;
  private final Tls tls;
  private final InternetAddress from;
  private final List<InternetAddress> to;
  private final Optional<String> username;
  private final Optional<String> password;
  private final Duration timeout;
  private final Clock clock;

  SmtpSink(String name, String host, int port, Tls tls, InternetAddress from, List<InternetAddress> to,
      Optional<String> username, Optional<String> password, Duration timeout, Clock clock) {
    this.name = name;
    this.host = host;
    this.port = port;
    this.tls = tls;
    this.from = from;
    this.to = List.copyOf(to);
    this.username = username;
    this.password = password;
    this.timeout = timeout;
    this.clock = clock;
  }

  /** Reads and checks the smtp settings; the guard rail on domains is the daemon's, via {@link #mailDomains()}. */
  static SmtpSink fromSettings(SinkSettings s, Clock clock) throws DaemonException {
    String host = s.required("host", "smtp.example.net");
    String tlsWord = s.choice("tls", "starttls", Set.of("starttls", "implicit", "none"),
        "starttls, implicit or none");
    Tls tls = Tls.valueOf(tlsWord.toUpperCase(Locale.ROOT));
    if (tls == Tls.NONE && !SinkSettings.isLoopback(host)) {
      throw s.config(s.key("tls") + " = none is allowed only for a relay on this machine"
          + " (127.0.0.1, ::1 or localhost), not " + SinkSettings.shown(host) + ": use starttls or implicit");
    }
    int port = s.integer("port", tls == Tls.IMPLICIT ? 465 : 587, 1, 65535);
    InternetAddress from = address(s, "from", s.required("from", "breakglass-alerts@example.net"));
    List<InternetAddress> to = new ArrayList<>();
    for (String part : s.required("to", "soc@example.net, oncall@example.org").split(",")) {
      if (!part.isBlank()) {
        to.add(address(s, "to", part.strip()));
      }
    }
    if (to.isEmpty()) {
      throw s.config(s.key("to") + " names no address");
    }
    Optional<String> username = s.optional("username");
    Optional<String> password = Optional.empty();
    if (s.optional("password-file").isPresent()) {
      if (username.isEmpty()) {
        throw s.config(s.key("password-file") + " is set but " + s.key("username") + " is not");
      }
      password = Optional.of(s.secretText("password-file"));
    } else if (username.isPresent()) {
      throw s.config(s.key("username") + " is set but " + s.key("password-file") + " is not");
    }
    return new SmtpSink(s.name(), host, port, tls, from, to, username, password, s.timeout(10), clock);
  }

  private static InternetAddress address(SinkSettings s, String key, String value) throws DaemonException {
    try {
      InternetAddress a = new InternetAddress(value, true);
      a.validate();
      if (a.isGroup() || a.getAddress().indexOf('@') < 1) {
        throw new AddressException("not a single mailbox");
      }
      return a;
    } catch (AddressException e) {
      throw s.config(s.key(key) + ": '" + SinkSettings.shown(value) + "' is not an e-mail address");
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return "smtp";
  }

  @Override
  public String describe() {
    return "smtp " + host + ":" + port + " (" + tls.name().toLowerCase(Locale.ROOT) + ") to "
        + String.join(", ", to.stream().map(InternetAddress::getAddress).toList());
  }

  @Override
  public List<String> mailDomains() {
    return to.stream()
        .map(a -> a.getAddress().substring(a.getAddress().lastIndexOf('@') + 1).toLowerCase(Locale.ROOT))
        .distinct()
        .toList();
  }

  @Override
  public void deliver(Alert alert) throws DaemonException {
    Session session = Session.getInstance(properties());
    try {
      MimeMessage m = message(session, alert);
      try (Transport t = session.getTransport(tls == Tls.IMPLICIT ? "smtps" : "smtp")) {
        t.connect(host, port, username.orElse(null), password.orElse(null));
        t.sendMessage(m, to.toArray(new Address[0]));
      }
    } catch (MessagingException e) {
      throw new DaemonException(DaemonException.Reason.DELIVERY,
          "sink '" + name + "' (smtp " + host + ":" + port + "): " + reason(e));
    }
  }

  MimeMessage message(Session session, Alert alert) throws MessagingException {
    MimeMessage m = new MimeMessage(session);
    m.setFrom(from);
    m.setRecipients(MimeMessage.RecipientType.TO, to.toArray(new Address[0]));
    m.setSubject(PrintableText.replaceUnprintable(alert.severity().name() + " " + alert.title()), "UTF-8");
    m.setSentDate(Date.from(clock.instant()));
    m.setHeader("X-BreakGlass-Alert-Id", PrintableText.replaceUnprintable(alert.id()));

    MimeBodyPart text = new MimeBodyPart();
    text.setText(AlertText.plain(alert), "UTF-8");
    MimeBodyPart json = new MimeBodyPart();
    json.setDataHandler(new DataHandler(new ByteArrayDataSource(
        AlertJson.toJson(alert).getBytes(StandardCharsets.UTF_8), "application/json; charset=utf-8")));
    json.setFileName("alert.json");
    json.setDisposition(MimeBodyPart.ATTACHMENT);
    // base64 keeps the JSON byte-exact through relays that rewrap or re-encode text.
    json.setHeader("Content-Transfer-Encoding", "base64");
    MimeMultipart mixed = new MimeMultipart("mixed");
    mixed.addBodyPart(text);
    mixed.addBodyPart(json);
    m.setContent(mixed);
    m.saveChanges();
    return m;
  }

  private Properties properties() {
    String ms = Long.toString(timeout.toMillis());
    String p = tls == Tls.IMPLICIT ? "mail.smtps." : "mail.smtp.";
    Properties props = new Properties();
    props.put(p + "host", host);
    props.put(p + "port", Integer.toString(port));
    props.put(p + "connectiontimeout", ms);
    props.put(p + "timeout", ms);
    props.put(p + "writetimeout", ms);
    props.put(p + "auth", Boolean.toString(username.isPresent()));
    props.put(p + "from", from.getAddress());
    switch (tls) {
      case STARTTLS -> {
        props.put("mail.smtp.starttls.enable", "true");
        props.put("mail.smtp.starttls.required", "true");
        props.put("mail.smtp.ssl.checkserveridentity", "true");
      }
      case IMPLICIT -> {
        props.put("mail.smtps.ssl.checkserveridentity", "true");
      }
      case NONE -> {
        props.put("mail.smtp.starttls.enable", "false");
      }
    }
    return props;
  }

  /**
   * The library's message and its cause's (the relay's reply, a refused connection, a failed
   * certificate check), one line, bounded. The password is never part of either.
   */
  private static String reason(MessagingException e) {
    StringBuilder b = new StringBuilder(e.getClass().getSimpleName());
    if (e.getMessage() != null) {
      b.append(": ").append(e.getMessage());
    }
    Throwable c = e.getCause();
    if (c != null && c != e) {
      b.append(" (").append(c.getClass().getSimpleName());
      if (c.getMessage() != null) {
        b.append(": ").append(c.getMessage());
      }
      b.append(')');
    }
    String line = PrintableText.replaceUnprintable(b.toString().strip());
    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
  }
}
