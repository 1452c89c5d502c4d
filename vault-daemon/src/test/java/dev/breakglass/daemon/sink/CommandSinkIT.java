package dev.breakglass.daemon.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.daemon.AlertJson;
import dev.breakglass.daemon.DaemonException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandSinkIT {
  @TempDir
  Path dir;

  private Path script(String name, String body) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
    return f;
  }

  private AlertSink sink(Path command, String... more) throws DaemonException {
    Map<String, String> s = new HashMap<>(Map.of("type", "command", "command", command.toString()));
    for (int i = 0; i < more.length; i += 2) {
      s.put(more[i], more[i + 1]);
    }
    return Sinks.create("page", s, dir);
  }

  @Test
  void deliver_passesJsonOnStdinAndAlertInEnvironment_argsWithoutShell() throws Exception {
    Path cmd = script("page.sh", "cat > \"$1\"\nenv | grep '^BG_ALERT_' | sort > \"$2\"\n"
        + "shift 2\nfor a in \"$@\"; do echo \"[$a]\"; done > \"" + dir.resolve("args") + "\"\n");
    sink(cmd, "args", dir.resolve("stdin") + " " + dir.resolve("env") + "  $(touch${IFS}pwned) ;id  '*'")
        .deliver(SampleAlerts.hostile());

    assertEquals(AlertJson.toJson(SampleAlerts.hostile()), Files.readString(dir.resolve("stdin")));
    assertEquals(List.of(
        "BG_ALERT_ID=6f1c2a9e-8a51-4c3e-9d53-0c1f3a7b2e10",
        "BG_ALERT_KIND=SIGN_IN",
        "BG_ALERT_SEVERITY=HIGH",
        "BG_ALERT_TITLE=UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com?<!channel> [click](https://evil.example)",
        "BG_ALERT_VERDICT=UNEXPLAINED"), Files.readAllLines(dir.resolve("env")));
    assertEquals(List.of("[$(touch${IFS}pwned)]", "[;id]", "['*']"), Files.readAllLines(dir.resolve("args")));
    assertFalse(Files.exists(dir.resolve("pwned")));
  }

  @Test
  void deliver_withoutVerdict_setsNoVerdictVariable() throws Exception {
    Path cmd = script("env.sh", "env > \"$1\"\n");
    sink(cmd, "args", dir.resolve("env").toString()).deliver(SampleAlerts.bare());
    List<String> env = Files.readAllLines(dir.resolve("env"));
    assertTrue(env.contains("BG_ALERT_KIND=REVIEW_OVERDUE"), env.toString());
    assertTrue(env.stream().noneMatch(l -> l.startsWith("BG_ALERT_VERDICT=")), env.toString());
    assertTrue(env.stream().anyMatch(l -> l.startsWith("PATH=")), "environment is inherited");
  }

  @Test
  void deliver_programThatIgnoresItsInput_isDelivered() throws Exception {
    sink(script("quiet.sh", "exit 0\n")).deliver(SampleAlerts.unexplained());
  }

  @Test
  void deliver_nonZeroExit_namesStatusAndFirstStderrLine() throws Exception {
    Path cmd = script("fail.sh", "echo 'pager API said: 401 unauthorized' >&2\necho 'second line' >&2\nexit 3\n");
    DaemonException e = assertThrows(DaemonException.class, () -> sink(cmd).deliver(SampleAlerts.bare()));
    assertEquals(DaemonException.Reason.DELIVERY, e.reason());
    assertEquals("sink 'page' (command " + cmd + "): exited with status 3: pager API said: 401 unauthorized",
        e.getMessage());
  }

  @Test
  void deliver_stderrIsSanitisedAndCapped() throws Exception {
    Path cmd = script("noisy.sh", "printf '\\033[31mred\\ttab' >&2\nhead -c 5000 /dev/zero | tr '\\0' x >&2\n"
        + "exit 1\n");
    DaemonException e = assertThrows(DaemonException.class, () -> sink(cmd).deliver(SampleAlerts.bare()));
    String prefix = "sink 'page' (command " + cmd + "): exited with status 1: ";
    assertTrue(e.getMessage().startsWith(prefix + "?[31mred?tabxxx"), e.getMessage());
    assertEquals(prefix.length() + 200 + 1, e.getMessage().length());
    assertTrue(e.getMessage().endsWith("x…"));
  }

  @Test
  void deliver_timeout_killsTheProgramAndItsChildren() throws Exception {
    Path pidFile = dir.resolve("child.pid");
    Path cmd = script("hang.sh", "sleep 60 &\necho $! > \"" + pidFile + "\"\nwait\n");
    long start = System.nanoTime();
    DaemonException e = assertThrows(DaemonException.class,
        () -> sink(cmd, "timeout-seconds", "1").deliver(SampleAlerts.bare()));
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0);
    assertEquals(DaemonException.Reason.DELIVERY, e.reason());
    assertEquals("sink 'page' (command " + cmd + "): still running after 1 s; killed it and its children",
        e.getMessage());

    long child = Long.parseLong(Files.readString(pidFile).strip());
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "child " + child + " still runs");
  }
}
