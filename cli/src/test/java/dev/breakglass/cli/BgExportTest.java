package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BgExportTest {
  @TempDir Path tmp;
  private CliRun cli;

  @BeforeEach
  void setUp() {
    cli = new CliRun(tmp.resolve("home"), Clock.systemUTC());
    cli.ok("init");
    cli.ok("identity", "add", "--user", "bg1@contoso.onmicrosoft.com", "--object-id",
        "0c6b3e2a-5f1d-4b8e-9a7c-2d4e6f8a0b1c");
    cli.ok("identity", "add", "--app", "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01", "--display-name", "Break-glass app");
  }

  @Test
  void maester_printsTheAccountsAndNamesTheAppLeftOut() {
    CliRun.Run r = cli.ok("export", "maester");
    assertTrue(r.out().contains("\"EmergencyAccessAccounts\""), r.out());
    assertTrue(r.out().contains("\"UserPrincipalName\" : \"bg1@contoso.onmicrosoft.com\"")
        || r.out().contains("\"UserPrincipalName\": \"bg1@contoso.onmicrosoft.com\""), r.out());
    assertEquals("bg: note: app 3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01 is not in the export: maester has no place"
        + " for apps", r.errLine());
  }

  @Test
  void sentinelWatchlist_writesANewFileOnly() throws Exception {
    Path csv = tmp.resolve("watchlist.csv");
    cli.ok("export", "sentinel-watchlist", "--out", csv.toString());
    String text = Files.readString(csv, StandardCharsets.UTF_8);
    assertTrue(text.startsWith("User Identifier,User AAD Object Id,User On-Prem Sid,User Principal Name,Tags\r\n"),
        text);
    CliRun.Run again = cli.bg("export", "sentinel-watchlist", "--out", csv.toString());
    assertEquals(2, again.code());
    assertEquals("bg: error: " + csv + " exists: give a new file name (nothing was written)", again.errLine());
  }

  @Test
  void scubagear_needsObjectIds_andUnknownFormatsAreUsageErrors() {
    cli.ok("identity", "add", "--user", "bg2@contoso.onmicrosoft.com");
    CliRun.Run r = cli.bg("export", "scubagear");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.errLine().startsWith("bg: error: user bg2@contoso.onmicrosoft.com has no object id in the ledger"),
        r.err());
    cli.ok("identity", "set", "bg2@contoso.onmicrosoft.com", "--object-id", "7d9e1f3a-2b4c-4d6e-8f0a-1b3c5d7e9f02");
    assertTrue(cli.ok("export", "scubagear").out().contains("\"7d9e1f3a-2b4c-4d6e-8f0a-1b3c5d7e9f02\""));
    CliRun.Run other = cli.bg("identity", "set", "bg2@contoso.onmicrosoft.com", "--object-id",
        "00000000-2b4c-4d6e-8f0a-1b3c5d7e9f02");
    assertEquals(1, other.code());
    assertEquals("bg: error: identity 'bg2@contoso.onmicrosoft.com' already has object id"
        + " 7d9e1f3a-2b4c-4d6e-8f0a-1b3c5d7e9f02; a different object id is another account: add that account as a"
        + " new identity", other.errLine());
    CliRun.Run bad = cli.bg("export", "csv");
    assertEquals(2, bad.code());
    assertEquals("bg: error: unknown format 'csv': use maester, scubagear or sentinel-watchlist", bad.errLine());
  }
}
