package dev.breakglass.entra;

import com.azure.core.credential.TokenCredential;
import com.azure.core.util.Configuration;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.DeviceCodeCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import dev.breakglass.entra.EntraSettings.Auth;
import dev.breakglass.entra.graph.TokenSource;
import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Turns the settings into a token source, loading every file now: a credential that cannot be used
 * is a CONFIG error naming the file before any request is made. azure-identity's builders get
 * {@link Configuration#NONE}, so that no AZURE_* environment variable changes what bg.conf says (the
 * managed identity is the exception: where its endpoint is, only the environment knows).
 */
final class Credentials {
  private Credentials() {}

  record Loaded(TokenSource tokens, List<String> warnings) {}

  static Loaded load(EntraSettings s, Clock clock) throws DirectoryException {
    List<String> warnings = new ArrayList<>();
    String scope = scope(s);
    Auth auth = s.auth();
    String tenant = s.tenantId().orElse("");
    String client = s.clientId().orElse("");
    TokenSource tokens;
    if (auth instanceof Auth.AccessToken a) {
      tokens = AccessTokenFile.open(a.tokenFile(), clock, warnings);
    } else if (auth instanceof Auth.Certificate c) {
      CertificateFiles.Loaded cert = CertificateFiles.load(c.file(), c.passwordFile(), clock);
      warnings.addAll(cert.warnings());
      Supplier<TokenCredential> factory = () -> {
        ClientCertificateCredentialBuilder b = new ClientCertificateCredentialBuilder().tenantId(tenant).clientId(client)
            .configuration(Configuration.NONE);
        if (cert.pfx()) {
          b.pfxCertificate(new ByteArrayInputStream(cert.bytes())).clientCertificatePassword(cert.password().orElse(""));
        } else {
          b.pemCertificate(new ByteArrayInputStream(cert.bytes()));
        }
        return b.build();
      };
      tokens = build(factory, true, scope, clock, "the certificate " + c.file() + " of client " + client + " in tenant "
          + tenant);
    } else if (auth instanceof Auth.ClientSecret c) {
      String secret = SecretFiles.text(SecretFiles.readPrivate(c.secretFile(), "client secret")).strip();
      if (secret.isEmpty()) {
        throw new DirectoryException(Reason.CONFIG, "the client secret file " + c.secretFile() + " is empty");
      }
      warnings.add("entra.auth = client-secret: anyone who copies " + c.secretFile() + " can sign in as the app;"
          + " prefer a certificate (bg ca issue) and remove the secret from the app");
      tokens = build(() -> new ClientSecretCredentialBuilder().tenantId(tenant).clientId(client).clientSecret(secret)
          .configuration(Configuration.NONE).build(), true, scope, clock,
          "the client secret in " + c.secretFile() + " of client " + client + " in tenant " + tenant);
    } else if (auth instanceof Auth.DeviceCode d) {
      tokens = build(() -> new DeviceCodeCredentialBuilder().tenantId(tenant).clientId(client)
          .challengeConsumer(info -> d.prompt().accept(info.getMessage())).configuration(Configuration.NONE).build(),
          false, scope, clock, "a device-code sign-in to client " + client + " in tenant " + tenant);
    } else {
      Supplier<TokenCredential> factory = () -> {
        ManagedIdentityCredentialBuilder b = new ManagedIdentityCredentialBuilder();
        s.clientId().ifPresent(b::clientId);
        return b.build();
      };
      tokens = build(factory, true, scope, clock, s.clientId().map(id -> "the managed identity " + id)
          .orElse("the system-assigned managed identity"));
    }
    return new Loaded(tokens, List.copyOf(warnings));
  }

  private static TokenSource build(Supplier<TokenCredential> factory, boolean rebuild, String scope, Clock clock,
      String describe) throws DirectoryException {
    try {
      return new AzureTokenSource(factory, rebuild, scope, clock, describe);
    } catch (RuntimeException e) {
      // The builders check their arguments (a tenant id with characters a URL cannot hold, …).
      throw new DirectoryException(Reason.CONFIG, "cannot set up " + describe + ": " + AzureTokenSource.firstLine(e), e);
    }
  }

  /** Graph's resource for a token: the configured host for a national cloud, the public one otherwise. */
  static String scope(EntraSettings s) {
    String url = s.graphUrl().toString();
    return (url.startsWith("https://") ? url : EntraSettings.DEFAULT_GRAPH_URL) + "/.default";
  }
}
