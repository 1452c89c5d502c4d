package dev.breakglass.cli.entra;

import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.entra.EntraConnection;
import dev.breakglass.entra.EntraSettings;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Option;

/**
 * {@code --graph-url} and {@code --access-token-file}: how a command reaches Microsoft Graph,
 * overriding {@code entra.*} in bg.conf.
 */
public final class EntraOptions {
  @Option(names = "--graph-url", paramLabel = "URL",
      description = "The Graph root (default: entra.graph-url in bg.conf, https://graph.microsoft.com).")
  URI graphUrl;

  @Option(names = "--access-token-file", paramLabel = "FILE",
      description = "Use the Graph token in FILE (0600): a raw token, or the JSON of 'az account get-access-token"
          + " --resource https://graph.microsoft.com'. Overrides entra.auth.")
  Path accessTokenFile;

  /** Signs in as bg.conf and the options say; a device-code prompt and warnings go to {@code err}. */
  public EntraConnection connect(Ledger l, Clock clock, PrintWriter err) throws DirectoryException {
    EntraSettings settings;
    if (accessTokenFile != null) {
      settings = new EntraSettings(l.config().entra().tenantId(), l.config().entra().clientId(),
          URI.create(l.config().entra().graphUrl()), new EntraSettings.Auth.AccessToken(accessTokenFile));
    } else {
      settings = EntraSettings.fromConfig(l.config().entra(), message -> {
        err.println(message);
        err.flush();
      });
    }
    if (graphUrl != null) {
      try {
        settings = settings.withGraphUrl(graphUrl);
      } catch (IllegalArgumentException e) {
        throw new DirectoryException(DirectoryException.Reason.CONFIG, "--graph-url: " + e.getMessage());
      }
    }
    EntraConnection c = EntraConnection.open(settings, clock);
    for (String w : c.warnings()) {
      err.println("bg: warning: " + w);
    }
    err.flush();
    return c;
  }
}
