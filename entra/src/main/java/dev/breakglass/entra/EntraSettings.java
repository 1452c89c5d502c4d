package dev.breakglass.entra;

import dev.breakglass.custody.KitConfig;
import dev.breakglass.custody.directory.DirectoryException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * How to reach one tenant through Microsoft Graph: who signs in, with which credential, and where
 * Graph is.
 *
 * @param tenantId the tenant's id or initial domain ({@code contoso.onmicrosoft.com}); needed by
 *     every mode that signs in as an app or a person
 * @param clientId the app registration's client id; for a managed identity, a user-assigned
 *     identity's client id (empty: the system-assigned one)
 * @param graphUrl the Graph root without a version, {@value #DEFAULT_GRAPH_URL} unless tests point it
 *     at {@code http://127.0.0.1:PORT} (plain http only for localhost)
 */
public record EntraSettings(Optional<String> tenantId, Optional<String> clientId, URI graphUrl, Auth auth) {
  public static final String DEFAULT_GRAPH_URL = "https://graph.microsoft.com";

  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  /** How the kit gets its token. */
  public sealed interface Auth {
    /**
     * An app's certificate (azure-identity {@code ClientCertificateCredential}): a PEM file with the
     * certificate and its unencrypted PKCS#8 key (mode 0600), or a PFX whose password is in {@code
     * passwordFile} (mode 0600).
     */
    record Certificate(Path file, Optional<Path> passwordFile) implements Auth {
      public Certificate {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(passwordFile, "passwordFile");
      }
    }

    /** The Azure resource's managed identity (azure-identity {@code ManagedIdentityCredential}). */
    record ManagedIdentity() implements Auth {}

    /**
     * An admin signs in on another device (azure-identity {@code DeviceCodeCredential}).
     *
     * @param prompt receives Entra ID's one-line instruction ("To sign in, use a web browser to open
     *     the page … and enter the code …"); the CLI prints it
     */
    record DeviceCode(Consumer<String> prompt) implements Auth {
      public DeviceCode {
        Objects.requireNonNull(prompt, "prompt");
      }
    }

    /** An app's client secret, read from a file (mode 0600). Accepted with a warning. */
    record ClientSecret(Path secretFile) implements Auth {
      public ClientSecret {
        Objects.requireNonNull(secretFile, "secretFile");
      }
    }

    /**
     * A token someone already holds, read from a file (mode 0600): the raw JWT, or the JSON that
     * {@code az account get-access-token --resource https://graph.microsoft.com} prints.
     */
    record AccessToken(Path tokenFile) implements Auth {
      public AccessToken {
        Objects.requireNonNull(tokenFile, "tokenFile");
      }
    }
  }

  public EntraSettings {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(auth, "auth");
    graphUrl = checkGraphUrl(Objects.requireNonNull(graphUrl, "graphUrl"));
    boolean needsApp = auth instanceof Auth.Certificate || auth instanceof Auth.ClientSecret
        || auth instanceof Auth.DeviceCode;
    if (needsApp && (tenantId.isEmpty() || clientId.isEmpty())) {
      throw new IllegalArgumentException(modeName(auth) + " sign-in needs a tenant id and a client id");
    }
  }

  /** Settings for {@code auth} against the public Graph. */
  public static EntraSettings of(String tenantId, String clientId, Auth auth) {
    return new EntraSettings(Optional.of(tenantId), Optional.of(clientId), URI.create(DEFAULT_GRAPH_URL), auth);
  }

  /** The same settings with another Graph root (tests: the local Graph test server). */
  public EntraSettings withGraphUrl(URI url) {
    return new EntraSettings(tenantId, clientId, url, auth);
  }

  /**
   * The settings of {@code bg.conf}'s {@code entra.*} keys (already checked per mode when the file
   * was read).
   *
   * @param deviceCodePrompt where a device-code sign-in's instruction goes
   * @throws DirectoryException CONFIG when {@code entra.auth} is {@code none}
   */
  public static EntraSettings fromConfig(KitConfig.Entra config, Consumer<String> deviceCodePrompt)
      throws DirectoryException {
    Auth auth = switch (config.auth()) {
      case "certificate" -> new Auth.Certificate(required(config.certificate(), "entra.certificate"),
          config.certificatePasswordFile());
      case "managed-identity" -> new Auth.ManagedIdentity();
      case "device-code" -> new Auth.DeviceCode(deviceCodePrompt);
      case "client-secret" -> new Auth.ClientSecret(required(config.clientSecretFile(), "entra.client-secret-file"));
      case "access-token" -> new Auth.AccessToken(required(config.accessTokenFile(), "entra.access-token-file"));
      case "none" -> throw new DirectoryException(DirectoryException.Reason.CONFIG,
          "no Microsoft Graph sign-in is configured: set entra.auth (and its files) in bg.conf, or give"
              + " --access-token-file FILE");
      default -> throw new DirectoryException(DirectoryException.Reason.CONFIG,
          "entra.auth '" + config.auth() + "' is not one of " + String.join(", ", KitConfig.Entra.AUTH_MODES));
    };
    try {
      return new EntraSettings(config.tenantId(), config.clientId(), URI.create(config.graphUrl()), auth);
    } catch (IllegalArgumentException e) {
      throw new DirectoryException(DirectoryException.Reason.CONFIG, e.getMessage());
    }
  }

  private static Path required(Optional<Path> p, String key) throws DirectoryException {
    return p.orElseThrow(() -> new DirectoryException(DirectoryException.Reason.CONFIG, key + " is not set in bg.conf"));
  }

  static String modeName(Auth auth) {
    if (auth instanceof Auth.Certificate) {
      return "certificate";
    } else if (auth instanceof Auth.ManagedIdentity) {
      return "managed-identity";
    } else if (auth instanceof Auth.DeviceCode) {
      return "device-code";
    } else if (auth instanceof Auth.ClientSecret) {
      return "client-secret";
    }
    return "access-token";
  }

  static URI checkGraphUrl(URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    String host = url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT);
    boolean https = scheme.equals("https") && !host.isEmpty();
    boolean loopbackHttp = scheme.equals("http") && LOOPBACK.contains(host);
    String path = url.getRawPath() == null ? "" : url.getRawPath();
    if (!(https || loopbackHttp) || !(path.isEmpty() || path.equals("/")) || url.getRawQuery() != null
        || url.getRawFragment() != null || url.getRawUserInfo() != null) {
      throw new IllegalArgumentException("the Graph URL must be an https:// root such as " + DEFAULT_GRAPH_URL
          + " (http only for localhost), got '" + url + "'");
    }
    String s = url.toString();
    return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
  }
}
