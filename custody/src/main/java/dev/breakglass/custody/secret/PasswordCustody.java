package dev.breakglass.custody.secret;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.PrivateFiles;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.NewPassword;
import dev.breakglass.custody.ledger.PasswordRecord;
import dev.breakglass.custody.secret.PasswordException.Reason;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Nobody-knows passwords of break-glass user accounts: generation, shares, verification,
 * rotation, and their ledger records. The password reaches only the destination the caller names
 * (share files, one 0600 file, or the caller's terminal); the ledger keeps its shape and an
 * Argon2id verifier.
 */
public final class PasswordCustody {
  private final Ledger ledger;
  private final SecureRandom random;
  private final Verifier verifier;

  public PasswordCustody(Ledger ledger, SecureRandom random, Verifier verifier) {
    this.ledger = ledger;
    this.random = random;
    this.verifier = verifier;
  }

  /**
   * Where a new password goes.
   *
   * @param shares K-of-N shares written to {@code dir}, or absent
   * @param file one 0600 file holding the password, or absent
   * @param reveal hand the password back to the caller to show once
   */
  public record Destination(Optional<Layout> shares, Optional<Path> dir, Optional<Path> file, boolean reveal) {
    public Destination {
      if (shares.isEmpty() && file.isEmpty() && !reveal) {
        throw new IllegalArgumentException("say where the password goes: --shares K-of-N, --out FILE or --reveal");
      }
      if (shares.isPresent() && dir.isEmpty()) {
        throw new IllegalArgumentException("shares need a directory (--out DIR)");
      }
    }
  }

  /** K-of-N. */
  public record Layout(int threshold, int count) {
    public Layout {
      if (threshold < 2 || count < threshold || count > 255) {
        throw new IllegalArgumentException("--shares must be K-of-N with 2 <= K <= N <= 255, got " + threshold
            + "-of-" + count);
      }
    }

    public static Layout parse(String text) {
      String[] p = text == null ? new String[0] : text.strip().split("-of-");
      try {
        return new Layout(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
      } catch (RuntimeException e) {
        if (e instanceof IllegalArgumentException iae && !(e instanceof NumberFormatException)) {
          throw iae;
        }
        throw new IllegalArgumentException("--shares '" + text + "' is not of the form K-of-N (e.g. 3-of-5)");
      }
    }
  }

  /**
   * A new version's outcome.
   *
   * @param password the password if {@code reveal} was asked, else empty; the caller wipes it
   * @param files the share or password files written
   */
  public record Created(int version, int length, int entropyBits, String layout, Optional<String> shareSet,
      List<Path> files, Optional<char[]> password, long event) {}

  /**
   * Generates a new password version for a break-glass user, writes it to its destination and
   * records it. With {@code rotate}, the identity must have a password already (which becomes
   * superseded) and {@code directory}, when present, then sets the new one in the directory.
   * Without {@code rotate}, the identity must have none.
   *
   * <p>Order, so that no password is ever lost or unrecorded: every file is written, synced and put
   * in place first. With a directory, the directory is asked to set it next: if it refuses, the files
   * are removed and nothing is recorded, so the previous version stays current in the ledger as it
   * stays in force on the account. Then the version is recorded (and, with a directory, that the
   * directory accepted it). A failure before anything was set or recorded removes the files again;
   * once the directory holds the password or the ledger records it, no file is ever removed.
   */
  public Created create(String identity, int length, Destination to, boolean rotate,
      Optional<PasswordDirectory> directory, String actor) throws PasswordException, CustodyException {
    try {
      EntraPasswords.checkLength(length);
    } catch (IllegalArgumentException e) {
      throw new PasswordException(Reason.INVALID_ARGUMENT, e.getMessage());
    }
    int version = ledger.nextPasswordVersion(identity);
    if (rotate && version == 1) {
      throw new PasswordException(Reason.REFUSED, "identity '" + identity + "' has no password to rotate:"
          + " create the first with 'bg password new'");
    }
    if (!rotate && version > 1) {
      throw new PasswordException(Reason.REFUSED, "identity '" + identity + "' has password version "
          + (version - 1) + " already: make a new one with 'bg password rotate'");
    }
    String ref = ledger.identityRef(identity);
    char[] password = EntraPasswords.generate(length, random);
    List<Path[]> staged = new ArrayList<>();
    List<Path> placed = new ArrayList<>();
    boolean recorded = false;
    boolean handedOver = false;
    try {
      String phc = verifier.create(password, random);
      Optional<String> set = Optional.empty();
      String layout = "single";
      if (to.shares().isPresent()) {
        Layout l = to.shares().get();
        List<Share> shares = Shamir.split(password, ref, version, l.threshold(), l.count(), random);
        set = Optional.of(shares.get(0).shareSet());
        layout = shares.get(0).layout();
        for (Share s : shares) {
          String base = fileSafe(s.identity()) + "-v" + version + "-share-" + s.index() + "-of-" + s.count();
          stage(staged, to.dir().get().resolve(base + ".txt"), ShareText.encode(s).getBytes(StandardCharsets.US_ASCII));
          stage(staged, to.dir().get().resolve(base + ".html"), SharePage.html(s).getBytes(StandardCharsets.UTF_8));
          java.util.Arrays.fill(s.data(), (byte) 0);
        }
      }
      if (to.file().isPresent()) {
        byte[] bytes = new byte[password.length + 1];
        for (int i = 0; i < password.length; i++) {
          bytes[i] = (byte) password[i];
        }
        bytes[password.length] = '\n';
        try {
          stage(staged, to.file().get(), bytes);
        } finally {
          java.util.Arrays.fill(bytes, (byte) 0);
        }
      }
      for (Path[] f : staged) {
        place(f[0], f[1]);
        placed.add(f[1]);
      }
      staged.clear();
      if (directory.isPresent()) {
        try {
          directory.get().setPassword(ref, password);
        } catch (Exception ex) {
          String why = ex instanceof dev.breakglass.custody.directory.DirectoryException de ? de.getMessage()
              : ex.getClass().getSimpleName();
          throw new PasswordException(Reason.DIRECTORY, "setting version " + version + " in the directory failed ("
              + why + "); nothing was recorded and its files were removed: the password in force is still the"
              + " previous one" + (version > 1 ? " (version " + (version - 1) + ")" : ""));
        }
        recorded = true; // in force on the account now: its files must stay whatever happens next
      }
      Event e;
      try {
        e = ledger.recordPassword(new NewPassword(ref, version, length, EntraPasswords.entropyBits(length),
            layout, set, phc), actor);
        recorded = true;
        if (directory.isPresent()) {
          ledger.recordPasswordSet(ref, version, "entra", actor);
        }
      } catch (CustodyException ex) {
        if (directory.isPresent()) {
          throw new CustodyException(ex.reason(), "version " + version + " IS SET on the account and its "
              + (layout.equals("single") ? "file is" : "shares are") + " in place, but the ledger could not record it ("
              + ex.getMessage() + "): keep the files; rotate again once the ledger is writable", ex);
        }
        throw ex;
      }
      handedOver = to.reveal();
      return new Created(version, length, EntraPasswords.entropyBits(length), layout, set, placed,
          to.reveal() ? Optional.of(password) : Optional.empty(), e.seq());
    } finally {
      for (Path[] f : staged) {
        deleteQuietly(f[0]);
      }
      if (!recorded) {
        for (Path f : placed) {
          deleteQuietly(f); // nothing was recorded or set: these files belong to no password
        }
      }
      if (!handedOver) {
        EntraPasswords.wipe(password);
      }
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a leftover file of an unrecorded password is 0600; nothing refers to it
    }
  }

  /**
   * Checks a password (typed, or rebuilt from shares) against the verifier of its version, and
   * records the outcome. Returns the version checked.
   */
  public PasswordRecord verify(String identity, Optional<char[]> password, List<Path> shareFiles, String actor)
      throws PasswordException, CustodyException {
    Checked c = check(identity, password, shareFiles);
    try {
      ledger.recordPasswordCheck(c.record.identity(), c.record.version(), c.matches, c.method, actor);
      if (!c.matches) {
        throw new PasswordException(Reason.MISMATCH, "the " + (shareFiles.isEmpty() ? "password given" : "password"
            + " rebuilt from the shares") + " does not match version " + c.record.version() + " of '"
            + c.record.identity() + "' (recorded as a failed verification)");
      }
      return c.record;
    } finally {
      EntraPasswords.wipe(c.password);
    }
  }

  /**
   * Rebuilds the password from shares, checks it, records that it was revealed and returns it for
   * the caller to show once; the caller wipes it. A password that does not match is not returned.
   */
  public char[] combine(String identity, List<Path> shareFiles, String reason, String actor)
      throws PasswordException, CustodyException {
    return combine(identity, shareFiles, reason, actor, Optional.empty());
  }

  /**
   * As {@link #combine(String, List, String, String)}, for an unlock session when {@code session}
   * is given: the ledger refuses unless that session is open for the identity and its quorum met.
   */
  public char[] combine(String identity, List<Path> shareFiles, String reason, String actor, Optional<Long> session)
      throws PasswordException, CustodyException {
    if (shareFiles.isEmpty()) {
      throw new PasswordException(Reason.INVALID_ARGUMENT, "give the share files with --shares FILE...");
    }
    Checked c = check(identity, Optional.empty(), shareFiles);
    if (!c.matches) {
      EntraPasswords.wipe(c.password);
      ledger.recordPasswordCheck(c.record.identity(), c.record.version(), false, c.method, actor);
      throw new PasswordException(Reason.MISMATCH, "the password rebuilt from the shares does not match version "
          + c.record.version() + " of '" + c.record.identity() + "'; it was not revealed");
    }
    try {
      ledger.recordPasswordRevealed(c.record.identity(), c.record.version(), reason, actor, session);
    } catch (CustodyException | RuntimeException e) {
      EntraPasswords.wipe(c.password);
      throw e;
    }
    return c.password;
  }

  /**
   * Checks shares against the verifier of their version without revealing anything, for the
   * identity the shares name; records the outcome. Returns the version checked.
   */
  public PasswordRecord verifyShares(List<Path> shareFiles, String actor) throws PasswordException, CustodyException {
    if (shareFiles.isEmpty()) {
      throw new PasswordException(Reason.INVALID_ARGUMENT, "give the share files");
    }
    return verify(readShare(shareFiles.get(0)).identity(), Optional.empty(), shareFiles, actor);
  }

  private record Checked(PasswordRecord record, char[] password, boolean matches, String method) {}

  private Checked check(String identity, Optional<char[]> given, List<Path> shareFiles)
      throws PasswordException, CustodyException {
    if (given.isPresent() == !shareFiles.isEmpty()) {
      throw new PasswordException(Reason.INVALID_ARGUMENT, "give either share files or the password, not both");
    }
    PasswordRecord record;
    char[] password;
    String method;
    if (given.isPresent()) {
      record = ledger.currentPassword(identity);
      password = given.get();
      method = "typed";
    } else {
      List<Share> shares = new ArrayList<>();
      for (Path p : shareFiles) {
        shares.add(readShare(p));
      }
      Share first = shares.get(0);
      if (!first.identity().equalsIgnoreCase(identity)) {
        throw new PasswordException(Reason.BAD_SHARE, p0(shareFiles) + " is a share of " + first.identity()
            + ", not of " + identity);
      }
      record = ledger.passwords(identity).stream().filter(r -> r.version() == first.version()).findFirst()
          .orElseThrow(() -> new PasswordException(Reason.BAD_SHARE, "the shares are of version " + first.version()
              + ", which the ledger does not know for " + identity));
      if (!record.current()) {
        throw new PasswordException(Reason.REFUSED, "the shares are of version " + record.version() + ", which a newer"
            + " version has superseded: they no longer hold the account's password; nothing was recorded");
      }
      if (!record.shareSet().equals(Optional.of(first.shareSet()))) {
        throw new PasswordException(Reason.BAD_SHARE, "the shares are of set " + first.shareSet() + ", but version "
            + record.version() + " was split as set " + record.shareSet().orElse("(not split)"));
      }
      try {
        password = Shamir.combine(shares);
      } catch (ShareText.BadShare e) {
        throw new PasswordException(Reason.BAD_SHARE, e.getMessage());
      }
      method = "shares";
    }
    boolean matches;
    try {
      matches = Verifier.matches(password, record.verifier());
    } catch (IllegalArgumentException e) {
      if (given.isEmpty()) {
        EntraPasswords.wipe(password);
      }
      throw new PasswordException(Reason.CORRUPT, "the recorded verifier of version " + record.version()
          + " is malformed: run 'bg ledger verify'");
    }
    return new Checked(record, password, matches, method);
  }

  private static String p0(List<Path> files) {
    return files.get(0).toString();
  }

  private static Share readShare(Path p) throws PasswordException {
    try {
      byte[] bytes = Files.readAllBytes(p);
      int from = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb
          && (bytes[2] & 0xff) == 0xbf ? 3 : 0; // a byte-order mark an editor added
      int line = 1;
      for (int i = from; i < bytes.length; i++) {
        if (bytes[i] == '\n') {
          line++;
        } else if ((bytes[i] & 0x80) != 0) {
          throw new PasswordException(Reason.BAD_SHARE, p + " line " + line + ": a character that is not plain ASCII"
              + " (a typographic dash or quote?)");
        }
      }
      return ShareText.decode(new String(bytes, from, bytes.length - from, StandardCharsets.US_ASCII), p.toString());
    } catch (NoSuchFileException e) {
      throw new PasswordException(Reason.BAD_SHARE, "share file " + p + " does not exist");
    } catch (IOException e) {
      throw new PasswordException(Reason.BAD_SHARE, "cannot read share file " + p + ": " + e.getMessage());
    } catch (ShareText.BadShare e) {
      throw new PasswordException(Reason.BAD_SHARE, e.getMessage());
    }
  }

  private void stage(List<Path[]> staged, Path target, byte[] content) throws PasswordException {
    if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new PasswordException(Reason.EXISTS, target + " exists already (or is a link); nothing was overwritten");
    }
    byte[] r = new byte[6];
    random.nextBytes(r);
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + HexFormat.of().formatHex(r));
    try {
      PrivateFiles.createDirectories(target.toAbsolutePath().getParent());
      try (OutputStream out = PrivateFiles.createNew(tmp)) {
        out.write(content);
      }
      PrivateFiles.fsync(tmp);
    } catch (IOException e) {
      throw new PasswordException(Reason.IO, "cannot write " + target + ": " + e.getMessage());
    }
    staged.add(new Path[] {tmp, target});
  }

  /** Puts a staged file in place; never replaces a file or follows a link there. */
  private static void place(Path tmp, Path target) throws PasswordException {
    try {
      try {
        Files.createLink(target, tmp);
        Files.delete(tmp);
      } catch (UnsupportedOperationException e) {
        Files.move(tmp, target); // no hard links here (FAT, SMB): still refuses an existing target
      }
      PrivateFiles.fsync(target.toAbsolutePath().getParent());
    } catch (FileAlreadyExistsException e) {
      throw new PasswordException(Reason.EXISTS, target + " appeared meanwhile; nothing was recorded");
    } catch (IOException e) {
      throw new PasswordException(Reason.IO, "cannot put " + target + " in place (" + e.getMessage()
          + "); nothing was recorded");
    }
  }

  private static String fileSafe(String s) {
    return s.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
