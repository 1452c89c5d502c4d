package dev.breakglass.cli.key;

import dev.breakglass.cli.UsageException;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.KitConfig;
import dev.breakglass.custody.fido.AttestationTrust;
import dev.breakglass.custody.fido.KeyCeremonies;
import dev.breakglass.custody.fido.LoopbackCeremony;
import dev.breakglass.custody.ledger.Ledger;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --no-browser}, {@code --timeout} and {@code --port}: how a command runs its key ceremony
 * in the user's browser.
 */
public final class CeremonyOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(names = "--no-browser",
      description = "Do not open a browser: print the page's address on a line of its own and wait.")
  boolean noBrowser;

  @Option(names = "--timeout", paramLabel = "SECONDS",
      description = "How long to wait for the key (default: fido.ceremony-timeout-seconds in bg.conf, 300).")
  Integer timeoutSeconds;

  @Option(names = "--port", paramLabel = "N", defaultValue = "0",
      description = "Serve the page on this loopback port (default: any free port).")
  int port;

  /** How long to wait: --timeout, else the config's. */
  public Duration timeout(KitConfig config) throws UsageException {
    if (timeoutSeconds == null) {
      return config.fido().ceremonyTimeout();
    }
    if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
      throw new UsageException("--timeout must be from 1 to 3600 seconds, got " + timeoutSeconds);
    }
    return Duration.ofSeconds(timeoutSeconds);
  }

  /** Takes the home's ceremony lock and starts the loopback page. */
  public LoopbackCeremony open(Ledger l) throws CustodyException {
    return LoopbackCeremony.open(l.home(), port);
  }

  /** The relying party with the attestation trust the config names (read offline). */
  public KeyCeremonies keys(Ledger l, Clock clock) throws CustodyException {
    KitConfig.Fido f = l.config().fido();
    return new KeyCeremonies(l, AttestationTrust.load(f.mdsBlob(), f.mdsRoot(), f.trustRoots(), clock), clock);
  }

  /**
   * Shows where the page is: the address alone on a line of standard output (scripts and tests
   * read it), instructions on standard error, and the browser opened unless --no-browser.
   */
  public Consumer<URI> announce(Duration timeout) {
    return announce(timeout, false);
  }

  /**
   * As {@link #announce(Duration)}, with the address on standard error when {@code addressOnStderr}:
   * for a command whose standard output is one JSON document.
   */
  public Consumer<URI> announce(Duration timeout, boolean addressOnStderr) {
    PrintWriter err = mixee.commandLine().getErr();
    PrintWriter out = addressOnStderr ? err : mixee.commandLine().getOut();
    return url -> {
      Optional<String> opened = noBrowser ? Optional.empty() : openBrowser(url);
      err.println(opened.map(how -> "Opened the key page in your browser (" + how + "). If it did not appear, open:")
          .orElse("Open this address in a browser on this computer, press Start and touch the key:"));
      err.flush();
      out.println(url);
      out.flush();
      err.println("Waiting up to " + timeout.toSeconds() + " s. The page works once; Ctrl-C cancels.");
      err.flush();
    };
  }

  /** Tries the desktop's URL opener; the address is printed either way. */
  private static Optional<String> openBrowser(URI url) {
    String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
    String[] cmd = os.contains("mac") ? new String[] {"open", url.toString()}
        : os.contains("win") ? new String[] {"rundll32", "url.dll,FileProtocolHandler", url.toString()}
        : new String[] {"xdg-open", url.toString()};
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      p.getOutputStream().close();
      return Optional.of(cmd[0]);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
