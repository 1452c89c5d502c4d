package dev.breakglass.cli.browser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

/**
 * Debian's headless Chromium, driven through Debian's chromedriver, for tests that need a real
 * browser (WebAuthn ceremonies against the kit's relying party).
 *
 * <p>Only the system binaries are used: Selenium Manager would otherwise try to download a driver
 * and a browser, which cannot work on the project's machines. A missing browser is a failure, not
 * a skip: CI installs it ({@code .ci/run}), so a silently skipped browser test would hide a broken
 * install step.
 *
 * <pre>{@code
 * try (HeadlessChromium chromium = new HeadlessChromium()) {
 *   chromium.addSecurityKey(true);
 *   chromium.driver().get("http://localhost:" + port + "/");
 *   ...
 *   assertEquals(List.of(), chromium.consoleErrors());
 * }
 * }</pre>
 */
public final class HeadlessChromium implements AutoCloseable {
  /** Debian's launcher script; it adds the flags from /etc/chromium.d. */
  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  /**
   * Without a selenium-devtools-vNNN jar (left out on purpose: the virtual authenticator and the
   * logs are WebDriver endpoints, not CDP) Selenium warns once per browser that it has no CDP
   * implementation for this Chromium. Held in a field because java.util.logging keeps loggers
   * weakly, which would drop the level.
   */
  private static final Logger CDP_VERSION_FINDER =
      Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

  static {
    CDP_VERSION_FINDER.setLevel(Level.SEVERE);
  }

  private static final String INSTALL_HINT =
      "apt-get install -y chromium chromium-driver (.ci/run does this)";

  private final Path userDataDir;
  private final ChromeDriver driver;

  /**
   * Starts the browser.
   *
   * @throws IllegalStateException if {@code /usr/bin/chromium} or {@code /usr/bin/chromedriver} is
   *     missing; the message says how to install them
   */
  public HeadlessChromium() {
    this(CHROMIUM, CHROMEDRIVER);
  }

  HeadlessChromium(Path chromium, Path chromedriver) {
    if (!Files.isExecutable(chromium)) {
      throw new IllegalStateException("chromium not found at " + chromium + ": " + INSTALL_HINT);
    }
    if (!Files.isExecutable(chromedriver)) {
      throw new IllegalStateException(
          "chromedriver not found at " + chromedriver + ": " + INSTALL_HINT);
    }
    // The service's executable already keeps Selenium Manager out (DriverFinder asks it first).
    // The property covers drivers built without our service; the SE_* properties are handed to
    // Selenium Manager as environment variables should anything still start it: no network,
    // no usage statistics.
    System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, chromedriver.toString());
    System.setProperty("SE_OFFLINE", "true");
    System.setProperty("SE_AVOID_STATS", "true");

    try {
      userDataDir = Files.createTempDirectory("bg-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a Chromium profile directory", e);
    }

    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments(
        "--headless=new",
        // Tests run as root in CI, where Chromium's sandbox refuses to start.
        "--no-sandbox",
        "--disable-gpu",
        // /dev/shm is small in containers; Chromium crashes when it fills.
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        "--no-default-browser-check",
        "--user-data-dir=" + userDataDir);
    LoggingPreferences logging = new LoggingPreferences();
    logging.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logging);

    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(chromedriver.toFile())
            .usingAnyFreePort()
            .build();
    try {
      driver = new ChromeDriver(service, options);
    } catch (RuntimeException e) {
      service.stop();
      deleteProfile(e);
      throw e;
    }
  }

  /** The browser; it stays usable until {@link #close()}. */
  public WebDriver driver() {
    return driver;
  }

  /**
   * Plugs in a virtual USB security key: CTAP2, no resident keys, with user verification (a PIN or
   * fingerprint) that succeeds only if {@code userVerified}, and a user who always touches it.
   */
  public VirtualAuthenticator addSecurityKey(boolean userVerified) {
    return driver.addVirtualAuthenticator(
        new VirtualAuthenticatorOptions()
            .setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2)
            .setTransport(VirtualAuthenticatorOptions.Transport.USB)
            .setHasResidentKey(false)
            .setHasUserVerification(true)
            .setIsUserVerified(userVerified)
            .setIsUserConsenting(true));
  }

  /**
   * Messages the pages logged at SEVERE (console.error, uncaught exceptions, failed loads) since
   * the previous call: chromedriver hands each entry out once.
   */
  public List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .toList();
  }

  /** Quits the browser and the driver, then deletes the profile. */
  @Override
  public void close() {
    try {
      driver.quit(); // also stops the chromedriver service it started
    } catch (RuntimeException e) {
      deleteProfile(e);
      throw e;
    }
    deleteProfile(null);
  }

  private void deleteProfile(Throwable pending) {
    try (Stream<Path> files = Files.walk(userDataDir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException e) {
      UncheckedIOException failure =
          new UncheckedIOException("cannot delete Chromium profile " + userDataDir, e);
      if (pending == null) {
        throw failure;
      }
      pending.addSuppressed(failure);
    }
  }
}
