package dev.breakglass.entra;

import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/** Reads the credential files named in bg.conf; every failure names the file and what to do. */
final class SecretFiles {
  /** No credential file is anywhere near this; a larger one is the wrong file. */
  static final long MAX_SIZE = 1 << 20;

  private SecretFiles() {}

  /**
   * The file's bytes, refusing one that group or others may read (where the file system has POSIX
   * modes): it holds a key, a password, a secret or a token.
   */
  static byte[] readPrivate(Path file, String what) throws DirectoryException {
    checkPrivate(file, what);
    return read(file, what);
  }

  /** Refuses a file that group or others may read. */
  static void checkPrivate(Path file, String what) throws DirectoryException {
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)) {
        throw new DirectoryException(Reason.CONFIG, "the " + what + " file " + file + " is readable by others:"
            + " chmod 600 " + file);
      }
    } catch (UnsupportedOperationException noPosixModes) {
      // Not a POSIX file system: its own ACLs apply.
    } catch (NoSuchFileException e) {
      throw missing(file, what);
    } catch (IOException e) {
      throw unreadable(file, what, e);
    }
  }

  /** The file's bytes (a PFX is encrypted: its mode is not checked). */
  static byte[] read(Path file, String what) throws DirectoryException {
    try {
      if (Files.isDirectory(file)) {
        throw new DirectoryException(Reason.CONFIG, "the " + what + " file " + file + " is a directory");
      }
      if (Files.size(file) > MAX_SIZE) {
        throw new DirectoryException(Reason.CONFIG, "the " + what + " file " + file + " is larger than 1 MiB:"
            + " is it the right file?");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw missing(file, what);
    } catch (IOException e) {
      throw unreadable(file, what, e);
    }
  }

  /** Bytes as text without one trailing newline (what {@code echo} and editors add). */
  static String text(byte[] bytes) {
    int n = bytes.length;
    if (n > 0 && bytes[n - 1] == '\n') {
      n--;
      if (n > 0 && bytes[n - 1] == '\r') {
        n--;
      }
    }
    return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static DirectoryException missing(Path file, String what) {
    return new DirectoryException(Reason.CONFIG, "the " + what + " file " + file + " does not exist: check bg.conf"
        + " (entra.*) or the option that names it");
  }

  private static DirectoryException unreadable(Path file, String what, IOException e) {
    String why = e instanceof AccessDeniedException ? "permission denied" : String.valueOf(e.getMessage());
    return new DirectoryException(Reason.CONFIG, "cannot read the " + what + " file " + file + " (" + why + ")");
  }
}
