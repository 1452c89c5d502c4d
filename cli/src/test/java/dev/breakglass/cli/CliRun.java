package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine;

/** Runs the real command line with captured output, as the CLI tests need it. */
final class CliRun {
  record Run(int code, String out, String err) {
    String errLine() {
      return err.lines().findFirst().orElse("");
    }
  }

  private final Path home;
  private final Clock clock;

  CliRun(Path home, Clock clock) {
    this.home = home;
    this.clock = clock;
  }

  Run bg(String... args) {
    CommandLine cl = Bg.newCommandLine(Map.of("BG_HOME", home.toString(), "USER", "tester"), clock);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  Run ok(String... args) {
    Run r = bg(args);
    assertEquals(0, r.code(), () -> String.join(" ", args) + " failed: " + r.err());
    return r;
  }
}
