package dev.breakglass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.cli.browser.HeadlessChromium;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.ObservedSignIn;
import dev.breakglass.custody.ledger.SessionRequest;
import dev.breakglass.custody.ledger.SignInVerdict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Pdf;
import org.openqa.selenium.PrintsPage;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.print.PrintOptions;

/**
 * The report {@code bg report} writes, opened from disk in headless Chromium: it renders, its
 * inline styles apply under its own Content-Security-Policy, and the browser logs no error.
 */
class ReportBrowserIT {
  static final String BG1 = "bg1@contoso.onmicrosoft.com";

  @TempDir Path tmp;
  private Path home;
  private Path report;
  private HeadlessChromium chromium;

  @BeforeEach
  void setUp() throws Exception {
    home = tmp.resolve("home");
    report = tmp.resolve("audit.html");
    CliRun cli = new CliRun(home, Clock.systemUTC());
    cli.ok("init");
    cli.ok("safe", "add", "hq-safe", "--location", "HQ");
    cli.ok("custodian", "add", "Alice", "--contact", "+44 1");
    cli.ok("custodian", "add", "Bob", "--contact", "+44 2");
    cli.ok("identity", "add", "--user", BG1);
    cli.ok("item", "add", "bg1-key", "--kind", "fido2-key", "--safe", "hq-safe", "--identity", BG1, "--seal",
        "TB-1");
    try (Ledger l = Ledger.open(home, "tester", Clock.systemUTC())) {
      long session = l.openSession(new SessionRequest(BG1, "Alice", Optional.of("Bob"),
          "lockout <script>alert(1)</script>", Optional.empty(), false, Duration.ofHours(2))).seq();
      Instant now = Instant.now();
      l.recordSignIns("vault-daemon", List.of(
          new ObservedSignIn("s1", now, BG1, SignInVerdict.EXPECTED, Optional.of(session), true,
              Map.of("ipAddress", "198.51.100.1")),
          new ObservedSignIn("s2", now, BG1, SignInVerdict.UNEXPLAINED, Optional.empty(), false,
              Map.of("ipAddress", "203.0.113.66", "city", "<img src=x onerror=alert(1)>"))),
          Optional.empty(), (s, e) -> List.of());
    }
    cli.ok("checkout", "bg1-key", "--by", "Alice", "--witness", "Bob", "--reason", "drill", "--seal", "TB-1");
    cli.ok("report", "--html", report.toString());
    chromium = new HeadlessChromium();
  }

  @AfterEach
  void tearDown() {
    if (chromium != null) {
      chromium.close();
    }
  }

  @Test
  void report_rendersInChromiumWithoutConsoleErrors() {
    chromium.driver().get(report.toUri().toString());
    assertTrue(chromium.driver().getTitle().startsWith("BreakGlass Kit audit report"), chromium.driver().getTitle());

    WebElement svg = chromium.driver().findElement(By.cssSelector("svg#timeline"));
    Rectangle box = svg.getRect();
    assertTrue(box.getWidth() > 300 && box.getHeight() > 100, "timeline box " + box.getWidth() + "x" + box.getHeight());

    List<WebElement> signIns = svg.findElements(By.cssSelector("circle.signin"));
    assertEquals(2, signIns.size());
    WebElement unexplained = svg.findElement(By.cssSelector("circle.signin.unexplained"));
    assertTrue(unexplained.isDisplayed());
    assertTrue(unexplained.getRect().getWidth() > 0, "the marker has a size");
    // The page's own CSS applies under its Content-Security-Policy: the marker is red, not the default black.
    assertEquals("rgb(198, 40, 40)", unexplained.getCssValue("fill"));
    assertEquals(1, svg.findElements(By.cssSelector("circle.signin.expected")).size());
    assertEquals(1, svg.findElements(By.cssSelector("rect.session")).size());
    assertEquals(1, svg.findElements(By.cssSelector("rect.checkout.out")).size());

    // Ledger text stays text: no element came out of a reason or a sign-in's city.
    assertEquals(0, chromium.driver().findElements(By.tagName("script")).size());
    assertEquals(0, chromium.driver().findElements(By.tagName("img")).size());
    assertTrue(chromium.driver().findElement(By.id("unexplained-signins")).getText()
        .contains("<img src=x onerror=alert(1)>"));
    assertTrue(chromium.driver().findElement(By.id("verify-result")).getText().startsWith("intact:"));

    Pdf pdf = ((PrintsPage) chromium.driver()).print(new PrintOptions());
    assertTrue(pdf.getContent().length() > 1000, "the page prints");
    assertEquals(List.of(), chromium.consoleErrors());
  }

  /** The check above would pass vacuously if Chromium did not report CSP violations: it does. */
  @Test
  void consoleErrors_reportWhatThePolicyBlocks() throws Exception {
    Path tampered = tmp.resolve("with-remote-image.html");
    Files.writeString(tampered, Files.readString(report, StandardCharsets.UTF_8)
        .replace("<body>", "<body><img src=\"https://example.invalid/pixel.png\" alt=\"\" />"));
    chromium.driver().get(tampered.toUri().toString());
    List<String> errors = chromium.consoleErrors();
    assertTrue(errors.stream().anyMatch(e -> e.contains("Content Security Policy")), errors.toString());
  }
}
