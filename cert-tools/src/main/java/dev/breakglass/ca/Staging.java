package dev.breakglass.ca;

import dev.breakglass.ca.CaException.Reason;
import dev.breakglass.custody.PrivateFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Files of one CA operation, written first into {@code HOME/.staging/ID/} and delivered to their
 * places only once the ledger has recorded the operation.
 *
 * <p>Order: {@link #stage} each file, {@link #seal} (fsync files, then write the manifest naming
 * the targets, fsync the directory), record in the ledger, {@link #deliver} (hard-link each file
 * to its target, never replacing one, then remove the directory). A refusal before the ledger
 * write calls {@link #discard}. A process killed in between leaves the directory, which {@link
 * #recover} finishes on the next CA command: delivered if the ledger knows the operation,
 * discarded if it does not. Nothing is ever written to a target that the ledger does not know.
 */
final class Staging {
  static final String DIR = ".staging";
  private static final String MANIFEST = "MANIFEST";
  /** An unsealed or unrecorded staging directory younger than this may belong to a running command. */
  private static final Duration ABANDONED = Duration.ofMinutes(10);

  private final Path dir;
  private final String operation;
  private final Map<String, Path> targets = new LinkedHashMap<>();

  private Staging(Path dir, String operation) {
    this.dir = dir;
    this.operation = operation;
  }

  /**
   * @param operation what the ledger will record, e.g. {@code certificate 4F3A…}; {@link #recover}
   *     asks the ledger about it
   */
  static Staging begin(Path home, String operation, String id) throws CaException {
    Path dir = home.resolve(DIR).resolve(id);
    try {
      PrivateFiles.createDirectories(dir.getParent());
      Files.createDirectory(dir, PrivateFiles.DIR);
    } catch (IOException e) {
      throw new CaException(Reason.IO, "cannot create " + dir + ": " + e.getMessage(), e);
    }
    return new Staging(dir, operation);
  }

  /** The path to write a file to, which {@link #deliver} links to {@code target}. */
  Path stage(String name, Path target) throws CaException {
    Path abs = target.toAbsolutePath().normalize();
    if (targets.containsValue(abs)) {
      throw new CaException(Reason.INVALID_ARGUMENT, abs + " would be written twice: choose another --out");
    }
    if (Files.exists(abs)) {
      throw new CaException(Reason.EXISTS, abs + " exists already; nothing was overwritten");
    }
    targets.put(name, abs);
    return dir.resolve(name);
  }

  /** Makes the staged files durable and names their targets; after this, the ledger may record. */
  void seal() throws CaException {
    try {
      for (String name : targets.keySet()) {
        fsync(dir.resolve(name));
      }
      StringBuilder m = new StringBuilder(operation).append('\n');
      targets.forEach((name, target) -> m.append(name).append('\t').append(target).append('\n'));
      try (java.io.OutputStream out = PrivateFiles.createNew(dir.resolve(MANIFEST))) {
        out.write(m.toString().getBytes(StandardCharsets.UTF_8));
      }
      fsync(dir.resolve(MANIFEST));
      fsync(dir);
    } catch (IOException e) {
      throw new CaException(Reason.IO, "cannot write " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Links every staged file to its target, then removes the staging directory. */
  void deliver() throws CaException {
    deliver(dir, targets);
  }

  /** Removes the staging directory: the operation was not recorded. */
  void discard() {
    deleteTree(dir);
  }

  private static void deliver(Path dir, Map<String, Path> targets) throws CaException {
    for (Map.Entry<String, Path> t : targets.entrySet()) {
      Path staged = dir.resolve(t.getKey());
      Path target = t.getValue();
      try {
        PrivateFiles.createDirectories(target.getParent());
        place(staged, target);
        fsync(target.getParent());
      } catch (FileAlreadyExistsException e) {
        if (!sameContent(staged, target)) {
          throw new CaException(Reason.EXISTS, "recorded in the ledger, but " + target + " appeared meanwhile"
              + " with other content; the recorded file is kept in " + staged);
        }
      } catch (IOException e) {
        throw new CaException(Reason.IO, "recorded in the ledger, but " + target + " could not be written ("
            + e.getMessage() + "); the file is kept in " + staged + " and the next 'bg ca' command retries");
      }
    }
    deleteTree(dir);
  }

  /**
   * Puts {@code staged} at {@code target} without ever replacing a file there: a hard link where
   * the file system allows one; across file systems a complete copy beside the target first, then
   * linked (or, without hard links, moved) into place, so that no reader sees half a file.
   */
  private static void place(Path staged, Path target) throws IOException {
    try {
      Files.createLink(target, staged);
      return;
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (IOException | UnsupportedOperationException e) {
      // another file system (EXDEV), or no hard links at all: copy below
    }
    Path tmp = target.resolveSibling("." + target.getFileName() + ".part");
    Files.deleteIfExists(tmp);
    try (FileChannel out = FileChannel.open(tmp, java.util.EnumSet.of(StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE), PrivateFiles.FILE);
        FileChannel in = FileChannel.open(staged, StandardOpenOption.READ)) {
      in.transferTo(0, in.size(), out);
      out.force(true);
    }
    try {
      try {
        Files.createLink(target, tmp);
      } catch (UnsupportedOperationException | FileSystemException e) {
        if (e instanceof FileAlreadyExistsException f) {
          throw f;
        }
        if (Files.exists(target)) {
          throw new FileAlreadyExistsException(target.toString());
        }
        Files.move(tmp, target);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** What {@link #recover} needs to know from the ledger. */
  @FunctionalInterface
  interface Recorded {
    boolean recorded(String operation) throws Exception;
  }

  /**
   * Finishes what interrupted CA commands left in {@code HOME/.staging}: delivers what the ledger
   * recorded, discards what it did not (once abandoned, so as not to race a running command).
   */
  static void recover(Path home, Recorded ledger, Instant now) throws CaException {
    Path root = home.resolve(DIR);
    if (!Files.isDirectory(root)) {
      return;
    }
    List<Path> dirs;
    try (Stream<Path> s = Files.list(root)) {
      dirs = s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new CaException(Reason.IO, "cannot read " + root + ": " + e.getMessage(), e);
    }
    for (Path dir : dirs) {
      Path manifest = dir.resolve(MANIFEST);
      boolean old = age(dir, now).compareTo(ABANDONED) > 0;
      try {
        if (!Files.exists(manifest)) {
          if (old) {
            deleteTree(dir); // never sealed, so never recorded
          }
          continue;
        }
        List<String> lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        Map<String, Path> targets = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
          int tab = line.indexOf('\t');
          targets.put(line.substring(0, tab), Path.of(line.substring(tab + 1)));
        }
        if (ledger.recorded(lines.get(0))) {
          deliver(dir, targets);
        } else if (old) {
          deleteTree(dir);
        }
      } catch (CaException e) {
        throw e;
      } catch (Exception e) {
        throw new CaException(Reason.IO, "cannot finish the interrupted CA operation in " + dir + ": "
            + e.getMessage(), e);
      }
    }
  }

  private static Duration age(Path dir, Instant now) {
    try {
      FileTime t = Files.getLastModifiedTime(dir);
      return Duration.between(t.toInstant(), now);
    } catch (IOException e) {
      return Duration.ZERO;
    }
  }

  private static boolean sameContent(Path a, Path b) {
    try {
      MessageDigest d1 = MessageDigest.getInstance("SHA-256");
      MessageDigest d2 = MessageDigest.getInstance("SHA-256");
      return Arrays.equals(d1.digest(Files.readAllBytes(a)), d2.digest(Files.readAllBytes(b)));
    } catch (IOException | NoSuchAlgorithmException e) {
      return false;
    }
  }

  static void fsync(Path p) throws IOException {
    PrivateFiles.fsync(p);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // a leftover staging directory is finished or removed by the next recovery
    }
  }

  List<Path> targets() {
    return new ArrayList<>(targets.values());
  }
}
