package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the repository's ./bg launcher as a user would, against the jar this build packaged. */
class BgLauncherIT {
  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  private Result bg(String... args) throws Exception {
    Path root = Path.of(System.getProperty("user.dir")).getParent(); // failsafe runs in cli/
    List<String> cmd = new java.util.ArrayList<>(List.of(root.resolve("bg").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("BG_HOME", tmp.resolve("home").toString());
    pb.redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bg did not finish");
    return new Result(p.exitValue(), Files.readString(tmp.resolve("out"), StandardCharsets.UTF_8),
        Files.readString(tmp.resolve("err"), StandardCharsets.UTF_8));
  }

  @Test
  void launcher_runsTheJarAndPassesExitCodesThrough() throws Exception {
    Result v = bg("--version");
    assertEquals(0, v.code(), v.err());
    assertTrue(v.out().startsWith("bg 0."), v.out());

    Result demo = bg("demo", "--home", tmp.resolve("demo").toString());
    assertEquals(0, demo.code(), demo.err());
    assertTrue(demo.out().contains("ledger OK: 9 events"), demo.out());

    Result status = bg("status");
    assertEquals(1, status.code());
    assertEquals("bg: error: no ledger in " + tmp.resolve("home")
        + ": run 'bg init' first, or point --home at an existing home\n", status.err());

    Result usage = bg("checkout");
    assertEquals(2, usage.code());
    assertTrue(usage.err().startsWith("bg: error: Missing required"), usage.err());
  }
}
