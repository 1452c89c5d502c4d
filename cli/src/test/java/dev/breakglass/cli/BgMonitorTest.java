package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BgMonitorTest {
  @TempDir Path tmp;
  private CliRun cli;

  @BeforeEach
  void setUp() {
    cli = new CliRun(tmp.resolve("home"), Clock.systemUTC());
    cli.ok("init");
  }

  @Test
  void kql_filtersOnTheLedgersIdentities() {
    cli.ok("identity", "add", "--user", "bg1@contoso.onmicrosoft.com", "--object-id",
        "0c6b3e2a-5f1d-4b8e-9a7c-2d4e6f8a0b1c");
    cli.ok("identity", "add", "--user", "bg2@contoso.onmicrosoft.com");
    cli.ok("identity", "add", "--app", "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01", "--display-name", "Break-glass app");

    CliRun.Run r = cli.ok("monitor", "kql");
    String out = r.out();
    assertEquals("", r.err());
    assertTrue(out.startsWith("// BreakGlass Kit: sign-ins of the break-glass identities"), out);
    assertTrue(out.contains("\n    | where UserId in~ (\"0c6b3e2a-5f1d-4b8e-9a7c-2d4e6f8a0b1c\")\n"
        + "        or UserPrincipalName in~ (\"bg1@contoso.onmicrosoft.com\", \"bg2@contoso.onmicrosoft.com\")\n"), out);
    assertTrue(out.contains("\n    | where AppId in~ (\"3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01\")\n"), out);
    assertEquals(3, out.split("\\| where TimeGenerated > ago\\(15m\\)", -1).length - 1, out);
    assertTrue(out.endsWith("| sort by TimeGenerated desc\n"), out);

    String ten = cli.ok("monitor", "kql", "--lookback-minutes", "10").out();
    assertTrue(ten.contains("| where TimeGenerated > ago(10m)\n") && !ten.contains("ago(15m)"), ten);
  }

  @Test
  void kql_withNoIdentities_failsWithOneLine() {
    CliRun.Run r = cli.bg("monitor", "kql");
    assertEquals(ExitCodes.USAGE, r.code(), r.err());
    assertEquals("", r.out());
    assertEquals("bg: error: no break-glass identities in the ledger: add them with 'bg identity add'\n", r.err());
  }

  @Test
  void kql_lookBackOutOfRange_isAUsageError() {
    cli.ok("identity", "add", "--user", "bg1@contoso.onmicrosoft.com");
    CliRun.Run r = cli.bg("monitor", "kql", "--lookback-minutes", "0");
    assertEquals(ExitCodes.USAGE, r.code(), r.err());
    assertEquals("bg: error: look-back 0 minutes is out of range: give 1 to 43200 minutes", r.errLine());
    assertEquals(ExitCodes.USAGE, cli.bg("monitor", "kql", "--lookback-minutes", "ten").code());
  }

  @Test
  void monitor_withoutSubcommand_isAUsageError() {
    CliRun.Run r = cli.bg("monitor");
    assertEquals(ExitCodes.USAGE, r.code(), r.err());
    assertTrue(r.errLine().startsWith("bg: error: "), r.err());
  }
}
