package dev.breakglass.custody;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files only their owner can read, made the one way the kit makes them: created new (never over an
 * existing file or through a link), mode 0600, in directories of mode 0700, and synced to disk
 * before anything refers to them.
 */
public final class PrivateFiles {
  /** Mode 0600, for {@code Files.createFile} and friends. */
  public static final FileAttribute<Set<PosixFilePermission>> FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
  /** Mode 0700. */
  public static final FileAttribute<Set<PosixFilePermission>> DIR =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

  private PrivateFiles() {}

  /** A new 0600 file, opened once: fails if anything (a file, a link) is there already. */
  public static OutputStream createNew(Path file) throws IOException {
    try {
      return Channels.newOutputStream(Files.newByteChannel(file,
          EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), FILE));
    } catch (UnsupportedOperationException e) {
      throw new IOException("the file system cannot set file permissions", e);
    }
  }

  /** The directory and any missing parents, new ones with mode 0700. */
  public static void createDirectories(Path dir) throws IOException {
    try {
      Files.createDirectories(dir, DIR);
    } catch (UnsupportedOperationException e) {
      throw new IOException("the file system cannot set file permissions", e);
    }
  }

  /**
   * Forces a file, or a directory's entries, to disk. A file must sync; a directory is synced where
   * the file system allows it.
   */
  public static void fsync(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      if (!Files.isDirectory(p)) {
        throw e;
      }
    }
  }
}
