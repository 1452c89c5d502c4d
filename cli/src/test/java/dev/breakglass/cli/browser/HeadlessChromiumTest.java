package dev.breakglass.cli.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HeadlessChromiumTest {
  @Test
  void missingChromium_failsWithTheInstallCommand() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                new HeadlessChromium(
                    Path.of("/nonexistent/chromium"), HeadlessChromium.CHROMEDRIVER));
    assertEquals(
        "chromium not found at /nonexistent/chromium: apt-get install -y chromium chromium-driver"
            + " (.ci/run does this)",
        e.getMessage());
  }
}
