package dev.breakglass.daemon.sink;

import dev.breakglass.custody.PrintableText;
import dev.breakglass.daemon.Alert;
import dev.breakglass.daemon.AlertJson;
import dev.breakglass.daemon.DaemonException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * An RFC 5424 message to a syslog collector:
 *
 * <pre>
 * &lt;PRI&gt;1 TIMESTAMP HOSTNAME bg-vault-daemon PROCID KIND [breakglass@32473 alertId="…" verdict="…" …] BOM oneLine
 * </pre>
 *
 * <p>UDP (RFC 5426) sends one datagram of at most 2048 bytes, cutting the MSG on a UTF-8 boundary if
 * needed; it cannot tell whether anything listened. TCP and TLS (RFC 6587 octet counting, RFC 5425)
 * frame the message as {@code LEN SP MSG} on a connection of its own; TLS checks the collector's
 * certificate against the JDK's trust store and its name against the host. A TCP or TLS delivery
 * counts once the collector's kernel took the bytes: syslog has no application-level acknowledgement.
 */
final class SyslogSink implements AlertSink {
  enum Protocol { UDP, TCP, TLS }

  static final String APP_NAME = "bg-vault-daemon";
  /** The SD-ID; 32473 is the private enterprise number RFC 5612 reserves for examples. */
  static final String SD_ID = "breakglass@32473";
  /** RFC 5426: receivers SHOULD accept 2048 bytes. */
  static final int UDP_MAX = 2048;
  /** Bound on each structured-data value, so the header leaves room for the MSG. */
  private static final int MAX_PARAM = 128;
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  /** RFC 5424 table 1, by the names syslog.conf uses. */
  static final Map<String, Integer> FACILITIES = facilities();

  private final String name;
  private final String host;
  private final int port;
  private final Protocol protocol;
  private final int facility;
  private final Duration timeout;
  private final String hostname;
  private final SSLSocketFactory tls;

  SyslogSink(String name, String host, int port, Protocol protocol, int facility, Duration timeout,
      String hostname, SSLSocketFactory tls) {
    this.name = name;
    this.host = host;
    this.port = port;
    this.protocol = protocol;
    this.facility = facility;
    this.timeout = timeout;
    this.hostname = headerField(hostname, 255);
    this.tls = tls;
  }

  static SyslogSink fromSettings(SinkSettings s) throws DaemonException {
    String host = s.required("host", "siem.example.net");
    Protocol protocol = Protocol.valueOf(s.choice("protocol", "tcp", Set.of("udp", "tcp", "tls"),
        "udp, tcp or tls").toUpperCase(Locale.ROOT));
    int port = s.integer("port", protocol == Protocol.TLS ? 6514 : 514, 1, 65535);
    String facilityName = s.choice("facility", "auth", FACILITIES.keySet(),
        String.join(", ", FACILITIES.keySet()));
    return new SyslogSink(s.name(), host, port, protocol, FACILITIES.get(facilityName), s.timeout(10),
        localHostName(), (SSLSocketFactory) SSLSocketFactory.getDefault());
  }

  private static String localHostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "-";
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return "syslog";
  }

  @Override
  public String describe() {
    return "syslog " + protocol.name().toLowerCase(Locale.ROOT) + " " + host + ":" + port;
  }

  @Override
  public void deliver(Alert alert) throws DaemonException {
    int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    try {
      switch (protocol) {
        case UDP -> {
          byte[] m = message(alert, UDP_MAX);
          try (DatagramSocket socket = new DatagramSocket()) {
            socket.send(new DatagramPacket(m, m.length, InetAddress.getByName(host), port));
          }
        }
        case TCP -> {
          try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), ms);
            socket.setSoTimeout(ms);
            writeFrame(socket.getOutputStream(), message(alert, Integer.MAX_VALUE));
          }
        }
        case TLS -> {
          try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(host, port), ms);
            plain.setSoTimeout(ms);
            try (SSLSocket socket = (SSLSocket) tls.createSocket(plain, host, port, true)) {
              SSLParameters p = socket.getSSLParameters();
              p.setEndpointIdentificationAlgorithm("HTTPS");
              socket.setSSLParameters(p);
              socket.startHandshake();
              writeFrame(socket.getOutputStream(), message(alert, Integer.MAX_VALUE));
            }
          }
        }
      }
    } catch (UnknownHostException e) {
      throw failure("unknown host " + SinkSettings.shown(host));
    } catch (SocketTimeoutException e) {
      throw failure("no connection or answer within " + timeout.toSeconds() + " s");
    } catch (ConnectException e) {
      throw failure("cannot connect (" + detail(e) + ")");
    } catch (SSLException e) {
      throw failure("TLS failed (" + detail(e) + ")");
    } catch (IOException e) {
      throw failure("failed (" + detail(e) + ")");
    }
  }

  private DaemonException failure(String what) {
    return new DaemonException(DaemonException.Reason.DELIVERY, "sink '" + name + "' (" + describe() + "): " + what);
  }

  private static String detail(IOException e) {
    String m = e.getMessage() == null ? "" : ": " + e.getMessage();
    String s = PrintableText.replaceUnprintable(e.getClass().getSimpleName() + m);
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }

  /** RFC 6587 octet counting: the length in bytes, a space, the message. */
  private static void writeFrame(OutputStream out, byte[] message) throws IOException {
    out.write((message.length + " ").getBytes(StandardCharsets.US_ASCII));
    out.write(message);
    out.flush();
  }

  /**
   * The RFC 5424 message, at most {@code max} bytes when the header allows: only the MSG part is
   * cut, on a UTF-8 character boundary.
   */
  byte[] message(Alert alert, int max) {
    String header = "<" + (facility * 8 + severity(alert.severity())) + ">1 "
        + alert.raisedAt().truncatedTo(ChronoUnit.MICROS) + " "
        + hostname + " " + APP_NAME + " " + ProcessHandle.current().pid() + " "
        + headerField(alert.kind().name(), 32) + " " + structuredData(alert) + " ";
    byte[] head = header.getBytes(StandardCharsets.UTF_8);
    byte[] msg = AlertJson.oneLine(alert).getBytes(StandardCharsets.UTF_8);
    msg = utf8Prefix(msg, Math.max(0, max - head.length - BOM.length));
    ByteArrayOutputStream out = new ByteArrayOutputStream(head.length + BOM.length + msg.length);
    out.writeBytes(head);
    out.writeBytes(BOM);
    out.writeBytes(msg);
    return out.toByteArray();
  }

  /** CRITICAL crit (2), HIGH err (3), WARNING warning (4), INFO info (6). */
  static int severity(Alert.Severity s) {
    return switch (s) {
      case CRITICAL -> 2;
      case HIGH -> 3;
      case WARNING -> 4;
      case INFO -> 6;
    };
  }

  static String structuredData(Alert a) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("alertId", a.id());
    a.verdict().ifPresent(v -> params.put("verdict", v));
    a.signIn().ifPresent(s -> {
      params.put("identity", s.identity());
      params.put("signInId", s.id());
      s.ipAddress().ifPresent(ip -> params.put("ip", ip));
    });
    a.custody().ifPresent(c -> params.put("custodySeq", Long.toString(c.seq())));
    params.put("ledgerHead", AlertText.ledgerHead(a));
    StringBuilder b = new StringBuilder("[").append(SD_ID);
    params.forEach((k, v) -> b.append(' ').append(k).append("=\"").append(paramValue(v)).append('"'));
    return b.append(']').toString();
  }

  /** RFC 5424 section 6.3.3: inside a PARAM-VALUE, '"', '\' and ']' are escaped with '\'. */
  static String paramValue(String value) {
    String v = PrintableText.replaceUnprintable(value);
    if (v.length() > MAX_PARAM) {
      int end = Character.isHighSurrogate(v.charAt(MAX_PARAM - 1)) ? MAX_PARAM - 1 : MAX_PARAM;
      v = v.substring(0, end);
    }
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("]", "\\]");
  }

  /** HOSTNAME and MSGID are printable US-ASCII without spaces; "-" when nothing is left. */
  private static String headerField(String s, int max) {
    StringBuilder b = new StringBuilder();
    s.chars().limit(max).forEach(c -> b.append(c > 32 && c < 127 ? (char) c : '?'));
    return b.length() == 0 ? "-" : b.toString();
  }

  /** The longest prefix of at most {@code max} bytes that does not split a UTF-8 sequence. */
  static byte[] utf8Prefix(byte[] utf8, int max) {
    if (utf8.length <= max) {
      return utf8;
    }
    int end = max;
    while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
      end--;
    }
    return Arrays.copyOf(utf8, end);
  }

  private static Map<String, Integer> facilities() {
    Map<String, Integer> m = new LinkedHashMap<>();
    String[] names = {"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
        "authpriv", "ftp", "ntp", "audit", "alert", "clock"};
    for (int i = 0; i < names.length; i++) {
      m.put(names[i], i);
    }
    for (int i = 0; i <= 7; i++) {
      m.put("local" + i, 16 + i);
    }
    return Collections.unmodifiableMap(m);
  }
}
