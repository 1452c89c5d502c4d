package dev.breakglass.daemon.sink;

import dev.breakglass.custody.PrintableText;
import dev.breakglass.daemon.Alert;
import dev.breakglass.daemon.AlertJson;
import dev.breakglass.daemon.DaemonException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a local program for each alert: the program and its arguments exactly as configured (no
 * shell, so nothing in an alert can become a command), the alert JSON on standard input, and
 * {@code BG_ALERT_ID}, {@code BG_ALERT_KIND}, {@code BG_ALERT_SEVERITY}, {@code BG_ALERT_VERDICT}
 * (when there is one) and {@code BG_ALERT_TITLE} added to the daemon's environment. Exit status 0
 * is delivered; any other status, or still running at the timeout (the process and everything it
 * started are then killed), is a delivery error with the first line of its standard error.
 */
final class CommandSink implements AlertSink {
  /** How much of standard error is kept for the message. */
  private static final int MAX_STDERR = 200;
  /** How long to wait for the pipes to close once the process is gone (a child may hold them). */
  private static final long PIPE_GRACE_MS = 1000;

  private final String name;
  private final Path command;
  private final List<String> args;
  private final Duration timeout;

  CommandSink(String name, Path command, List<String> args, Duration timeout) {
    this.name = name;
    this.command = command;
    this.args = List.copyOf(args);
    this.timeout = timeout;
  }

  static CommandSink fromSettings(SinkSettings s) throws DaemonException {
    Path command = s.executable("command", "/usr/local/bin/page-oncall");
    List<String> args = s.optional("args")
        .map(a -> Arrays.stream(a.strip().split("\\s+")).toList())
        .orElse(List.of());
    return new CommandSink(s.name(), command, args, s.timeout(30));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return "command";
  }

  @Override
  public String describe() {
    return "command " + command;
  }

  @Override
  public void deliver(Alert alert) throws DaemonException {
    List<String> argv = new ArrayList<>();
    argv.add(command.toString());
    argv.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Map<String, String> env = pb.environment();
    env.put("BG_ALERT_ID", PrintableText.replaceUnprintable(alert.id()));
    env.put("BG_ALERT_KIND", alert.kind().name());
    env.put("BG_ALERT_SEVERITY", alert.severity().name());
    alert.verdict().ifPresentOrElse(v -> env.put("BG_ALERT_VERDICT", PrintableText.replaceUnprintable(v)),
        () -> env.remove("BG_ALERT_VERDICT"));
    env.put("BG_ALERT_TITLE", PrintableText.replaceUnprintable(alert.title()));

    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw failure("cannot start (" + PrintableText.replaceUnprintable(String.valueOf(e.getMessage())) + ")");
    }
    byte[] json = AlertJson.toJson(alert).getBytes(StandardCharsets.UTF_8);
    // Pipes are drained and fed on threads of their own: a program that does not read its input or
    // writes much to stderr must not block the daemon past the timeout.
    Thread feeder = daemonThread("stdin", () -> {
      try (OutputStream in = p.getOutputStream()) {
        in.write(json);
      } catch (IOException e) {
        // The program closed its input early (or never read it): its exit status tells.
      }
    });
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    Thread drainer = daemonThread("stderr", () -> drain(p.getErrorStream(), stderr));
    feeder.start();
    drainer.start();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        killTree(p);
        throw failure("still running after " + timeout.toSeconds() + " s; killed it and its children");
      }
      drainer.join(PIPE_GRACE_MS);
      int status = p.exitValue();
      if (status != 0) {
        String first;
        synchronized (stderr) {
          first = firstLine(stderr.toString(StandardCharsets.UTF_8));
        }
        throw failure("exited with status " + status + (first.isEmpty() ? "" : ": " + first));
      }
    } catch (InterruptedException e) {
      killTree(p);
      Thread.currentThread().interrupt();
      throw failure("interrupted; killed it and its children");
    }
  }

  private DaemonException failure(String what) {
    return new DaemonException(DaemonException.Reason.DELIVERY, "sink '" + name + "' (" + describe() + "): " + what);
  }

  /** Children first, listed while the parent still lives (after that they belong to init). */
  private static void killTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  private static void drain(InputStream in, ByteArrayOutputStream kept) {
    byte[] buf = new byte[4096];
    try (in) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        synchronized (kept) {
          // Room for a few multi-byte characters past the cap; firstLine cuts to MAX_STDERR chars.
          int room = MAX_STDERR * 4 - kept.size();
          if (room > 0) {
            kept.write(buf, 0, Math.min(room, n));
          }
        }
      }
    } catch (IOException e) {
      // The process is gone or was killed: what was read so far is what there is.
    }
  }

  private static String firstLine(String text) {
    String line = text.strip().lines().findFirst().orElse("");
    line = PrintableText.replaceUnprintable(line);
    return line.length() > MAX_STDERR ? line.substring(0, MAX_STDERR) + "…" : line;
  }

  private Thread daemonThread(String what, Runnable r) {
    Thread t = new Thread(r, "sink-" + name + "-" + what);
    t.setDaemon(true);
    return t;
  }
}
