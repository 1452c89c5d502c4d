package dev.breakglass.custody.fido;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/** Names of common models by AAGUID, for messages when no metadata BLOB is configured. */
final class KnownModels {
  private static final Properties NAMES = load();

  private KnownModels() {}

  static Optional<String> name(UUID aaguid) {
    return Optional.ofNullable(NAMES.getProperty(aaguid.toString()));
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = KnownModels.class.getResourceAsStream("known-aaguids.properties")) {
      if (in == null) {
        throw new IllegalStateException("known-aaguids.properties is missing from the jar");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
