package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.cli.browser.HeadlessChromium;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * End to end: the real {@code ./bg} serves its ceremony page, real headless Chromium with a
 * virtual security key (WebDriver virtual authenticator) runs it, webauthn-server-core verifies it,
 * and the outcome is checked in the ledger through {@code bg key list} and {@code bg ledger verify}.
 */
class KeyCeremonyBrowserIT {
  @TempDir Path tmp;
  private Path home;
  private HeadlessChromium chromium;

  @BeforeEach
  void setUp() {
    home = tmp.resolve("home");
    CliRun cli = new CliRun(home, Clock.systemUTC());
    cli.ok("init");
    cli.ok("safe", "add", "hq-safe", "--location", "HQ");
    cli.ok("custodian", "add", "Alice", "--contact", "+44 1");
    cli.ok("custodian", "add", "Bob", "--contact", "+44 2");
    cli.ok("item", "add", "bg1-key", "--kind", "fido2-key", "--safe", "hq-safe", "--seal", "TB-1");
    chromium = new HeadlessChromium();
  }

  @AfterEach
  void tearDown() {
    chromium.close();
  }

  /** A bg process that serves a ceremony page; its address is the first line on standard output. */
  private final class Ceremony {
    final Process process;
    final String url;
    final Path errFile;
    final List<String> out = java.util.Collections.synchronizedList(new ArrayList<>());

    Ceremony(String... args) throws IOException {
      Path root = Path.of(System.getProperty("user.dir")).getParent(); // failsafe runs in cli/
      List<String> cmd = new ArrayList<>(List.of(root.resolve("bg").toString()));
      cmd.addAll(List.of(args));
      cmd.addAll(List.of("--no-browser", "--timeout", "60"));
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().put("BG_HOME", home.toString());
      errFile = Files.createTempFile(tmp, "err-", ".txt");
      pb.redirectError(errFile.toFile());
      process = pb.start();
      BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line;
      String found = null;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("http://localhost:")) {
          found = line;
          break;
        }
        out.add(line);
      }
      url = found;
      assertTrue(url != null, "bg printed no address: " + out + " " + err());
      Thread reader = new Thread(() -> r.lines().forEach(out::add));
      reader.setDaemon(true);
      reader.start();
    }

    String err() throws IOException {
      return Files.readString(errFile, StandardCharsets.UTF_8);
    }

    int finish() throws InterruptedException {
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "bg did not finish");
      return process.exitValue();
    }
  }

  /** Opens the page, presses Start, and waits for the outcome the page shows. */
  private String runPage(String url) throws InterruptedException {
    chromium.driver().get(url);
    WebElement start = chromium.driver().findElement(By.id("start"));
    for (int i = 0; i < 100 && !start.isEnabled(); i++) {
      Thread.sleep(50);
    }
    assertTrue(start.isEnabled(), "the Start button never became enabled");
    start.click();
    WebElement result = chromium.driver().findElement(By.id("result"));
    for (int i = 0; i < 400 && "pending".equals(result.getAttribute("data-outcome")); i++) {
      Thread.sleep(50);
    }
    return result.getAttribute("data-outcome") + ": " + result.getText();
  }

  private CliRun.Run bg(String... args) {
    return new CliRun(home, Clock.systemUTC()).bg(args);
  }

  @Test
  void registerThenVerifyThenCheckOutWithKey_throughChromium() throws Exception {
    chromium.addSecurityKey(true);

    Ceremony register = new Ceremony("key", "register", "bg1-key", "--by", "Alice", "--witness", "Bob");
    assertTrue(register.url.matches("http://localhost:\\d+/c/[A-Za-z0-9_-]{22}/"), register.url);
    String page = runPage(register.url);
    assertTrue(page.startsWith("ok: Done. Registered"), page);
    assertEquals(0, register.finish(), String.join("\n", register.out));
    assertTrue(String.join("\n", register.out).contains("registered key "), String.join("\n", register.out));

    CliRun.Run list = bg("key", "list", "--json");
    assertEquals(0, list.code(), list.err());
    assertTrue(list.out().contains("\"owner\" : \"bg1-key\""), list.out());
    // Chromium's virtual authenticator: AAGUID 01020304-…, packed attestation from its own batch
    // certificate, which no configured root trusts.
    assertTrue(list.out().contains("\"aaguid\" : \"01020304-0506-0708-0102-030405060708\""), list.out());
    assertTrue(list.out().contains("\"attestationFormat\" : \"packed\""), list.out());
    assertTrue(list.out().contains("\"attestationTrusted\" : false"), list.out());
    assertTrue(list.out().contains("\"signCount\" : 1"), list.out());

    Ceremony verify = new Ceremony("key", "verify", "bg1-key", "--by", "Alice", "--witness", "Bob");
    page = runPage(verify.url);
    assertTrue(page.startsWith("ok: Done. Verified the key of item 'bg1-key'"), page);
    assertEquals(0, verify.finish());
    assertTrue(String.join("\n", verify.out).contains("counter 2 (was 1, advanced)"), String.join("\n", verify.out));

    Ceremony checkout = new Ceremony("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason",
        "drill", "--seal", "TB-1", "--verify-key");
    page = runPage(checkout.url);
    assertTrue(page.startsWith("ok: Done. The key is item 'bg1-key's registered key; item-checked-out recorded"),
        page);
    assertEquals(0, checkout.finish());
    assertTrue(String.join("\n", checkout.out).contains("key verified: counter 3 (was 2, advanced)"),
        String.join("\n", checkout.out));

    CliRun.Run show = bg("key", "show", "bg1-key", "--json");
    assertTrue(show.out().contains("\"verdict\" : \"registered\"") && show.out().contains("\"signCount\" : 3"),
        show.out());
    CliRun.Run verified = bg("ledger", "verify");
    assertEquals(0, verified.code(), verified.err());
    assertEquals(List.of(), chromium.consoleErrors());
  }

  @Test
  void verify_withAnotherKey_failsAndRecordsNothing() throws Exception {
    org.openqa.selenium.virtualauthenticator.VirtualAuthenticator registered = chromium.addSecurityKey(true);
    Ceremony register = new Ceremony("key", "register", "bg1-key", "--by", "Alice", "--witness", "Bob");
    assertTrue(runPage(register.url).startsWith("ok:"));
    assertEquals(0, register.finish());
    String head = bg("ledger", "head").out();

    // The registered key is unplugged and another one offered: the browser finds no credential.
    ((org.openqa.selenium.virtualauthenticator.HasVirtualAuthenticator) chromium.driver())
        .removeVirtualAuthenticator(registered);
    chromium.addSecurityKey(true);
    Ceremony verify = new Ceremony("key", "verify", "bg1-key", "--by", "Alice", "--witness", "Bob");
    String page = runPage(verify.url);
    assertTrue(page.startsWith("failed: Failed. the browser reported NotAllowedError"), page);
    assertEquals(1, verify.finish());
    assertTrue(verify.err().contains("bg: error: the browser reported NotAllowedError"), verify.err());
    assertEquals(head, bg("ledger", "head").out());
  }
}
