package dev.breakglass.daemon.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.daemon.Alert;
import dev.breakglass.daemon.AlertJson;
import dev.breakglass.daemon.DaemonException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyslogSinkIT {
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private static final String PID = Long.toString(ProcessHandle.current().pid());

  @TempDir
  static Path certs;
  static KeyStore loopbackKeys;
  static KeyStore wrongNameKeys;

  @BeforeAll
  static void makeCertificates() throws Exception {
    loopbackKeys = keyStore("loopback", "ip:127.0.0.1");
    wrongNameKeys = keyStore("other", "dns:collector.example.net");
  }

  /** A self-signed server certificate for the TLS collector, made with the JDK's keytool. */
  private static KeyStore keyStore(String name, String san) throws Exception {
    Path ks = certs.resolve(name + ".p12");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
        "-alias", "collector", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=test collector", "-ext", "san=" + san)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
    KeyStore k = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      k.load(in, "changeit".toCharArray());
    }
    return k;
  }

  private static AlertSink sink(int port, String... more) throws DaemonException {
    Map<String, String> s = new HashMap<>(Map.of("type", "syslog", "host", "127.0.0.1",
        "port", Integer.toString(port)));
    for (int i = 0; i < more.length; i += 2) {
      s.put(more[i], more[i + 1]);
    }
    return Sinks.create("siem", s, Path.of("."));
  }

  /** The message split into HEADER fields, SD and MSG (without the BOM, which it checks). */
  private record Parsed(String pri, String timestamp, String hostname, String app, String procId, String msgId,
      String sd, String msg) {
    static Parsed of(byte[] m) {
      String s = new String(m, StandardCharsets.UTF_8);
      String[] h = s.split(" ", 7);
      String rest = h[6];
      int bom = indexOf(m, BOM);
      assertTrue(bom > 0, "no BOM before MSG");
      String sd = new String(Arrays.copyOfRange(m, 0, bom - 1), StandardCharsets.UTF_8).substring(s.indexOf(rest));
      assertEquals(' ', (char) m[bom - 1]);
      String msg = new String(Arrays.copyOfRange(m, bom + 3, m.length), StandardCharsets.UTF_8);
      return new Parsed(h[0], h[1], h[2], h[3], h[4], h[5], sd, msg);
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  void udp_sendsOneRfc5424Datagram() throws Exception {
    try (DatagramSocket collector = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      collector.setSoTimeout(5000);
      sink(collector.getLocalPort(), "protocol", "udp").deliver(SampleAlerts.unexplained());
      DatagramPacket packet = new DatagramPacket(new byte[65535], 65535);
      collector.receive(packet);
      Parsed p = Parsed.of(Arrays.copyOf(packet.getData(), packet.getLength()));

      assertEquals("<34>1", p.pri()); // auth (4) * 8 + crit (2)
      assertEquals("2026-11-25T10:00:05Z", p.timestamp());
      assertEquals(InetAddress.getLocalHost().getHostName(), p.hostname());
      assertEquals("bg-vault-daemon", p.app());
      assertEquals(PID, p.procId());
      assertEquals("SIGN_IN", p.msgId());
      assertEquals("[breakglass@32473 alertId=\"6f1c2a9e-8a51-4c3e-9d53-0c1f3a7b2e10\" verdict=\"UNEXPLAINED\""
          + " identity=\"bg1@contoso.onmicrosoft.com\" signInId=\"d1f0c3a2-1111-4222-8333-944455556666\""
          + " ip=\"203.0.113.7\" ledgerHead=\"1234:" + SampleAlerts.HEAD_HASH + "\"]", p.sd());
      assertEquals(AlertJson.oneLine(SampleAlerts.unexplained()), p.msg());
    }
  }

  @Test
  void udp_longMessageIsCutTo2048BytesOnACharacterBoundary() throws Exception {
    Alert bare = SampleAlerts.bare();
    Alert big = new Alert(bare.id(), bare.kind(), Alert.Severity.INFO, bare.raisedAt(), "é€😀".repeat(400),
        Optional.empty(), Optional.empty(), Optional.empty(), List.of(), 0, "h");
    try (DatagramSocket collector = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      collector.setSoTimeout(5000);
      sink(collector.getLocalPort(), "protocol", "udp", "facility", "local3").deliver(big);
      DatagramPacket packet = new DatagramPacket(new byte[65535], 65535);
      collector.receive(packet);
      byte[] m = Arrays.copyOf(packet.getData(), packet.getLength());
      assertTrue(m.length <= 2048 && m.length > 2040, Integer.toString(m.length));
      // Decodes strictly: no half character at the end.
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(m));
      Parsed p = Parsed.of(m);
      assertEquals("<158>1", p.pri()); // local3 (19) * 8 + info (6)
      assertTrue(("INFO " + "é€😀".repeat(400)).startsWith(p.msg()));
    }
  }

  @Test
  void tcp_framesWithOctetCounting_andEscapesStructuredData() throws Exception {
    try (ServerSocket collector = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      CompletableFuture<byte[]> frame = CompletableFuture.supplyAsync(() -> readFrame(collector));
      sink(collector.getLocalPort(), "protocol", "tcp", "facility", "daemon").deliver(SampleAlerts.hostile());
      Parsed p = Parsed.of(frame.get(5, TimeUnit.SECONDS));
      assertEquals("<27>1", p.pri()); // daemon (3) * 8 + err (3)
      assertEquals("[breakglass@32473 alertId=\"6f1c2a9e-8a51-4c3e-9d53-0c1f3a7b2e10\" verdict=\"UNEXPLAINED\""
          + " identity=\"bg\\\"1\\]\\\\@contoso.onmicrosoft.com\" signInId=\"d1f0c3a2-1111-4222-8333-944455556666\""
          + " ip=\"203.0.113.7\" ledgerHead=\"7:" + SampleAlerts.HEAD_HASH + "\"]", p.sd());
      assertEquals(AlertJson.oneLine(SampleAlerts.hostile()), p.msg());
      assertTrue(p.msg().chars().noneMatch(Character::isISOControl));
    }
  }

  /** Reads one {@code LEN SP MSG} frame and checks the sender then closed the connection. */
  private static byte[] readFrame(ServerSocket collector) {
    try (Socket s = collector.accept()) {
      s.setSoTimeout(5000);
      return readFrame(s.getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] readFrame(InputStream raw) throws IOException {
    DataInputStream in = new DataInputStream(raw);
    ByteArrayOutputStream len = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != ' ') {
      assertTrue(c >= '0' && c <= '9', "frame length digit, got " + c);
      len.write(c);
    }
    byte[] msg = new byte[Integer.parseInt(len.toString(StandardCharsets.US_ASCII))];
    in.readFully(msg);
    assertEquals(-1, in.read(), "one frame per connection");
    return msg;
  }

  @Test
  void tls_checksTheCollectorsCertificateAndName() throws Exception {
    try (SSLServerSocket collector = tlsCollector(loopbackKeys)) {
      CompletableFuture<byte[]> frame = CompletableFuture.supplyAsync(() -> readFrame(collector));
      tlsSink(collector.getLocalPort(), loopbackKeys).deliver(SampleAlerts.expected());
      Parsed p = Parsed.of(frame.get(10, TimeUnit.SECONDS));
      assertEquals("<38>1", p.pri()); // auth (4) * 8 + info (6)
      assertTrue(p.sd().contains(" custodySeq=\"42\" "), p.sd());
    }
  }

  @Test
  void tls_trustedCertificateForAnotherName_isRefused() throws Exception {
    try (SSLServerSocket collector = tlsCollector(wrongNameKeys)) {
      CompletableFuture.runAsync(() -> {
        try (Socket s = collector.accept()) {
          s.getInputStream().read();
        } catch (IOException e) {
          // the client gives up during the handshake
        }
      });
      DaemonException e = assertThrows(DaemonException.class,
          () -> tlsSink(collector.getLocalPort(), wrongNameKeys).deliver(SampleAlerts.bare()));
      assertEquals(DaemonException.Reason.DELIVERY, e.reason());
      assertTrue(e.getMessage().startsWith("sink 'siem' (syslog tls 127.0.0.1:" + collector.getLocalPort()
          + "): TLS failed (SSLHandshakeException: No subject alternative names matching IP address 127.0.0.1"),
          e.getMessage());
    }
  }

  @Test
  void tls_usesTheJdkTrustStore_soASelfSignedCollectorIsRefused() throws Exception {
    try (SSLServerSocket collector = tlsCollector(loopbackKeys)) {
      CompletableFuture.runAsync(() -> {
        try (Socket s = collector.accept()) {
          s.getInputStream().read();
        } catch (IOException e) {
          // the client gives up during the handshake
        }
      });
      DaemonException e = assertThrows(DaemonException.class,
          () -> sink(collector.getLocalPort(), "protocol", "tls").deliver(SampleAlerts.bare()));
      assertTrue(e.getMessage().contains("TLS failed (SSLHandshakeException"), e.getMessage());
    }
  }

  @Test
  void tcp_nobodyListening_isDeliveryError_andSilentCollectorTimesOut() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    DaemonException e = assertThrows(DaemonException.class,
        () -> sink(port, "protocol", "tcp").deliver(SampleAlerts.bare()));
    assertEquals(DaemonException.Reason.DELIVERY, e.reason());
    assertEquals("sink 'siem' (syslog tcp 127.0.0.1:" + port + "): cannot connect (ConnectException: Connection"
        + " refused)", e.getMessage());

    // A TLS collector that accepts but never completes the handshake.
    CountDownLatch done = new CountDownLatch(1);
    try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      CompletableFuture.runAsync(() -> {
        try (Socket s = silent.accept()) {
          s.setSoTimeout(10_000);
          done.await(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException x) {
          // the test is over
        }
      });
      long start = System.nanoTime();
      e = assertThrows(DaemonException.class, () -> sink(silent.getLocalPort(), "protocol", "tls",
          "timeout-seconds", "1").deliver(SampleAlerts.bare()));
      assertEquals("sink 'siem' (syslog tls 127.0.0.1:" + silent.getLocalPort() + "): no connection or answer within"
          + " 1 s", e.getMessage());
      assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0);
    } finally {
      done.countDown();
    }
  }

  @Test
  void severityMapsToSyslogSeverity() {
    assertEquals(2, SyslogSink.severity(Alert.Severity.CRITICAL));
    assertEquals(3, SyslogSink.severity(Alert.Severity.HIGH));
    assertEquals(4, SyslogSink.severity(Alert.Severity.WARNING));
    assertEquals(6, SyslogSink.severity(Alert.Severity.INFO));
  }

  @Test
  void utf8Prefix_neverSplitsACharacter() {
    byte[] b = "a€😀".getBytes(StandardCharsets.UTF_8); // 1 + 3 + 4 bytes
    assertArrayEquals("a".getBytes(StandardCharsets.UTF_8), SyslogSink.utf8Prefix(b, 3));
    assertArrayEquals("a€".getBytes(StandardCharsets.UTF_8), SyslogSink.utf8Prefix(b, 4));
    assertArrayEquals("a€".getBytes(StandardCharsets.UTF_8), SyslogSink.utf8Prefix(b, 7));
    assertArrayEquals(b, SyslogSink.utf8Prefix(b, 8));
    assertArrayEquals(new byte[0], SyslogSink.utf8Prefix(b, 0));
  }

  private static SSLServerSocket tlsCollector(KeyStore keys) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 5, InetAddress.getLoopbackAddress());
  }

  /** A TLS sink that trusts the given certificate (the product trusts the JDK's store). */
  private static SyslogSink tlsSink(int port, KeyStore trusted) throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return new SyslogSink("siem", "127.0.0.1", port, SyslogSink.Protocol.TLS, 4, Duration.ofSeconds(5),
        "bg-host", ctx.getSocketFactory());
  }
}
