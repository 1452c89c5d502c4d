package dev.breakglass.custody.ledger.sqlite;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.PrivateFiles;
import dev.breakglass.custody.ledger.AppCertificate;
import dev.breakglass.custody.ledger.CaRecord;
import dev.breakglass.custody.ledger.CertificateRecord;
import dev.breakglass.custody.ledger.CounterReading;
import dev.breakglass.custody.ledger.CounterVerdict;
import dev.breakglass.custody.ledger.Custodian;
import dev.breakglass.custody.ledger.CustodyWindow;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.EventDraft;
import dev.breakglass.custody.ledger.EventHash;
import dev.breakglass.custody.ledger.EventType;
import dev.breakglass.custody.ledger.FidoKey;
import dev.breakglass.custody.ledger.Head;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.ItemKind;
import dev.breakglass.custody.ledger.Json;
import dev.breakglass.custody.ledger.KeyAlarm;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.OutboxEntry;
import dev.breakglass.custody.ledger.OutboxMessage;
import dev.breakglass.custody.ledger.OutboxStats;
import dev.breakglass.custody.ledger.PasswordRecord;
import dev.breakglass.custody.ledger.Safe;
import dev.breakglass.custody.ledger.Session;
import dev.breakglass.custody.ledger.SignInRecorded;
import dev.breakglass.custody.ledger.SignInVerdict;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;
import org.sqlite.SQLiteOpenMode;

/**
 * All SQL of the ledger. One instance holds one connection; it is not thread-safe. Writes run in
 * {@code BEGIN IMMEDIATE} transactions so that two processes serialise on the write lock and the
 * second one sees what the first one wrote before it checks its rules.
 */
public final class SqliteLedgerStore implements AutoCloseable {
  /** 'BGL1': marks a SQLite file as a BreakGlass ledger. */
  static final int APPLICATION_ID = 0x42474c31;

  /** Schema migrations, in order; index i brings the schema from version i to i+1. */
  static final List<String> MIGRATIONS = List.of("schema-001.sql", "schema-002.sql", "schema-003.sql",
      "schema-004.sql", "schema-005.sql", "schema-006.sql", "schema-007.sql");

  /** The schema version this code writes. */
  public static final int SCHEMA_VERSION = MIGRATIONS.size();

  // --- SQL, all of it -------------------------------------------------------------------------
  private static final String LAST_EVENT = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1";
  private static final String INSERT_EVENT =
      "INSERT INTO events (seq, ts, type, actor, witness, item, reason, ticket, details, prev_hash, hash)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String EVENT_COLUMNS =
      "seq, ts, type, actor, witness, item, reason, ticket, details, prev_hash, hash";
  private static final String ALL_EVENTS = "SELECT " + EVENT_COLUMNS + " FROM events ORDER BY seq";
  private static final String EVENT_BY_SEQ = "SELECT " + EVENT_COLUMNS + " FROM events WHERE seq = ?";
  private static final String EVENTS_FILTERED =
      "SELECT " + EVENT_COLUMNS + " FROM events"
          + " WHERE (?1 IS NULL OR item = ?1 COLLATE NOCASE) AND (?2 IS NULL OR ts >= ?2)"
          + " ORDER BY seq";
  private static final String EVENTS_AFTER = "SELECT " + EVENT_COLUMNS + " FROM events WHERE seq > ? ORDER BY seq";
  private static final String LAST_OF_TYPE =
      "SELECT " + EVENT_COLUMNS + " FROM events WHERE type = ? ORDER BY seq DESC LIMIT 1";
  private static final String OF_TYPE = "SELECT " + EVENT_COLUMNS + " FROM events WHERE type = ? ORDER BY seq";
  private static final String COUNT_EVENTS = "SELECT COUNT(*) FROM events";
  private static final String SCHEMA =
      "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
          + " ORDER BY type, name";

  private static final String INSERT_SAFE =
      "INSERT INTO safes (name, location, two_person, added_seq) VALUES (?, ?, ?, ?)";
  private static final String INSERT_CUSTODIAN =
      "INSERT INTO custodians (name, contact, added_seq) VALUES (?, ?, ?)";
  private static final String INSERT_IDENTITY =
      "INSERT INTO identities (ref, kind, object_id, display_name, added_seq) VALUES (?, ?, ?, ?, ?)";
  private static final String INSERT_ITEM =
      "INSERT INTO items (label, kind, serial, identity, safe, seal, added_seq) VALUES (?, ?, ?, ?, ?, ?, ?)";
  private static final String ITEM_OUT =
      "UPDATE items SET holder = ?, out_since = ?, out_seq = ? WHERE label = ? AND holder IS NULL";
  private static final String ITEM_IN =
      "UPDATE items SET holder = NULL, out_since = NULL, out_seq = NULL, seal = ?"
          + " WHERE label = ? AND holder IS NOT NULL";
  private static final String ITEM_REVIEWED =
      "UPDATE items SET last_reviewed = ? WHERE label = ?";

  private static final String INSERT_CA =
      "INSERT INTO cas (serial, subject, key_type, not_before, not_after, sha256, sha1, added_seq)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String INSERT_CERTIFICATE =
      "INSERT INTO certificates (serial, ca_serial, identity, subject, key_type, not_before, not_after, sha1,"
          + " sha256, renews, issued_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String REVOKE_CERTIFICATE =
      "UPDATE certificates SET revoked_at = ?, revocation_reason = ?, revocation_code = ?"
          + " WHERE serial = ? AND revoked_at IS NULL";
  private static final String REVOKE_CA =
      "UPDATE cas SET revoked_at = ?, revocation_reason = ? WHERE serial = ? AND revoked_at IS NULL";
  private static final String CRL_ISSUED =
      "UPDATE cas SET crl_number = ? WHERE serial = ? AND crl_number = ? - 1";
  private static final String SUPERSEDE_PASSWORDS =
      "UPDATE passwords SET status = 'superseded' WHERE identity = ? COLLATE NOCASE AND status = 'current'";
  private static final String INSERT_PASSWORD =
      "INSERT INTO passwords (identity, version, length, entropy_bits, layout, share_set, verifier, status,"
          + " created_seq) VALUES (?, ?, ?, ?, ?, ?, ?, 'current', ?)";
  private static final String PASSWORD_VERIFIED =
      "UPDATE passwords SET last_verified = ? WHERE identity = ? COLLATE NOCASE AND version = ?";
  private static final String PASSWORD_SET_AT =
      "SELECT set_in_directory FROM passwords WHERE identity = ? COLLATE NOCASE AND version = ?";
  private static final String PASSWORDS =
      "SELECT identity, version, length, entropy_bits, layout, share_set, verifier, status, last_verified,"
          + " created_seq FROM passwords";
  private static final String CAS =
      "SELECT serial, subject, key_type, not_before, not_after, sha256, sha1, crl_number, revoked_at,"
          + " revocation_reason, added_seq FROM cas";
  private static final String CERTIFICATES =
      "SELECT serial, ca_serial, identity, subject, key_type, not_before, not_after, sha1, sha256, renews,"
          + " revoked_at, revocation_reason, revocation_code, issued_seq FROM certificates";

  private static final String INSERT_KEY =
      "INSERT INTO fido_keys (credential_id, owner_kind, owner, user_handle, public_key_cose, aaguid, model,"
          + " attestation_format, attestation_type, attestation_trusted, transports, sign_count, registered_seq)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String KEY_VERIFIED =
      "UPDATE fido_keys SET sign_count = ?, verified_at = ?, verified_seq = ?, baseline_seq = ?"
          + " WHERE credential_id = ?";
  private static final String KEY_ALARM = "UPDATE fido_keys SET alarms = alarms + 1 WHERE credential_id = ?";
  private static final String KEYS_LEAVE_SAFE =
      "UPDATE fido_keys SET baseline_seq = NULL WHERE owner_kind = 'item' AND owner = ?";
  private static final String INSERT_COUNTER =
      "INSERT INTO fido_counters (seq, credential_id, sign_count, verdict) VALUES (?, ?, ?, ?)";
  private static final String KEYS =
      "SELECT credential_id, owner_kind, owner, user_handle, public_key_cose, aaguid, model, attestation_format,"
          + " attestation_type, attestation_trusted, transports, sign_count, verified_at, verified_seq,"
          + " baseline_seq, alarms, registered_seq FROM fido_keys";
  private static final String INSERT_APP_CERTIFICATE =
      "INSERT INTO app_certificates (serial, identity, key_id, attached_seq) VALUES (?, ?, ?, ?)";
  private static final String DETACH_APP_CERTIFICATE =
      "UPDATE app_certificates SET detached_seq = ? WHERE serial = ? AND key_id = ? AND detached_seq IS NULL";
  private static final String APP_CERTIFICATES =
      "SELECT serial, identity, key_id, attached_seq, detached_seq FROM app_certificates";
  private static final String PASSWORD_SET =
      "UPDATE passwords SET set_in_directory = ? WHERE identity = ? COLLATE NOCASE AND version = ?";
  private static final String IDENTITY_OBJECT_ID =
      "UPDATE identities SET object_id = ? WHERE ref = ? COLLATE NOCASE AND object_id IS NULL";
  private static final String COUNTERS =
      "SELECT c.seq, e.ts, c.sign_count, c.verdict FROM fido_counters c JOIN events e ON e.seq = c.seq"
          + " WHERE c.credential_id = ? ORDER BY c.seq";
  private static final String ALARMS =
      "SELECT seq, ts, details FROM events WHERE type = 'key-alarm' ORDER BY seq";

  private static final String SAFES = "SELECT name, location, two_person FROM safes";
  private static final String CUSTODIANS = "SELECT name, contact FROM custodians";
  private static final String IDENTITIES = "SELECT kind, ref, object_id, display_name FROM identities";
  private static final String ITEMS =
      "SELECT label, kind, serial, identity, safe, seal, holder, out_since, out_seq, last_reviewed,"
          + " added_seq FROM items";

  private static final String INSERT_SESSION = "INSERT INTO sessions (seq, identity, drill, opened_by, witness,"
      + " opened_at, expected_end) VALUES (?, ?, ?, ?, ?, ?, ?)";
  private static final String CLOSE_SESSION =
      "UPDATE sessions SET closed_seq = ?, closed_at = ? WHERE seq = ? AND closed_seq IS NULL";
  private static final String SESSIONS = "SELECT s.seq, s.identity, s.drill, s.opened_by, s.witness, e.reason,"
      + " e.ticket, s.opened_at, s.expected_end, s.closed_seq, s.closed_at FROM sessions s JOIN events e"
      + " ON e.seq = s.seq";
  private static final String INSERT_SIGNIN = "INSERT INTO signins (signin_id, seq, created_at, identity, verdict,"
      + " custody_seq, succeeded) VALUES (?, ?, ?, ?, ?, ?, ?)";
  private static final String SIGNIN_SEEN = "SELECT 1 FROM signins WHERE signin_id = ?";
  private static final String SIGNINS = "SELECT signin_id, seq, created_at, identity, verdict, custody_seq,"
      + " succeeded FROM signins WHERE created_at >= ? ORDER BY created_at, signin_id";
  private static final String ITEM_MOVES = "SELECT seq, ts, type, actor, witness, item, reason, ticket, details FROM events"
      + " WHERE type IN ('item-checked-out', 'item-checked-in') ORDER BY seq";
  private static final String GET_STATE = "SELECT value FROM daemon_state WHERE name = ?";
  private static final String PUT_STATE = "INSERT INTO daemon_state (name, value) VALUES (?, ?)"
      + " ON CONFLICT (name) DO UPDATE SET value = excluded.value";
  private static final String INSERT_OUTBOX = "INSERT OR IGNORE INTO outbox (alert_id, sink, payload, created_at,"
      + " next_attempt) VALUES (?, ?, ?, ?, ?)";
  private static final String OUTBOX_COLUMNS =
      "SELECT id, alert_id, sink, payload, created_at, attempts, next_attempt, last_error, delivered_at FROM outbox";
  private static final String OUTBOX_DUE = OUTBOX_COLUMNS
      + " WHERE delivered_at IS NULL AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?";
  private static final String OUTBOX_BY_ALERT = OUTBOX_COLUMNS + " WHERE alert_id = ? ORDER BY id";
  private static final String OUTBOX_DELIVERED = "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1,"
      + " last_error = NULL WHERE id = ? AND delivered_at IS NULL";
  private static final String OUTBOX_FAILED = "UPDATE outbox SET attempts = attempts + 1, last_error = ?,"
      + " next_attempt = ? WHERE id = ? AND delivered_at IS NULL";
  private static final String OUTBOX_PENDING = "SELECT sink, COUNT(*), MIN(created_at) FROM outbox"
      + " WHERE delivered_at IS NULL GROUP BY sink ORDER BY sink";
  private static final String OUTBOX_DELIVERED_COUNT = "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NOT NULL";
  private static final String OUTBOX_PURGE = "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?";

  /** The projection tables with their sort key, compared by {@link #projectionDiff}. */
  private static final Map<String, String> PROJECTIONS = Map.ofEntries(Map.entry("safes", "name"),
      Map.entry("custodians", "name"), Map.entry("identities", "ref"), Map.entry("items", "label"),
      Map.entry("cas", "serial"), Map.entry("certificates", "serial"), Map.entry("passwords", "identity, version"),
      Map.entry("fido_keys", "credential_id"), Map.entry("fido_counters", "seq, credential_id"),
      Map.entry("app_certificates", "serial, key_id"), Map.entry("sessions", "seq"),
      Map.entry("signins", "signin_id"));

  private final Path file;
  private final Connection conn;
  private final Prepared prepared;
  private final List<String> migrations;

  private SqliteLedgerStore(Path file, Connection conn, List<String> migrations) {
    this.file = file;
    this.conn = conn;
    this.prepared = new Prepared(conn);
    this.migrations = migrations;
  }

  // --- opening ----------------------------------------------------------------------------------

  /**
   * Creates a new ledger at {@code file} and appends its first event. The ledger is built in a
   * temporary file (0600) beside it and linked into place only when complete, so that a process
   * killed during {@code init} leaves either no ledger or a whole one. Fails if {@code file} exists.
   */
  public static SqliteLedgerStore create(Path file, Duration busyTimeout, EventDraft first, Instant now)
      throws CustodyException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp;
    try {
      tmp = Files.createTempFile(dir, TEMP_PREFIX, TEMP_SUFFIX, PrivateFiles.FILE);
    } catch (IOException | UnsupportedOperationException e) {
      throw new CustodyException(Reason.IO, "cannot create a file in " + dir + ": " + e.getMessage(), e);
    }
    try {
      try (SqliteLedgerStore building = connect(tmp, busyTimeout, MIGRATIONS, false)) {
        building.write(() -> {
          building.migrate(0);
          building.append(first, now);
          return null;
        });
        building.pragma("PRAGMA journal_mode = WAL"); // persistent: every later connection uses WAL
      }
      PrivateFiles.fsync(tmp);
      try {
        Files.createLink(file, tmp); // atomic, and never replaces an existing ledger
      } catch (UnsupportedOperationException e) {
        Files.move(tmp, file); // file systems without hard links: refuses an existing target too
      }
      PrivateFiles.fsync(dir);
    } catch (FileAlreadyExistsException e) {
      throw new CustodyException(Reason.ALREADY_INITIALIZED,
          "a ledger already exists at " + file + "; nothing was changed");
    } catch (IOException e) {
      throw new CustodyException(Reason.IO, "cannot create " + file + ": " + e.getMessage(), e);
    } catch (SQLException e) {
      throw translate(file, "create", e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // a leftover temporary file is harmless; init removes old ones
      }
    }
    return open(file, busyTimeout, "bg", now, MIGRATIONS, false);
  }

  /** Name parts of the temporary file {@link #create} builds a ledger in. */
  public static final String TEMP_PREFIX = ".ledger-";

  public static final String TEMP_SUFFIX = ".db.tmp";



  /** Opens an existing ledger for reading and writing, bringing an older schema up to date. */
  public static SqliteLedgerStore open(Path file, Duration busyTimeout, String actor, Instant now)
      throws CustodyException {
    return open(file, busyTimeout, actor, now, MIGRATIONS, false);
  }

  /**
   * Opens an existing ledger read-only: nothing in the file changes, and a copy the caller cannot
   * write (an auditor's, a backup) can be read and verified. A ledger with an older schema is
   * refused, since bringing it up to date means writing.
   */
  public static SqliteLedgerStore openReadOnly(Path file, Duration busyTimeout) throws CustodyException {
    return open(file, busyTimeout, "bg", Instant.EPOCH, MIGRATIONS, true);
  }

  /** {@link #open} with a given migration list; tests use it to exercise an upgrade. */
  static SqliteLedgerStore open(Path file, Duration busyTimeout, String actor, Instant now, List<String> migrations)
      throws CustodyException {
    return open(file, busyTimeout, actor, now, migrations, false);
  }

  private static SqliteLedgerStore open(Path file, Duration busyTimeout, String actor, Instant now,
      List<String> migrations, boolean readOnly) throws CustodyException {
    if (!Files.isRegularFile(file)) {
      throw new CustodyException(Reason.NOT_INITIALIZED,
          "no ledger at " + file + ": run 'bg init' first, or point --home at an existing home");
    }
    SqliteLedgerStore store = connect(file, busyTimeout, migrations, readOnly);
    try {
      // Identity and version are read before anything could write: a foreign file stays untouched.
      int version = store.checkIdentity();
      if (version > migrations.size()) {
        throw new CustodyException(Reason.SCHEMA_TOO_NEW,
            file + " has ledger schema version " + version + ", newer than this bg supports ("
                + migrations.size() + "): upgrade bg; the ledger was not changed");
      }
      if (version < migrations.size() && readOnly) {
        throw new CustodyException(Reason.REFUSED, file + " has ledger schema version " + version
            + " and needs an upgrade to " + migrations.size() + ", which writes: run a command that"
            + " changes the ledger (e.g. 'bg custodian add') with write access first");
      }
      if (version < migrations.size()) {
        store.write(() -> {
          int from = store.userVersion(); // re-read under the write lock: another process may have migrated
          if (from < migrations.size()) {
            store.migrate(from);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("from", (long) from);
            d.put("to", (long) migrations.size());
            store.append(new EventDraft(EventType.SCHEMA_MIGRATED, Optional.of(actor), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), d), now);
          }
          return null;
        });
      }
      return store;
    } catch (CustodyException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private static SqliteLedgerStore connect(Path file, Duration busyTimeout, List<String> migrations,
      boolean readOnly) throws CustodyException {
    SQLiteConfig config = new SQLiteConfig();
    config.resetOpenMode(SQLiteOpenMode.CREATE); // never create a file behind the caller's back
    if (readOnly) {
      config.resetOpenMode(SQLiteOpenMode.READWRITE);
      config.setOpenMode(SQLiteOpenMode.READONLY);
    } else {
      config.setOpenMode(SQLiteOpenMode.READWRITE);
    }
    // No journal-mode pragma here: it would write to a file not yet known to be a ledger. Ledgers
    // are created in WAL mode, which the file itself remembers.
    // FULL: a commit that returned is on disk, even after power loss. Custody records outrank speed.
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.enforceForeignKeys(true);
    config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, busyTimeout.toMillis()));
    try {
      Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
      return new SqliteLedgerStore(file, c, migrations);
    } catch (SQLException e) {
      throw translate(file, "open", e);
    }
  }

  private void pragma(String sql) throws SQLException {
    try (Statement s = conn.createStatement()) {
      s.execute(sql);
    }
  }

  /** Returns the schema version after checking that the file is a BreakGlass ledger. */
  private int checkIdentity() throws CustodyException {
    try (Statement s = conn.createStatement()) {
      int appId;
      try (ResultSet rs = s.executeQuery("PRAGMA application_id")) {
        appId = rs.next() ? rs.getInt(1) : 0;
      }
      if (appId != APPLICATION_ID) {
        throw new CustodyException(Reason.CORRUPT, file
            + " is a SQLite database but not a BreakGlass ledger (application id " + appId
            + "); point --home at the right home, or run 'bg init' in an empty one");
      }
      return userVersion();
    } catch (SQLException e) {
      throw translate(file, "read", e);
    }
  }

  private int userVersion() throws SQLException {
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  private void migrate(int from) throws SQLException, CustodyException {
    try (Statement s = conn.createStatement()) {
      for (int v = from; v < migrations.size(); v++) {
        s.executeUpdate(resource(migrations.get(v)));
      }
      s.executeUpdate("PRAGMA application_id = " + APPLICATION_ID);
      s.executeUpdate("PRAGMA user_version = " + migrations.size());
    }
  }

  private static String resource(String name) throws CustodyException {
    try (InputStream in = SqliteLedgerStore.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new CustodyException(Reason.IO, "schema resource " + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CustodyException(Reason.IO, "cannot read schema resource " + name, e);
    }
  }

  // --- transactions -----------------------------------------------------------------------------

  /** Work done inside one write transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run() throws SQLException, CustodyException;
  }

  /**
   * Runs {@code work} in one {@code BEGIN IMMEDIATE} transaction: all of it is written, or none of
   * it (a refused rule, an error, or a killed process leaves the ledger as it was). The statements
   * are issued by hand rather than through JDBC's auto-commit switch, because sqlite-jdbc begins
   * the next transaction inside {@code commit()}: a failure there would report a committed write
   * as failed.
   */
  public <T> T write(Work<T> work) throws CustodyException {
    return transaction("BEGIN IMMEDIATE", "write", work);
  }

  /**
   * Runs read-only work in one read transaction, so that everything it reads is one consistent
   * state of the ledger even while other processes write.
   */
  public <T> T read(Work<T> work) throws CustodyException {
    return transaction("BEGIN", "read", work);
  }

  private <T> T transaction(String begin, String what, Work<T> work) throws CustodyException {
    try {
      pragma(begin);
    } catch (SQLException e) {
      throw translate(file, what, e);
    }
    T result;
    try {
      result = work.run();
    } catch (SQLException e) {
      rollbackQuietly();
      throw translate(file, what, e);
    } catch (CustodyException | RuntimeException e) {
      rollbackQuietly();
      throw e;
    }
    try {
      pragma("COMMIT");
    } catch (SQLException e) {
      rollbackQuietly(); // COMMIT failed, so nothing was written
      throw translate(file, what, e);
    }
    return result;
  }

  private void rollbackQuietly() {
    try {
      pragma("ROLLBACK");
    } catch (SQLException ignored) {
      // no transaction was open; SQLite rolls back an open one when the connection closes
    }
  }

  private static CustodyException translate(Path file, String what, SQLException e) {
    if (e instanceof SQLiteException se) {
      SQLiteErrorCode code = se.getResultCode();
      switch (code) {
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT:
        case SQLITE_CORRUPT_VTAB:
        case SQLITE_CORRUPT_SEQUENCE:
          return new CustodyException(Reason.CORRUPT, file
              + " is not a readable SQLite ledger (" + code.message
              + "): restore it from a backup; run 'bg ledger verify' on the restored copy", e);
        case SQLITE_BUSY:
        case SQLITE_BUSY_RECOVERY:
        case SQLITE_BUSY_SNAPSHOT:
        case SQLITE_LOCKED:
          return new CustodyException(Reason.BUSY, "another bg process held " + file
              + " locked for longer than the busy timeout (" + KEY_HINT + "); nothing was written, try again", e);
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_IOERR:
        case SQLITE_FULL:
          return new CustodyException(Reason.IO, "cannot " + what + " " + file + " (" + code.message
              + "): check its permissions and free disk space", e);
        default:
          break;
      }
    }
    return new CustodyException(Reason.IO, "cannot " + what + " " + file + ": " + e.getMessage(), e);
  }

  private static final String KEY_HINT = "ledger.busy-timeout-ms in bg.conf";

  // --- appending --------------------------------------------------------------------------------

  /** Appends one event and applies it to the projection; call inside {@link #write}. */
  public Event append(EventDraft draft, Instant now) throws SQLException {
    long seq = 1;
    String prev = EventHash.GENESIS;
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(LAST_EVENT)) {
      if (rs.next()) {
        seq = rs.getLong(1) + 1;
        prev = rs.getString(2);
      }
    }
    String ts = EventHash.formatTimestamp(now);
    String details = Json.write(draft.details());
    String hash = EventHash.compute(seq, ts, draft.type().wireName(), draft.actor().orElse(null),
        draft.witness().orElse(null), draft.item().orElse(null), draft.reason().orElse(null),
        draft.ticket().orElse(null), details, prev);
    Event event = new Event(seq, EventHash.parseTimestamp(ts), draft.type(), draft.actor(), draft.witness(),
        draft.item(), draft.reason(), draft.ticket(), details, prev, hash);
    insert(prepared, event, ts);
    project(prepared, event, ts);
    return event;
  }

  private static void insert(Prepared p, Event e, String ts) throws SQLException {
    PreparedStatement ps = p.get(INSERT_EVENT);
    ps.setLong(1, e.seq());
    ps.setString(2, ts);
    ps.setString(3, e.type().wireName());
    ps.setString(4, e.actor().orElse(null));
    ps.setString(5, e.witness().orElse(null));
    ps.setString(6, e.item().orElse(null));
    ps.setString(7, e.reason().orElse(null));
    ps.setString(8, e.ticket().orElse(null));
    ps.setString(9, e.details());
    ps.setString(10, e.prevHash());
    ps.setString(11, e.hash());
    ps.executeUpdate();
  }

  /**
   * Applies one event to the projection tables. The only code that writes them: used for every
   * append and, by {@link #projectionDiff}, to rebuild them from the events.
   */
  private static void project(Prepared c, Event e, String ts) throws SQLException {
    Map<String, Object> d = Json.read(e.details());
    switch (e.type()) {
      case LEDGER_CREATED, SCHEMA_MIGRATED -> {}
      case SAFE_ADDED -> update(c, INSERT_SAFE, d.get("safe"), d.get("location"),
          Boolean.TRUE.equals(d.get("twoPersonRule")) ? 1 : 0, e.seq());
      case CUSTODIAN_ADDED -> update(c, INSERT_CUSTODIAN, d.get("custodian"), d.get("contact"), e.seq());
      case IDENTITY_ADDED -> update(c, INSERT_IDENTITY, d.get("identity"), d.get("kind"), d.get("objectId"),
          d.get("displayName"), e.seq());
      case ITEM_ADDED -> update(c, INSERT_ITEM, e.item().orElse(null), d.get("kind"), d.get("serial"),
          d.get("identity"), d.get("safe"), d.get("seal"), e.seq());
      case ITEM_CHECKED_OUT -> {
        requireOne(e, update(c, ITEM_OUT, e.actor().orElse(null), ts, e.seq(), e.item().orElse(null)));
        update(c, KEYS_LEAVE_SAFE, e.item().orElse(null));
        keyVerified(c, e, ts, d, "key", false);
      }
      case ITEM_CHECKED_IN -> {
        requireOne(e, update(c, ITEM_IN, d.get("newSeal"), e.item().orElse(null)));
        keyVerified(c, e, ts, d, "key", true);
      }
      case ITEM_REVIEWED -> requireOne(e, update(c, ITEM_REVIEWED, ts, e.item().orElse(null)));
      case CA_CREATED -> update(c, INSERT_CA, d.get("serial"), d.get("subject"), d.get("keyType"),
          d.get("notBefore"), d.get("notAfter"), d.get("sha256"), d.get("sha1"), e.seq());
      case CERTIFICATE_ISSUED -> update(c, INSERT_CERTIFICATE, d.get("serial"), d.get("caSerial"),
          d.get("identity"), d.get("subject"), d.get("keyType"), d.get("notBefore"), d.get("notAfter"),
          d.get("sha1"), d.get("sha256"), d.get("renews"), e.seq());
      case CERTIFICATE_REVOKED -> requireOne(e, "ca".equals(d.get("of"))
          ? update(c, REVOKE_CA, ts, e.reason().orElse(null), d.get("serial"))
          : update(c, REVOKE_CERTIFICATE, ts, e.reason().orElse(null), d.get("code"), d.get("serial")));
      case CRL_ISSUED -> requireOne(e, update(c, CRL_ISSUED, d.get("number"), d.get("caSerial"), d.get("number")));
      case PASSWORD_CREATED -> {
        update(c, SUPERSEDE_PASSWORDS, d.get("identity"));
        update(c, INSERT_PASSWORD, d.get("identity"), d.get("version"), d.get("length"), d.get("entropyBits"),
            d.get("layout"), d.get("shareSet"), d.get("verifier"), e.seq());
      }
      case PASSWORD_VERIFIED -> {
        if (Boolean.TRUE.equals(d.get("matches"))) {
          requireOne(e, update(c, PASSWORD_VERIFIED, ts, d.get("identity"), d.get("version")));
        }
      }
      case PASSWORD_REVEALED -> {}
      case KEY_REGISTERED -> {
        update(c, INSERT_KEY, d.get("credentialId"), d.get("ownerKind"), d.get("owner"), d.get("userHandle"),
            d.get("publicKeyCose"), d.get("aaguid"), d.get("model"), d.get("attestationFormat"),
            d.get("attestationType"), Boolean.TRUE.equals(d.get("trusted")) ? 1 : 0, d.get("transports"),
            d.get("signCount"), e.seq());
        update(c, INSERT_COUNTER, e.seq(), d.get("credentialId"), d.get("signCount"), "registered");
      }
      case KEY_VERIFIED -> keyVerified(c, e, ts, d, "", Boolean.TRUE.equals(d.get("inSafe")));
      case CERTIFICATE_ATTACHED -> update(c, INSERT_APP_CERTIFICATE, d.get("serial"), d.get("identity"),
          d.get("keyId"), e.seq());
      case CERTIFICATE_DETACHED -> requireOne(e, update(c, DETACH_APP_CERTIFICATE, e.seq(), d.get("serial"),
          d.get("keyId")));
      case PASSWORD_SET -> requireOne(e, update(c, PASSWORD_SET, ts, d.get("identity"), d.get("version")));
      case IDENTITY_OBJECT_ID_SET -> requireOne(e, update(c, IDENTITY_OBJECT_ID, d.get("objectId"),
          d.get("identity")));
      case SESSION_OPENED -> update(c, INSERT_SESSION, e.seq(), d.get("identity"),
          Boolean.TRUE.equals(d.get("drill")) ? 1 : 0, e.actor().orElse(null), e.witness().orElse(null), ts,
          d.get("expectedEnd"));
      case SESSION_CLOSED -> requireOne(e, update(c, CLOSE_SESSION, e.seq(), ts, d.get("session")));
      case KIT_REVIEWED -> {}
      case SIGNIN_OBSERVED -> update(c, INSERT_SIGNIN, d.get("signInId"), e.seq(), d.get("createdDateTime"),
          d.get("identity"), d.get("verdict"), d.get("custodyEvent"), Boolean.TRUE.equals(d.get("succeeded")) ? 1 : 0);
      case KEY_ALARM -> {
        requireOne(e, update(c, KEY_ALARM, d.get("credentialId")));
        if (CounterVerdict.COUNTER_REGRESSED.wireName().equals(d.get("verdict"))) {
          // The verification was refused: only the counter seen is kept, not adopted.
          update(c, INSERT_COUNTER, e.seq(), d.get("credentialId"), d.get("presentedCount"), d.get("verdict"));
        }
      }
    }
  }

  /**
   * Applies a key verification: on its own ({@code key-verified}, fields unprefixed) or carried by
   * a check-out or check-in (fields prefixed {@code key}, absent when no key was verified).
   */
  private static void keyVerified(Prepared c, Event e, String ts, Map<String, Object> d, String prefix,
      boolean staysInSafe) throws SQLException {
    String credential = (String) d.get(field(prefix, "credentialId"));
    if (credential == null) {
      return;
    }
    Object count = d.get(field(prefix, "signCount"));
    requireOne(e, update(c, KEY_VERIFIED, count, ts, e.seq(), staysInSafe ? e.seq() : null, credential));
    update(c, INSERT_COUNTER, e.seq(), credential, count, d.get(field(prefix, "verdict")));
  }

  private static String field(String prefix, String name) {
    return prefix.isEmpty() ? name : prefix + Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  private static void requireOne(Event e, int rows) throws SQLException {
    if (rows != 1) {
      throw new SQLException("event " + e.seq() + " (" + e.type() + ") does not fit the item's state");
    }
  }

  private static int update(Prepared p, String sql, Object... args) throws SQLException {
    PreparedStatement ps = p.get(sql);
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
    return ps.executeUpdate();
  }

  /** One connection's prepared statements, reused: preparing one per event dominated long replays. */
  private static final class Prepared implements AutoCloseable {
    private final Connection conn;
    private final Map<String, PreparedStatement> bySql = new java.util.HashMap<>();

    Prepared(Connection conn) {
      this.conn = conn;
    }

    PreparedStatement get(String sql) throws SQLException {
      PreparedStatement ps = bySql.get(sql);
      if (ps == null) {
        ps = conn.prepareStatement(sql);
        bySql.put(sql, ps);
      }
      return ps;
    }

    @Override
    public void close() {
      for (PreparedStatement ps : bySql.values()) {
        try {
          ps.close();
        } catch (SQLException ignored) {
          // the connection is closing too
        }
      }
      bySql.clear();
    }
  }

  // --- reading ----------------------------------------------------------------------------------

  public Optional<Head> head() throws SQLException {
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(LAST_EVENT)) {
      return rs.next() ? Optional.of(new Head(rs.getLong(1), rs.getString(2))) : Optional.empty();
    }
  }

  public long eventCount() throws SQLException {
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(COUNT_EVENTS)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  public Optional<Event> event(long seq) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(EVENT_BY_SEQ)) {
      ps.setLong(1, seq);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(event(rs)) : Optional.empty();
      }
    }
  }

  /** Events about {@code item} (any, if absent) at or after {@code since}, oldest first. */
  public void events(Optional<String> item, Optional<Instant> since, Consumer<Event> sink) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(EVENTS_FILTERED)) {
      ps.setString(1, item.orElse(null));
      ps.setString(2, since.map(EventHash::formatTimestamp).orElse(null));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          sink.accept(event(rs));
        }
      }
    }
  }

  /** Every event after {@code seq}, oldest first. */
  public void eventsAfter(long seq, Consumer<Event> sink) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(EVENTS_AFTER)) {
      ps.setLong(1, seq);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          sink.accept(event(rs));
        }
      }
    }
  }

  /** Every event of one type, oldest first. */
  public void eventsOfType(EventType type, Consumer<Event> sink) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(OF_TYPE)) {
      ps.setString(1, type.wireName());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          sink.accept(event(rs));
        }
      }
    }
  }

  /** The newest event of one type. */
  public Optional<Event> lastOfType(EventType type) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(LAST_OF_TYPE)) {
      ps.setString(1, type.wireName());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(event(rs)) : Optional.empty();
      }
    }
  }

  private static Event event(ResultSet rs) throws SQLException {
    long seq = rs.getLong(1);
    String type = rs.getString(3);
    try {
      return new Event(seq, EventHash.parseTimestamp(rs.getString(2)),
          EventType.fromWireName(type).orElseThrow(() -> new IllegalArgumentException("unknown type '" + type + "'")),
          opt(rs, 4), opt(rs, 5), opt(rs, 6), opt(rs, 7), opt(rs, 8), rs.getString(9), rs.getString(10),
          rs.getString(11));
    } catch (IllegalArgumentException e) {
      throw new SQLException("event " + seq + " is malformed (" + e.getMessage() + "); run 'bg ledger verify'", e);
    }
  }

  private static Optional<String> opt(ResultSet rs, int column) throws SQLException {
    return Optional.ofNullable(rs.getString(column));
  }

  public List<Safe> safes(Optional<String> name) throws SQLException {
    return query(SAFES + where(name, "name") + " ORDER BY name", name,
        rs -> new Safe(rs.getString(1), rs.getString(2), rs.getInt(3) == 1));
  }

  public List<Custodian> custodians(Optional<String> name) throws SQLException {
    return query(CUSTODIANS + where(name, "name") + " ORDER BY name", name,
        rs -> new Custodian(rs.getString(1), rs.getString(2)));
  }

  public List<Identity> identities(Optional<String> ref) throws SQLException {
    return query(IDENTITIES + where(ref, "ref") + " ORDER BY ref", ref,
        rs -> new Identity(IdentityKind.fromWireName(rs.getString(1)).orElseThrow(), rs.getString(2),
            opt(rs, 3), opt(rs, 4)));
  }

  /** Password versions of one identity (all identities if absent), oldest first. */
  public List<PasswordRecord> passwords(Optional<String> identity) throws SQLException {
    return query(PASSWORDS + (identity.isPresent() ? " WHERE identity = ? COLLATE NOCASE" : "")
        + " ORDER BY identity, version", identity,
        rs -> new PasswordRecord(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getInt(4), rs.getString(5),
            opt(rs, 6), rs.getString(7), rs.getString(8).equals("current"), opt(rs, 9).map(EventHash::parseTimestamp),
            rs.getLong(10)));
  }

  /** When the directory last accepted a password version ({@code password-set}), if ever. */
  public Optional<Instant> passwordSetInDirectory(String identity, int version) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(PASSWORD_SET_AT)) {
      ps.setString(1, identity);
      ps.setInt(2, version);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? opt(rs, 1).map(EventHash::parseTimestamp) : Optional.empty();
      }
    }
  }

  public List<CaRecord> cas(Optional<String> serial) throws SQLException {
    return query(CAS + where(serial, "serial") + " ORDER BY added_seq", serial,
        rs -> new CaRecord(rs.getString(1), rs.getString(2), rs.getString(3), EventHash.parseTimestamp(rs.getString(4)),
            EventHash.parseTimestamp(rs.getString(5)), rs.getString(6), rs.getString(7), rs.getLong(8),
            opt(rs, 9).map(EventHash::parseTimestamp), opt(rs, 10), rs.getLong(11)));
  }

  public List<CertificateRecord> certificates(Optional<String> serial) throws SQLException {
    return query(CERTIFICATES + where(serial, "serial") + " ORDER BY issued_seq", serial,
        rs -> new CertificateRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getString(5), EventHash.parseTimestamp(rs.getString(6)), EventHash.parseTimestamp(rs.getString(7)),
            rs.getString(8), rs.getString(9), opt(rs, 10), opt(rs, 11).map(EventHash::parseTimestamp), opt(rs, 12),
            opt(rs, 13), rs.getLong(14)));
  }

  public List<Item> items(Optional<String> label) throws SQLException {
    return query(ITEMS + where(label, "label") + " ORDER BY label", label,
        rs -> new Item(rs.getString(1), ItemKind.fromWireName(rs.getString(2)).orElseThrow(), opt(rs, 3),
            opt(rs, 4), rs.getString(5), opt(rs, 6), rs.getString(7) != null, opt(rs, 7),
            opt(rs, 8).map(EventHash::parseTimestamp), optLong(rs, 9),
            opt(rs, 10).map(EventHash::parseTimestamp), rs.getLong(11)));
  }

  /** Registered keys, by credential id or owner (all if both absent), oldest first. */
  public List<FidoKey> keys(Optional<String> credentialId, Optional<KeyOwner> owner) throws SQLException {
    String sql = KEYS + (credentialId.isPresent() ? " WHERE credential_id = ?"
        : owner.isPresent() ? " WHERE owner_kind = ? AND owner = ?" : "") + " ORDER BY registered_seq";
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      if (credentialId.isPresent()) {
        ps.setString(1, credentialId.get());
      } else if (owner.isPresent()) {
        ps.setString(1, owner.get().kind().wireName());
        ps.setString(2, owner.get().name());
      }
      List<FidoKey> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String transports = rs.getString(11);
          out.add(new FidoKey(rs.getString(1),
              new KeyOwner(KeyOwner.Kind.fromWireName(rs.getString(2)).orElseThrow(), rs.getString(3)),
              rs.getString(4), rs.getString(5), java.util.UUID.fromString(rs.getString(6)), opt(rs, 7),
              rs.getString(8), rs.getString(9), rs.getInt(10) == 1,
              transports.isEmpty() ? List.of() : List.of(transports.split(",")), rs.getLong(12),
              opt(rs, 13).map(EventHash::parseTimestamp), optLong(rs, 14), optLong(rs, 15), rs.getInt(16),
              rs.getLong(17)));
        }
      }
      return out;
    }
  }

  /** Our certificates attached to app registrations (detached ones too), in attachment order. */
  public List<AppCertificate> appCertificates() throws SQLException {
    return query(APP_CERTIFICATES + " ORDER BY attached_seq", Optional.empty(), rs -> new AppCertificate(
        rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), optLong(rs, 5)));
  }

  /** The counters one credential reported, oldest first. */
  public List<CounterReading> counterHistory(String credentialId) throws SQLException {
    return query(COUNTERS, Optional.of(credentialId), rs -> new CounterReading(rs.getLong(1),
        EventHash.parseTimestamp(rs.getString(2)), rs.getLong(3), rs.getString(4)));
  }

  /** Every key alarm recorded, oldest first. */
  public List<KeyAlarm> keyAlarms() throws SQLException {
    List<KeyAlarm> out = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement(ALARMS); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Map<String, Object> d = Json.read(rs.getString(3));
        out.add(new KeyAlarm(rs.getLong(1), EventHash.parseTimestamp(rs.getString(2)), (String) d.get("credentialId"),
            new KeyOwner(KeyOwner.Kind.fromWireName((String) d.get("ownerKind")).orElseThrow(), (String) d.get("owner")),
            CounterVerdict.valueOf(((String) d.get("verdict")).toUpperCase(java.util.Locale.ROOT).replace('-', '_')),
            (Long) d.get("storedCount"), (Long) d.get("presentedCount"),
            Optional.ofNullable((Long) d.get("baselineEvent"))));
      }
    }
    return out;
  }

  /** Unlock sessions, oldest first; only open ones if {@code openOnly}. */
  public List<Session> sessions(boolean openOnly) throws SQLException {
    return query(SESSIONS + (openOnly ? " WHERE s.closed_seq IS NULL" : "") + " ORDER BY s.seq", Optional.empty(),
        rs -> new Session(rs.getLong(1), rs.getString(2), rs.getInt(3) == 1, rs.getString(4), opt(rs, 5),
            rs.getString(6), opt(rs, 7), EventHash.parseTimestamp(rs.getString(8)),
            EventHash.parseTimestamp(rs.getString(9)), optLong(rs, 10), opt(rs, 11).map(EventHash::parseTimestamp)));
  }

  /**
   * Every time an item that unlocks an identity was out of its safe, and every unlock session:
   * the windows custody explains a sign-in with. {@code itemIdentity} maps item labels (lower
   * case) to the identity they unlock.
   */
  public List<CustodyWindow> custodyWindows(Map<String, String> itemIdentity) throws SQLException {
    List<CustodyWindow> out = new ArrayList<>();
    Map<Long, Session> byId = new java.util.HashMap<>();
    for (Session s : sessions(false)) {
      byId.put(s.id(), s);
      List<String> people = new ArrayList<>(List.of(s.openedBy()));
      s.witness().ifPresent(people::add);
      // A session nobody closed explains sign-ins only until its expected end: one left open must
      // not turn every later sign-in into an EXPECTED one.
      Optional<Instant> end = Optional.of(s.closedAt().orElse(s.expectedEnd()));
      out.add(new CustodyWindow(s.id(), CustodyWindow.Kind.SESSION, s.identity(), s.openedAt(), end,
          s.drill(), people, s.reason(), s.ticket(), Optional.empty()));
    }
    Map<String, Integer> open = new java.util.HashMap<>(); // item → index in out of its open check-out
    try (PreparedStatement ps = conn.prepareStatement(ITEM_MOVES); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String item = rs.getString(6);
        String key = item == null ? "" : item.toLowerCase(java.util.Locale.ROOT);
        String identity = itemIdentity.get(key);
        if (identity == null) {
          continue; // the item unlocks no identity
        }
        Instant ts = EventHash.parseTimestamp(rs.getString(2));
        if (rs.getString(3).equals(EventType.ITEM_CHECKED_OUT.wireName())) {
          List<String> people = new ArrayList<>();
          opt(rs, 4).ifPresent(people::add);
          opt(rs, 5).ifPresent(people::add);
          open.put(key, out.size());
          // An item taken out for an unlock session explains sign-ins only as long as the session
          // does (until it closes, or its expected end), and as a drill if the session is one: an
          // item kept out must not turn later sign-ins, or a drill's, into EXPECTED ones.
          Object sessionId = dev.breakglass.custody.ledger.Json.read(rs.getString(9)).get("session");
          Session session = sessionId instanceof Long id ? byId.get(id) : null;
          Optional<Instant> cap = session == null ? Optional.empty()
              : Optional.of(session.closedAt().orElse(session.expectedEnd()));
          out.add(new CustodyWindow(rs.getLong(1), CustodyWindow.Kind.CHECKOUT, identity, ts, cap,
              session != null && session.drill(), people, rs.getString(7) == null ? "" : rs.getString(7), opt(rs, 8),
              Optional.of(item)));
        } else {
          Integer i = open.remove(key);
          if (i != null) {
            CustodyWindow w = out.get(i);
            Instant end = w.to().filter(cap -> cap.isBefore(ts)).orElse(ts);
            out.set(i, new CustodyWindow(w.seq(), w.kind(), w.identity(), w.from(), Optional.of(end), w.drill(),
                w.people(), w.reason(), w.ticket(), w.item()));
          }
        }
      }
    }
    return out;
  }

  public boolean signInRecorded(String signInId) throws SQLException {
    PreparedStatement ps = prepared.get(SIGNIN_SEEN);
    ps.setString(1, signInId);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next();
    }
  }

  /** Recorded sign-ins that happened at or after {@code since}, oldest first. */
  public List<SignInRecorded> signIns(Instant since) throws SQLException {
    return query(SIGNINS, Optional.of(EventHash.formatTimestamp(since)), rs -> new SignInRecorded(rs.getString(1),
        rs.getLong(2), EventHash.parseTimestamp(rs.getString(3)), rs.getString(4),
        SignInVerdict.valueOf(rs.getString(5)), optLong(rs, 6), rs.getInt(7) == 1));
  }

  public Optional<String> daemonState(String name) throws SQLException {
    List<String> v = query(GET_STATE, Optional.of(name), rs -> rs.getString(1));
    return v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  public void putDaemonState(String name, String value) throws SQLException {
    update(prepared, PUT_STATE, name, value);
  }

  /** Adds messages to the outbox, due at once; a message already there for that alert and sink is kept. */
  public void enqueue(List<OutboxMessage> messages, Instant now) throws SQLException {
    String ts = EventHash.formatTimestamp(now);
    for (OutboxMessage m : messages) {
      update(prepared, INSERT_OUTBOX, m.alertId(), m.sink(), m.payload(), ts, ts);
    }
  }

  /** Undelivered messages due at {@code now}, the most overdue first. */
  public List<OutboxEntry> outboxDue(Instant now, int limit) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(OUTBOX_DUE)) {
      ps.setString(1, EventHash.formatTimestamp(now));
      ps.setInt(2, limit);
      return outboxRows(ps);
    }
  }

  /** Every outbox row of one alert. */
  public List<OutboxEntry> outbox(String alertId) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(OUTBOX_BY_ALERT)) {
      ps.setString(1, alertId);
      return outboxRows(ps);
    }
  }

  private static List<OutboxEntry> outboxRows(PreparedStatement ps) throws SQLException {
    List<OutboxEntry> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(new OutboxEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
            EventHash.parseTimestamp(rs.getString(5)), rs.getInt(6), EventHash.parseTimestamp(rs.getString(7)),
            opt(rs, 8), opt(rs, 9).map(EventHash::parseTimestamp)));
      }
    }
    return out;
  }

  public boolean outboxDelivered(long id, Instant at) throws SQLException {
    return update(prepared, OUTBOX_DELIVERED, EventHash.formatTimestamp(at), id) == 1;
  }

  public boolean outboxFailed(long id, String error, Instant nextAttempt) throws SQLException {
    return update(prepared, OUTBOX_FAILED, error, EventHash.formatTimestamp(nextAttempt), id) == 1;
  }

  /** Removes delivered messages delivered before {@code before}; returns how many. */
  public int purgeDelivered(Instant before) throws SQLException {
    return update(prepared, OUTBOX_PURGE, EventHash.formatTimestamp(before));
  }

  public OutboxStats outboxStats() throws SQLException {
    Map<String, Long> pending = new LinkedHashMap<>();
    Optional<Instant> oldest = Optional.empty();
    try (PreparedStatement ps = conn.prepareStatement(OUTBOX_PENDING); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        pending.put(rs.getString(1), rs.getLong(2));
        Instant t = EventHash.parseTimestamp(rs.getString(3));
        if (oldest.isEmpty() || t.isBefore(oldest.get())) {
          oldest = Optional.of(t);
        }
      }
    }
    long delivered;
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(OUTBOX_DELIVERED_COUNT)) {
      rs.next();
      delivered = rs.getLong(1);
    }
    return new OutboxStats(pending, oldest, delivered);
  }

  private static Optional<Long> optLong(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? Optional.empty() : Optional.of(v);
  }

  private static String where(Optional<String> key, String column) {
    return key.isPresent() ? " WHERE " + column + " = ?" : "";
  }

  private interface Row<T> {
    T map(ResultSet rs) throws SQLException;
  }

  private <T> List<T> query(String sql, Optional<String> key, Row<T> row) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      if (key.isPresent()) {
        ps.setString(1, key.get());
      }
      List<T> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(row.map(rs));
        }
      }
      return out;
    }
  }

  // --- verification -----------------------------------------------------------------------------

  /** The stored columns of one event, exactly as written, for re-hashing. */
  public record RawEvent(long seq, String ts, String type, String actor, String witness, String item,
      String reason, String ticket, String details, String prevHash, String hash) {
    public String recomputedHash() {
      return EventHash.compute(seq, ts, type, actor, witness, item, reason, ticket, details, prevHash);
    }
  }

  /**
   * Streams every row of the events table as stored, in sequence order, without interpreting any
   * field: whatever rows exist, including ones no append would write (sequence 0 or below).
   */
  public void rawEvents(Consumer<RawEvent> sink) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(ALL_EVENTS); ResultSet rs = ps.executeQuery()) {
      {
        while (rs.next()) {
          sink.accept(new RawEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
              rs.getString(10), rs.getString(11)));
        }
      }
    }
  }

  /**
   * Builds the schema and the projection afresh in a private in-memory database, from the
   * migrations and the events, and compares both with the stored ones: the schema object by object
   * (a dropped append-only trigger, an added one), then the inventory table by table. Returns the
   * first difference, if any. Call only on a chain that verified: the rebuild trusts the events.
   */
  public Optional<String> projectionDiff() throws SQLException, CustodyException {
    try (Connection mem = new SQLiteConfig().createConnection("jdbc:sqlite::memory:");
        Prepared memPrepared = new Prepared(mem)) {
      try (Statement s = mem.createStatement()) {
        for (String m : migrations) {
          s.executeUpdate(resource(m));
        }
      }
      List<List<Object>> schema = rows(conn, SCHEMA);
      List<List<Object>> expected = rows(mem, SCHEMA);
      if (!schema.equals(expected)) {
        return Optional.of(schemaDifference(schema, expected));
      }
      mem.setAutoCommit(false);
      List<String> failure = new ArrayList<>();
      try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(ALL_EVENTS)) {
        while (rs.next() && failure.isEmpty()) {
          Event e = event(rs);
          try {
            // Only the projection is rebuilt: the chain itself was checked event by event already,
            // and the in-memory copy does not enforce foreign keys to the events it lacks.
            project(memPrepared, e, rs.getString(2));
          } catch (SQLException | IllegalArgumentException ex) {
            failure.add("event " + e.seq() + " (" + e.type() + ") cannot be applied: " + ex.getMessage());
          }
        }
      }
      mem.commit();
      if (!failure.isEmpty()) {
        return Optional.of(failure.get(0));
      }
      for (Map.Entry<String, String> t : new java.util.TreeMap<>(PROJECTIONS).entrySet()) {
        String sql = "SELECT * FROM " + t.getKey() + " ORDER BY " + t.getValue();
        List<List<Object>> stored = rows(conn, sql);
        List<List<Object>> rebuilt = rows(mem, sql);
        if (!stored.equals(rebuilt)) {
          return Optional.of(describe(t.getKey(), stored, rebuilt));
        }
      }
      return Optional.empty();
    }
  }

  private static List<List<Object>> rows(Connection c, String sql) throws SQLException {
    List<List<Object>> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<Object> row = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
          row.add(rs.getObject(i));
        }
        out.add(row);
      }
    }
    return out;
  }

  private static String schemaDifference(List<List<Object>> actual, List<List<Object>> expected) {
    for (List<Object> e : expected) {
      if (!actual.contains(e)) {
        return "the schema was altered: " + e.get(0) + " '" + e.get(1) + "' is missing or changed";
      }
    }
    for (List<Object> a : actual) {
      if (!expected.contains(a)) {
        return "the schema was altered: " + a.get(0) + " '" + a.get(1) + "' does not belong to a ledger";
      }
    }
    return "the schema was altered";
  }

  private static String describe(String table, List<List<Object>> stored, List<List<Object>> rebuilt) {
    for (int i = 0; i < Math.max(stored.size(), rebuilt.size()); i++) {
      List<Object> a = i < stored.size() ? stored.get(i) : null;
      List<Object> b = i < rebuilt.size() ? rebuilt.get(i) : null;
      if (!Objects.equals(a, b)) {
        Object key = a != null ? a.get(0) : b.get(0);
        return "table '" + table + "' does not match its events at '" + key + "': stored " + a
            + ", from the events " + b;
      }
    }
    return "table '" + table + "' does not match its events";
  }

  public Path file() {
    return file;
  }

  @Override
  public void close() {
    prepared.close();
    try {
      conn.close();
    } catch (SQLException ignored) {
      // closing releases the file; an error here leaves nothing to undo
    }
  }
}
