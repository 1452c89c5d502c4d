package dev.breakglass.custody;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class KitConfigTest {
  private static final Path FILE = Path.of("/h/bg.conf");

  private static String error(String text) {
    CustodyException e = assertThrows(CustodyException.class, () -> KitConfig.parse(FILE, text));
    assertEquals(CustodyException.Reason.BAD_CONFIG, e.reason());
    return e.getMessage();
  }

  @Test
  void defaultFile_parsesToDefaults() throws Exception {
    assertEquals(KitConfig.DEFAULTS, KitConfig.parse(FILE, KitConfig.defaultFileText()));
  }

  @Test
  void values_areRead() throws Exception {
    KitConfig c = KitConfig.parse(FILE, "# c\n\nreview.interval-days = 90\r\nledger.busy-timeout-ms=250\n");
    assertEquals(Duration.ofDays(90), c.reviewInterval());
    assertEquals(Duration.ofMillis(250), c.busyTimeout());
  }

  @Test
  void errors_nameFileLineAndKey() {
    assertEquals("/h/bg.conf line 2: unknown key 'review.interval'; known keys: review.interval-days,"
        + " ledger.busy-timeout-ms, ca.expiry-warning-days", error("# x\nreview.interval = 9\n"));
    assertEquals("/h/bg.conf line 1: review.interval-days must be a whole number of days from 1 to 3650,"
        + " got 'six months'", error("review.interval-days = six months"));
    assertEquals("/h/bg.conf line 1: review.interval-days must be a whole number of days from 1 to 3650,"
        + " got '0'", error("review.interval-days = 0"));
    assertEquals("/h/bg.conf line 3: key 'review.interval-days' is already set on line 1",
        error("review.interval-days = 9\n\nreview.interval-days = 10"));
    assertEquals("/h/bg.conf line 1: expected 'key = value', found 'oops'", error("oops"));
  }

  @Test
  void missingFile_meansDefaults() throws Exception {
    assertEquals(KitConfig.DEFAULTS, KitConfig.load(Path.of("/nonexistent/bg.conf")));
  }
}
