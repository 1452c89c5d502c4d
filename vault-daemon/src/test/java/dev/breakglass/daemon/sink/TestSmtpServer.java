package dev.breakglass.daemon.sink;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Just enough of an SMTP server (RFC 5321) on 127.0.0.1 for the smtp sink's tests: EHLO, AUTH PLAIN,
 * MAIL, RCPT, DATA, QUIT, no TLS. Records each message with its envelope; can refuse a login or
 * never greet.
 */
final class TestSmtpServer implements AutoCloseable {
  record Mail(String from, List<String> to, byte[] data, String authPlain) {}

  private final ServerSocket server;
  private final LinkedBlockingQueue<Mail> mails = new LinkedBlockingQueue<>();
  private final Thread acceptor;
  private volatile boolean silent;
  private volatile boolean refuseLogin;

  TestSmtpServer() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptLoop, "test-smtp");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Accepts connections but never says anything. */
  TestSmtpServer silent() {
    silent = true;
    return this;
  }

  TestSmtpServer refuseLogin() {
    refuseLogin = true;
    return this;
  }

  Mail take() throws InterruptedException {
    Mail m = mails.poll(5, TimeUnit.SECONDS);
    if (m == null) {
      throw new AssertionError("no mail reached the test server");
    }
    return m;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        s.setSoTimeout(10_000);
        if (silent) {
          s.getInputStream().read();
          continue;
        }
        session(s);
      } catch (IOException e) {
        // closed, or the client hung up: next connection
      }
    }
  }

  private void session(Socket s) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
    OutputStream out = s.getOutputStream();
    reply(out, "220 test.invalid ESMTP test");
    String from = null;
    String auth = null;
    List<String> to = new ArrayList<>();
    String line;
    while ((line = in.readLine()) != null) {
      String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line;
      switch (verb) {
        case "EHLO" -> reply(out, "250-test.invalid\r\n250-8BITMIME\r\n250 AUTH PLAIN");
        case "HELO", "RSET", "NOOP" -> reply(out, "250 ok");
        case "AUTH" -> {
          String[] parts = line.split(" ");
          String initial = parts.length > 2 ? parts[2] : null;
          if (initial == null) {
            reply(out, "334 ");
            initial = in.readLine();
          }
          auth = new String(Base64.getDecoder().decode(initial), StandardCharsets.UTF_8);
          reply(out, refuseLogin ? "535 5.7.8 Authentication credentials invalid" : "235 2.7.0 ok");
        }
        case "MAIL" -> {
          from = address(line);
          reply(out, "250 ok");
        }
        case "RCPT" -> {
          to.add(address(line));
          reply(out, "250 ok");
        }
        case "DATA" -> {
          reply(out, "354 go ahead");
          ByteArrayOutputStream data = new ByteArrayOutputStream();
          String l;
          while ((l = in.readLine()) != null && !l.equals(".")) {
            // RFC 5321 4.5.2: a leading dot was doubled by the client.
            data.writeBytes((l.startsWith(".") ? l.substring(1) : l).getBytes(StandardCharsets.ISO_8859_1));
            data.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
          }
          mails.add(new Mail(from, List.copyOf(to), data.toByteArray(), auth));
          to.clear();
          reply(out, "250 ok queued");
        }
        case "QUIT" -> {
          reply(out, "221 bye");
          return;
        }
        default -> reply(out, "502 not implemented");
      }
    }
  }

  private static String address(String line) {
    int a = line.indexOf('<');
    int b = line.indexOf('>');
    return a >= 0 && b > a ? line.substring(a + 1, b) : line;
  }

  private static void reply(OutputStream out, String text) throws IOException {
    out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
