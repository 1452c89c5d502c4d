package dev.breakglass.cli.demo;

import dev.breakglass.cli.Bg;
import dev.breakglass.cli.ExitCodes;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs the real commands a custodian would type, in order, against a new home, and prints each
 * command line before its output. One refusal is part of the script, to show a rule at work.
 */
@Command(name = "demo", description = "Shows a whole custody cycle on the embedded SQLite ledger: set-up, check-out, a refused second check-out, status, check-in, log and verification. Uses a new temporary home unless --home names an empty directory; never touches $BG_HOME or ~/.breakglass.")
public final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--home", paramLabel = "DIR", description = "An empty or new directory for the demo home.")
  Path home;

  private static final String UPN = "bg1@contoso.onmicrosoft.com";

  @Override
  public Integer call() throws Exception {
    Path h = home != null ? home : Files.createTempDirectory("bg-demo-");
    String dir = h.toString();
    List<String[]> script = new ArrayList<>();
    script.add(new String[] {"init", "--home", dir});
    script.add(new String[] {"safe", "add", "hq-safe", "--location", "HQ, room 4.12", "--home", dir});
    script.add(new String[] {"custodian", "add", "Alice", "--contact", "+44 20 7946 0001", "--home", dir});
    script.add(new String[] {"custodian", "add", "Bob", "--contact", "+44 20 7946 0002", "--home", dir});
    script.add(new String[] {"identity", "add", "--user", UPN, "--display-name", "Break glass 1", "--home", dir});
    script.add(new String[] {"item", "add", "bg1-key", "--kind", "fido2-key", "--safe", "hq-safe", "--serial",
        "23456789", "--identity", UPN, "--seal", "TB-000123", "--home", dir});
    script.add(new String[] {"item", "add", "bg1-envelope", "--kind", "password-envelope", "--safe", "hq-safe",
        "--identity", UPN, "--seal", "TB-000124", "--home", dir});
    script.add(new String[] {"checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason",
        "quarterly sign-in drill", "--ticket", "CHG-1001", "--seal", "TB-000123", "--home", dir});
    script.add(new String[] {"checkout", "bg1-key", "--by", "Bob", "--witness", "Alice", "--reason", "second try",
        "--seal", "TB-000123", "--home", dir});
    script.add(new String[] {"status", "--home", dir});
    script.add(new String[] {"checkin", "bg1-key", "--by", "Alice", "--witness", "Bob", "--new-seal", "TB-000125",
        "--home", dir});
    script.add(new String[] {"log", "--item", "bg1-key", "--home", dir});
    script.add(new String[] {"ledger", "verify", "--home", dir});

    PrintWriter out = spec.commandLine().getOut();
    Bg root = (Bg) spec.root().userObject();
    int expectedRefusal = 8; // the second check-out of an item that is out
    for (int i = 0; i < script.size(); i++) {
      String[] args = script.get(i);
      out.println("$ bg " + quote(args));
      out.flush();
      CommandLine cl = Bg.newCommandLine(root.env(), root.clock());
      cl.setOut(spec.commandLine().getOut());
      cl.setErr(spec.commandLine().getErr());
      int code = cl.execute(args);
      if (i == expectedRefusal) {
        out.println("(refused as expected: exit code " + code + ")");
        if (code != ExitCodes.FAILED) {
          return ExitCodes.FAILED;
        }
      } else if (code != 0) {
        spec.commandLine().getErr().println("bg: error: the demo stopped: step " + (i + 1) + " failed");
        return code;
      }
      out.println();
    }
    out.println("The demo home is " + dir + "; look around with: bg status --home " + dir);
    out.flush();
    return 0;
  }

  private static String quote(String[] args) {
    StringBuilder b = new StringBuilder();
    for (String a : args) {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(a.matches("[A-Za-z0-9@._/:+=-]+") ? a : "'" + a + "'");
    }
    return b.toString();
  }
}
