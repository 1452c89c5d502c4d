package dev.breakglass.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a passphrase from a file or the terminal: never from the command line or the environment,
 * where shell history and process listings would keep it. Callers wipe the result.
 */
public final class Secrets {
  private Secrets() {}

  /**
   * @param file a file holding the secret (one trailing newline is ignored); it must not be
   *     readable by group or others
   * @param what "CA passphrase", "PFX password"
   * @param option the option that names a file, for the error when there is no terminal
   * @param confirm ask twice on the terminal (for a new secret)
   */
  public static char[] read(Optional<Path> file, String what, String option, boolean confirm) throws UsageException {
    if (file.isPresent()) {
      return fromFile(file.get(), what);
    }
    Console console = System.console();
    if (console == null) {
      throw new UsageException("no terminal to ask for the " + what + ": give it in a file with " + option + " FILE");
    }
    char[] first = console.readPassword("%s: ", capitalised(what));
    if (first == null) {
      throw new UsageException("no " + what + " was entered");
    }
    if (confirm) {
      char[] again = console.readPassword("%s again: ", capitalised(what));
      boolean same = again != null && Arrays.equals(first, again);
      if (again != null) {
        Arrays.fill(again, '\0');
      }
      if (!same) {
        Arrays.fill(first, '\0');
        throw new UsageException("the two " + what + " entries differ; nothing was changed");
      }
    }
    return first;
  }

  private static char[] fromFile(Path file, String what) throws UsageException {
    byte[] bytes = null;
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)) {
        throw new UsageException("the " + what + " file " + file + " is readable by others: chmod 600 " + file);
      }
      bytes = Files.readAllBytes(file);
      int n = bytes.length;
      if (n > 0 && bytes[n - 1] == '\n') {
        n--;
        if (n > 0 && bytes[n - 1] == '\r') {
          n--;
        }
      }
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, 0, n));
      char[] out = new char[chars.remaining()];
      chars.get(out);
      Arrays.fill(chars.array(), '\0');
      return out;
    } catch (NoSuchFileException e) {
      throw new UsageException("the " + what + " file " + file + " does not exist");
    } catch (CharacterCodingException e) {
      throw new UsageException("the " + what + " file " + file + " is not UTF-8 text");
    } catch (IOException e) {
      throw new UsageException("cannot read the " + what + " file " + file + ": " + e.getMessage());
    } finally {
      if (bytes != null) {
        Arrays.fill(bytes, (byte) 0);
      }
    }
  }

  private static String capitalised(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
