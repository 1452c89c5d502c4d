package dev.breakglass.cli.daemon;

import dev.breakglass.custody.PrintableText;
import dev.breakglass.daemon.Daemon;
import dev.breakglass.daemon.DaemonConfig;
import dev.breakglass.daemon.DaemonException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --config} and {@code --webhook}: where the daemon's settings and sinks come from. */
public final class DaemonOptions {
  @Option(names = "--config", paramLabel = "FILE",
      description = "The daemon's config file (default: daemon.conf in the home, if it exists).")
  Path config;

  @Option(names = "--webhook", paramLabel = "URL",
      description = "Also send every alert as JSON to URL (https; http only to loopback). Repeatable.")
  List<URI> webhooks = new ArrayList<>();

  /** The config file named, or the home's default one. */
  FileConfig configs(Path home) throws DaemonException {
    return new FileConfig(config != null ? config : home.resolve(DaemonConfig.FILE_NAME), config != null,
        List.copyOf(webhooks));
  }

  /** The daemon's config from a file, re-read when the file's time or size changes. */
  static final class FileConfig implements Daemon.ConfigSource {
    private final Path file;
    private final boolean required;
    private final List<URI> webhooks;
    private DaemonConfig current;
    private Optional<FileTime> modified;
    private long size;

    FileConfig(Path file, boolean required, List<URI> webhooks) throws DaemonException {
      this.file = Objects.requireNonNull(file);
      this.required = required;
      this.webhooks = webhooks;
      this.modified = stamp();
      this.size = size();
      this.current = DaemonConfig.load(file, required, webhooks);
    }

    Path file() {
      return file;
    }

    @Override
    public DaemonConfig current() {
      return current;
    }

    @Override
    public Optional<DaemonConfig> changed() throws DaemonException {
      Optional<FileTime> m = stamp();
      long s = size();
      if (m.equals(modified) && s == size) {
        return Optional.empty();
      }
      modified = m;
      size = s;
      DaemonConfig next = DaemonConfig.load(file, required, webhooks);
      current = next;
      return Optional.of(next);
    }

    private Optional<FileTime> stamp() {
      try {
        return Optional.of(Files.getLastModifiedTime(file));
      } catch (IOException e) {
        return Optional.empty();
      }
    }

    private long size() {
      try {
        return Files.size(file);
      } catch (IOException e) {
        return -1;
      }
    }
  }

  /** The daemon's log on stderr: one timestamped line each. */
  static Daemon.Log log(PrintWriter err, Clock clock) {
    return new Daemon.Log() {
      @Override
      public void info(String message) {
        line("info", message);
      }

      @Override
      public void warn(String message) {
        line("warning", message);
      }

      @Override
      public void error(String message) {
        line("error", message);
      }

      private void line(String level, String message) {
        synchronized (err) {
          err.println(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " bg daemon: " + level
              + ": " + PrintableText.replaceUnprintable(message));
          err.flush();
        }
      }
    };
  }
}
