package dev.breakglass.custody.ledger;

import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.CustodyException.Reason;
import dev.breakglass.custody.KitConfig;
import dev.breakglass.custody.PrivateFiles;
import dev.breakglass.custody.ledger.sqlite.SqliteLedgerStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The custody ledger of one home directory: inventory, check-out and check-in under the custody
 * rules, and verification of the hash chain.
 *
 * <p>Every method that changes anything appends exactly one event and updates the derived
 * inventory in the same transaction, after checking its rules under the write lock; a refused
 * operation writes nothing. Not thread-safe: one instance per thread (processes may share a home).
 */
public final class Ledger implements AutoCloseable {
  public static final String LEDGER_FILE = "ledger.db";

  private final Path home;
  private final KitConfig config;
  private final SqliteLedgerStore store;
  private final Clock clock;

  private Ledger(Path home, KitConfig config, SqliteLedgerStore store, Clock clock) {
    this.home = home;
    this.config = config;
    this.store = store;
    this.clock = clock;
  }

  /**
   * Creates a home (0700) with a new ledger (0600) and a default {@code bg.conf} (0600). The home
   * must be new or empty (only what an interrupted {@code init} left behind is tolerated): a
   * directory that holds anything else is refused rather than having its mode changed.
   *
   * @param actor who initialises it (recorded in the first event)
   */
  public static Ledger init(Path home, String actor, Clock clock) throws CustodyException {
    String who = Text.check(() -> Text.required("actor", actor, 100));
    Path db = home.resolve(LEDGER_FILE);
    if (Files.exists(db)) {
      throw new CustodyException(Reason.ALREADY_INITIALIZED,
          "a ledger already exists at " + db + "; nothing was changed");
    }
    try {
      if (Files.isDirectory(home)) {
        List<String> foreign = new ArrayList<>();
        try (var entries = Files.list(home)) {
          entries.map(p -> p.getFileName().toString()).filter(n -> !leftOverByInit(n)).sorted().forEach(foreign::add);
        }
        if (!foreign.isEmpty()) {
          throw new CustodyException(Reason.REFUSED, home + " is not empty (" + String.join(", ",
              foreign.subList(0, Math.min(3, foreign.size()))) + (foreign.size() > 3 ? ", …" : "")
              + "): give --home a new or empty directory");
        }
      }
      Files.createDirectories(home);
      Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
      try (var entries = Files.list(home)) {
        for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(SqliteLedgerStore.TEMP_PREFIX))
            .toList()) {
          Files.deleteIfExists(p); // a ledger an interrupted init was still building
        }
      }
      Path conf = home.resolve(KitConfig.FILE_NAME);
      if (!Files.exists(conf)) {
        Files.createFile(conf, PrivateFiles.FILE);
        Files.writeString(conf, KitConfig.defaultFileText(), StandardCharsets.UTF_8);
      }
    } catch (IOException | UnsupportedOperationException e) {
      throw new CustodyException(Reason.IO, "cannot create the home " + home + ": " + e.getMessage(), e);
    }
    KitConfig config = KitConfig.load(home.resolve(KitConfig.FILE_NAME));
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("schema", (long) SqliteLedgerStore.SCHEMA_VERSION);
    EventDraft first = new EventDraft(EventType.LEDGER_CREATED, Optional.of(who), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), d);
    SqliteLedgerStore store = SqliteLedgerStore.create(db, config.busyTimeout(), first, clock.instant());
    return new Ledger(home, config, store, clock);
  }

  private static boolean leftOverByInit(String name) {
    return name.equals(KitConfig.FILE_NAME) || name.startsWith(SqliteLedgerStore.TEMP_PREFIX);
  }

  /** Opens the ledger of an initialised home, migrating an older schema (recorded as an event). */
  public static Ledger open(Path home, String actor, Clock clock) throws CustodyException {
    KitConfig config = configOf(home);
    SqliteLedgerStore store = SqliteLedgerStore.open(home.resolve(LEDGER_FILE), config.busyTimeout(), actor,
        clock.instant());
    return new Ledger(home, config, store, clock);
  }

  /**
   * Opens the ledger of an initialised home without writing anything to it, for commands that only
   * read (status, log, verify, export); works on a copy the caller cannot write.
   */
  public static Ledger openReadOnly(Path home, Clock clock) throws CustodyException {
    KitConfig config = configOf(home);
    SqliteLedgerStore store = SqliteLedgerStore.openReadOnly(home.resolve(LEDGER_FILE), config.busyTimeout());
    return new Ledger(home, config, store, clock);
  }

  private static KitConfig configOf(Path home) throws CustodyException {
    if (!Files.isRegularFile(home.resolve(LEDGER_FILE))) {
      throw new CustodyException(Reason.NOT_INITIALIZED,
          "no ledger in " + home + ": run 'bg init' first, or point --home at an existing home");
    }
    return KitConfig.load(home.resolve(KitConfig.FILE_NAME));
  }

  public Path home() {
    return home;
  }

  public KitConfig config() {
    return config;
  }

  // --- inventory --------------------------------------------------------------------------------

  public Event addSafe(Safe safe, String actor) throws CustodyException {
    String who = operator(actor);
    return store.write(() -> {
      if (!store.safes(Optional.of(safe.name())).isEmpty()) {
        throw duplicate("safe", safe.name(), "bg safe list");
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("safe", safe.name());
      d.put("location", safe.location());
      d.put("twoPersonRule", safe.twoPersonRule());
      return append(EventType.SAFE_ADDED, who, Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), d);
    });
  }

  public Event addCustodian(Custodian custodian, String actor) throws CustodyException {
    String who = operator(actor);
    return store.write(() -> {
      if (!store.custodians(Optional.of(custodian.name())).isEmpty()) {
        throw duplicate("custodian", custodian.name(), "bg custodian list");
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("custodian", custodian.name());
      d.put("contact", custodian.contact());
      return append(EventType.CUSTODIAN_ADDED, who, Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), d);
    });
  }

  public Event addIdentity(Identity identity, String actor) throws CustodyException {
    String who = operator(actor);
    return store.write(() -> {
      if (!store.identities(Optional.of(identity.ref())).isEmpty()) {
        throw duplicate("identity", identity.ref(), "bg identity list");
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("identity", identity.ref());
      d.put("kind", identity.kind().wireName());
      d.put("objectId", identity.objectId());
      d.put("displayName", identity.displayName());
      return append(EventType.IDENTITY_ADDED, who, Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), d);
    });
  }

  /**
   * Records the directory object id of an identity added without one (exports and Graph lookups
   * need it). An object id never changes, so a different one than recorded is refused: that is
   * another account.
   */
  public Event setIdentityObjectId(String ref, String objectId, String actor) throws CustodyException {
    String who = operator(actor);
    String r = Text.check(() -> Text.required("identity", ref, 256));
    Identity checked = Text.check(() -> new Identity(IdentityKind.USER, "x@example.org", Optional.of(objectId),
        Optional.empty()));
    String id = checked.objectId().orElseThrow();
    return store.write(() -> {
      Identity identity = identity(r);
      if (identity.objectId().isPresent()) {
        throw new CustodyException(identity.objectId().get().equalsIgnoreCase(id) ? Reason.DUPLICATE : Reason.REFUSED,
            "identity '" + identity.ref() + "' already has object id " + identity.objectId().get()
                + (identity.objectId().get().equalsIgnoreCase(id) ? "" : "; a different object id is another account:"
                    + " add that account as a new identity"));
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("identity", identity.ref());
      d.put("objectId", id);
      return append(EventType.IDENTITY_OBJECT_ID_SET, who, Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), d);
    });
  }

  public Event addItem(NewItem item, String actor) throws CustodyException {
    String who = operator(actor);
    return store.write(() -> {
      if (!store.items(Optional.of(item.label())).isEmpty()) {
        throw duplicate("item", item.label(), "bg item list");
      }
      Safe safe = safe(item.safe());
      Optional<String> identity = Optional.empty();
      if (item.identity().isPresent()) {
        identity = Optional.of(identity(item.identity().get()).ref());
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("kind", item.kind().wireName());
      d.put("serial", item.serial());
      d.put("identity", identity);
      d.put("safe", safe.name());
      d.put("seal", item.seal());
      return append(EventType.ITEM_ADDED, who, Optional.empty(), Optional.of(item.label()), Optional.empty(),
          Optional.empty(), d);
    });
  }

  // --- custody ----------------------------------------------------------------------------------

  /**
   * Checks an item out of its safe; refuses an item that is out, and anything that breaks a rule.
   * With a verified key assertion, the key is judged by its counter first: a counter that went
   * backwards records an alarm and refuses (KEY_ALARM); one that moved in the safe records an
   * alarm before the check-out.
   */
  public Event checkout(CheckoutRequest r) throws CustodyException {
    return keyed(store.write(() -> checkout0(r, false)));
  }

  /**
   * Checks every rule of {@link #checkout} but the key's (item out, people, seal) without writing,
   * so that a command can refuse before it asks anyone to touch a key.
   */
  public void checkoutAllowed(CheckoutRequest r) throws CustodyException {
    store.write(() -> checkout0(r, true));
  }

  private Keyed checkout0(CheckoutRequest r, boolean dryRun) throws SQLException, CustodyException {
    {
      Item item = findItem(r.item());
      People p = people(item, r.by(), r.witness());
      if (r.session().isPresent()) {
        SessionProgress sp = openSessionFor(item, r.session().get());
        requireSessionPerson(sp.session(), p.actor);
        if (!sp.quorumMet()) {
          throw new CustodyException(Reason.REFUSED, "the quorum of unlock session " + sp.session().id()
              + " is not met: " + String.join(" and ", sp.awaitingPresence()) + " must prove presence with their own"
              + " key first (bg unlock --session " + sp.session().id() + " asks for it)");
        }
      }
      // A dry run leaves the key alone: judging it could record an alarm.
      Optional<Judged> judged = dryRun ? Optional.empty() : judgeItemKey(item, r.key());
      if (judged.isPresent() && judged.get().refused()) {
        return judged.get().alarmOnly(this, p);
      }
      if (item.checkedOut()) {
        throw new CustodyException(Reason.REFUSED, "item '" + item.label() + "' is already checked out (by "
            + item.holder().orElse("?") + " since " + item.outSince().map(EventHash::formatTimestamp).orElse("?")
            + ", event " + item.outEvent().orElse(0L) + "); check it in first");
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("safe", item.safe());
      d.put("session", r.session());
      sealCheck(item, r.seal(), r.sealBroken(), "--seal", d);
      if (dryRun) {
        return null;
      }
      keyCheckRequired(item, r.key(), r.skipKeyCheck(), d);
      Optional<Event> alarm = raiseAlarm(judged, p);
      keyFields(judged, d);
      return new Keyed(append(EventType.ITEM_CHECKED_OUT, p.actor, p.witness, Optional.of(item.label()),
          Optional.of(r.reason()), r.ticket(), d), alarm, Optional.empty());
    }
  }

  /**
   * Puts an item back; refuses an item that is in. With a verified key assertion (judged as for
   * {@link #checkout}), the counter it reports becomes the baseline the next verification of the
   * key in its safe is compared with.
   */
  public Event checkin(CheckinRequest r) throws CustodyException {
    return keyed(store.write(() -> checkin0(r, false)));
  }

  /** Checks every rule of {@link #checkin} but the key's without writing. */
  public void checkinAllowed(CheckinRequest r) throws CustodyException {
    store.write(() -> checkin0(r, true));
  }

  private Keyed checkin0(CheckinRequest r, boolean dryRun) throws SQLException, CustodyException {
    {
      Item item = findItem(r.item());
      People p = people(item, r.by(), r.witness());
      // A dry run leaves the key alone: judging it could record an alarm.
      Optional<Judged> judged = dryRun ? Optional.empty() : judgeItemKey(item, r.key());
      if (judged.isPresent() && judged.get().refused()) {
        return judged.get().alarmOnly(this, p);
      }
      if (!item.checkedOut()) {
        throw new CustodyException(Reason.REFUSED, "item '" + item.label()
            + "' is not checked out; nothing to check in");
      }
      if (r.session().isPresent()) {
        SessionProgress sp = openSessionFor(item, r.session().get());
        if (!sp.stillOut().stream().anyMatch(i -> i.equalsIgnoreCase(item.label()))) {
          throw new CustodyException(Reason.REFUSED, "item '" + item.label() + "' was not taken out in unlock"
              + " session " + sp.session().id() + " (its check-out is event " + item.outEvent().orElse(0L)
              + "): check it in with 'bg checkin'");
        }
      }
      if (r.newSeal().isPresent() && r.newSeal().equals(item.seal())) {
        throw new CustodyException(Reason.REFUSED, "new seal '" + r.newSeal().get() + "' is the seal the item"
            + " came out of: put it in a new tamper-evident bag and give that bag's number");
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("safe", item.safe());
      d.put("heldBy", item.holder());
      d.put("checkoutEvent", item.outEvent());
      d.put("newSeal", r.newSeal());
      d.put("session", r.session());
      if (dryRun) {
        return null;
      }
      keyCheckRequired(item, r.key(), r.skipKeyCheck(), d);
      Optional<Event> alarm = raiseAlarm(judged, p);
      keyFields(judged, d);
      return new Keyed(append(EventType.ITEM_CHECKED_IN, p.actor, p.witness, Optional.of(item.label()), r.reason(),
          r.ticket(), d), alarm, Optional.empty());
    }
  }

  /**
   * An item whose key is registered moves only with its key verified, or with the reason why not
   * recorded: an unverified move would silently end the comparison of the key's counter with the
   * baseline it had in the safe.
   */
  private void keyCheckRequired(Item item, Optional<KeyAssertion> key, Optional<String> skip,
      Map<String, Object> d) throws SQLException, CustodyException {
    if (key.isPresent() || item.kind() != ItemKind.FIDO2_KEY
        || store.keys(Optional.empty(), Optional.of(KeyOwner.item(item.label()))).isEmpty()) {
      return;
    }
    if (skip.isEmpty()) {
      throw new CustodyException(Reason.REFUSED, "item '" + item.label() + "' holds a registered security key:"
          + " prove it is that key with --verify-key, or record why it cannot be checked now with"
          + " --skip-key-check REASON");
    }
    d.put("keyCheckSkipped", skip.get());
  }

  /** Records an inspection of an item in its safe, confirming its seal. */
  public Event review(ReviewRequest r) throws CustodyException {
    return store.write(() -> review0(r, false));
  }

  /**
   * Checks every rule of {@link #review} (item in its safe, people, seal) without writing, so that
   * a procedure of several steps can refuse before its first step is recorded.
   */
  public void reviewAllowed(ReviewRequest r) throws CustodyException {
    store.read(() -> review0(r, true));
  }

  private Event review0(ReviewRequest r, boolean dryRun) throws SQLException, CustodyException {
    {
      Item item = findItem(r.item());
      if (item.checkedOut()) {
        throw new CustodyException(Reason.REFUSED, "item '" + item.label() + "' is checked out (by "
            + item.holder().orElse("?") + "); review it once it is back in its safe");
      }
      People p = people(item, r.by(), r.witness());
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("safe", item.safe());
      sealCheck(item, r.seal(), r.sealBroken(), "--seal", d);
      if (dryRun) {
        return null;
      }
      return append(EventType.ITEM_REVIEWED, p.actor, p.witness, Optional.of(item.label()), r.note(),
          Optional.empty(), d);
    }
  }

  private record People(String actor, Optional<String> witness) {}

  /** Actor and witness are registered custodians, different people, and present where the safe says so. */
  private People people(Item item, String by, Optional<String> witness) throws SQLException, CustodyException {
    Safe safe = safe(item.safe());
    return people(by, witness, safe.twoPersonRule(), safe.name());
  }

  private People people(String by, Optional<String> witness, boolean twoPersonRule, String safeName)
      throws SQLException, CustodyException {
    Custodian actor = custodian(by);
    if (witness.isEmpty()) {
      if (twoPersonRule) {
        throw new CustodyException(Reason.REFUSED, "safe '" + safeName
            + "' has the two-person rule: name a second custodian with --witness");
      }
      return new People(actor.name(), Optional.empty());
    }
    Custodian w = custodian(witness.get());
    if (w.name().equalsIgnoreCase(actor.name())) {
      throw new CustodyException(Reason.REFUSED, "custodian and witness must be two different people ('"
          + actor.name() + "' was given for both)");
    }
    return new People(actor.name(), Optional.of(w.name()));
  }

  /**
   * A sealed item's seal must be confirmed by reading the bag; a refusal does not echo the number on
   * record, so that a retry is a second reading rather than a copy of the error. {@code
   * --seal-broken} records why a seal cannot be confirmed.
   */
  private static void sealCheck(Item item, Optional<String> seen, Optional<String> broken, String flag,
      Map<String, Object> d) throws CustodyException {
    Optional<String> onRecord = item.seal();
    boolean matches = seen.isPresent() && onRecord.isPresent() && seen.get().equals(onRecord.get());
    if (broken.isPresent()) {
      d.put("sealOnRecord", onRecord);
      d.put("sealSeen", seen);
      d.put("sealBroken", broken.get());
      return;
    }
    if (onRecord.isEmpty() && seen.isPresent()) {
      throw new CustodyException(Reason.REFUSED, "item '" + item.label() + "' has no seal on record but "
          + flag + " was given; record the discrepancy with --seal-broken REASON");
    }
    if (onRecord.isPresent() && seen.isEmpty()) {
      throw new CustodyException(Reason.REFUSED, "item '" + item.label() + "' is sealed: give the number on the"
          + " bag with " + flag + " N, or record why it cannot be read with --seal-broken REASON");
    }
    if (onRecord.isPresent() && !matches) {
      throw new CustodyException(Reason.REFUSED, "seal '" + seen.get() + "' does not match the seal on record"
          + " for item '" + item.label() + "': re-read the bag; if it was opened or replaced, record why with"
          + " --seal-broken REASON");
    }
    d.put("seal", onRecord);
  }

  // --- certificate authority index (written by cert-tools) ----------------------------------------

  /**
   * Records a new CA root. Refused while another CA is usable (not revoked, not expired): one
   * home has one CA in service at a time.
   */
  public Event recordCa(NewCa ca, String actor) throws CustodyException {
    String who = operator(actor);
    Instant now = clock.instant();
    return store.write(() -> {
      noCaInService(now);
      if (!store.cas(Optional.of(ca.serial())).isEmpty()) {
        throw new CustodyException(Reason.DUPLICATE, "a CA with serial " + ca.serial() + " is already recorded");
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("serial", ca.serial());
      d.put("subject", ca.subject());
      d.put("keyType", ca.keyType());
      d.put("notBefore", EventHash.formatTimestamp(ca.notBefore()));
      d.put("notAfter", EventHash.formatTimestamp(ca.notAfter()));
      d.put("sha256", ca.sha256());
      d.put("sha1", ca.sha1());
      return append(EventType.CA_CREATED, who, Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), d);
    });
  }

  /**
   * Records an issued certificate. Refused when its CA is not the one in service or is revoked or
   * expired, when the identity is not a registered app, or when a renewed serial is unknown.
   */
  public Event recordCertificate(NewCertificate c, String actor) throws CustodyException {
    String who = operator(actor);
    Instant now = clock.instant();
    return store.write(() -> {
      CaRecord ca = usableCa(now);
      if (!ca.serial().equals(c.caSerial())) {
        throw new CustodyException(Reason.REFUSED, "certificate " + c.serial() + " was signed by CA " + c.caSerial()
            + ", not by the CA in service (" + ca.serial() + ")");
      }
      Identity identity = appIdentity(c.identity());
      if (!store.certificates(Optional.of(c.serial())).isEmpty()) {
        throw new CustodyException(Reason.DUPLICATE, "a certificate with serial " + c.serial() + " is already recorded");
      }
      if (c.renews().isPresent()) {
        certificate0(c.renews().get());
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("serial", c.serial());
      d.put("caSerial", c.caSerial());
      d.put("identity", identity.ref());
      d.put("subject", c.subject());
      d.put("keyType", c.keyType());
      d.put("notBefore", EventHash.formatTimestamp(c.notBefore()));
      d.put("notAfter", EventHash.formatTimestamp(c.notAfter()));
      d.put("sha1", c.sha1());
      d.put("sha256", c.sha256());
      d.put("renews", c.renews());
      return append(EventType.CERTIFICATE_ISSUED, who, Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), d);
    });
  }

  /**
   * Records the revocation of an issued certificate, or of a CA root (which then signs nothing
   * more). Refused for an unknown serial and for one already revoked.
   *
   * @param code the RFC 5280 reason code name, e.g. {@code keyCompromise}
   */
  public Event recordRevocation(String serial, String reason, String code, String actor) throws CustodyException {
    String who = operator(actor);
    String s = Text.check(() -> Fingerprints.serial(serial));
    String why = Text.check(() -> Text.required("reason", reason, 2000));
    return store.write(() -> {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("serial", s);
      List<CertificateRecord> certs = store.certificates(Optional.of(s));
      if (!certs.isEmpty()) {
        CertificateRecord c = certs.get(0);
        if (c.revoked()) {
          throw new CustodyException(Reason.REFUSED, "certificate " + s + " was already revoked on "
              + EventHash.formatTimestamp(c.revokedAt().get()) + " (" + c.revocationReason().orElse("") + ")");
        }
        d.put("of", "certificate");
        d.put("code", code);
      } else {
        List<CaRecord> cas = store.cas(Optional.of(s));
        if (cas.isEmpty()) {
          throw new CustodyException(Reason.NOT_FOUND, "unknown serial " + s + ": see 'bg ca list'");
        }
        if (cas.get(0).revoked()) {
          throw new CustodyException(Reason.REFUSED, "CA " + s + " was already revoked on "
              + EventHash.formatTimestamp(cas.get(0).revokedAt().get()));
        }
        d.put("of", "ca");
        d.put("code", code);
      }
      return append(EventType.CERTIFICATE_REVOKED, who, Optional.empty(), Optional.empty(), Optional.of(why),
          Optional.empty(), d);
    });
  }

  /**
   * Records a CRL the CA in service signed; {@code number} must be one more than its last.
   */
  public Event recordCrl(String caSerial, long number, Instant thisUpdate, Instant nextUpdate, int entries,
      String actor) throws CustodyException {
    String who = operator(actor);
    Instant now = clock.instant();
    return store.write(() -> {
      CaRecord ca = usableCa(now);
      if (!ca.serial().equals(caSerial) || number != ca.crlNumber() + 1) {
        throw new CustodyException(Reason.REFUSED, "CRL " + number + " of CA " + caSerial + " does not follow CRL "
            + ca.crlNumber() + " of the CA in service (" + ca.serial() + "): another process signed one; try again");
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("caSerial", caSerial);
      d.put("number", number);
      d.put("thisUpdate", EventHash.formatTimestamp(thisUpdate));
      d.put("nextUpdate", EventHash.formatTimestamp(nextUpdate));
      d.put("entries", (long) entries);
      return append(EventType.CRL_ISSUED, who, Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), d);
    });
  }

  /** Refuses (REFUSED) while a CA is in service: a new one may be created only after it. */
  public void requireNoCaInService() throws CustodyException {
    Instant now = clock.instant();
    store.read(() -> {
      noCaInService(now);
      return null;
    });
  }

  /**
   * A new CA may be created when there is none in service, or when the one in service expires
   * within {@code ca.expiry-warning-days} (a rollover: its certificates stay valid until they
   * expire or are revoked).
   */
  private void noCaInService(Instant now) throws SQLException, CustodyException {
    Optional<CaRecord> current = currentCa0();
    if (current.isPresent() && current.get().usableAt(now.plus(config.expiryWarning()))) {
      throw new CustodyException(Reason.REFUSED, "a CA is already in service (serial " + current.get().serial()
          + ", valid until " + EventHash.formatTimestamp(current.get().notAfter()) + "); a new one can be made"
          + " within " + config.expiryWarning().toDays() + " days of its expiry, or after 'bg ca revoke "
          + current.get().serial() + "'");
    }
  }

  /** The registered app identity {@code ref}, or NOT_FOUND / REFUSED (a user account). */
  public Identity requireAppIdentity(String ref) throws CustodyException {
    String r = Text.check(() -> Text.required("identity", ref, 256));
    return store.read(() -> appIdentity(r));
  }

  private Identity appIdentity(String ref) throws SQLException, CustodyException {
    Identity identity = identity(ref);
    if (identity.kind() != IdentityKind.APP) {
      throw new CustodyException(Reason.REFUSED, "identity '" + identity.ref() + "' is a user account;"
          + " certificates are issued to app identities (bg identity add --app APP_ID)");
    }
    return identity;
  }

  /** The newest CA recorded, whatever its state. */
  public Optional<CaRecord> currentCa() throws CustodyException {
    return store.read(this::currentCa0);
  }

  /** The CA in service at the ledger's clock, or REFUSED/NOT_FOUND saying why there is none. */
  public CaRecord usableCa() throws CustodyException {
    Instant now = clock.instant();
    return store.read(() -> usableCa(now));
  }

  /** One CA record, if that serial is a CA's. */
  public Optional<CaRecord> ca(String serial) throws CustodyException {
    String s = Text.check(() -> Fingerprints.serial(serial));
    return store.read(() -> store.cas(Optional.of(s)).stream().findFirst());
  }

  public List<CaRecord> cas() throws CustodyException {
    return store.read(() -> store.cas(Optional.empty()));
  }

  public List<CertificateRecord> certificates() throws CustodyException {
    return store.read(() -> store.certificates(Optional.empty()));
  }

  /** One issued certificate, or NOT_FOUND naming the serial. */
  public CertificateRecord certificate(String serial) throws CustodyException {
    String s = Text.check(() -> Fingerprints.serial(serial));
    return store.read(() -> certificate0(s));
  }

  private Optional<CaRecord> currentCa0() throws SQLException {
    List<CaRecord> all = store.cas(Optional.empty());
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  private CaRecord usableCa(Instant now) throws SQLException, CustodyException {
    CaRecord ca = currentCa0().orElseThrow(() -> new CustodyException(Reason.NOT_FOUND,
        "there is no CA yet: create one with 'bg ca init --name NAME'"));
    if (ca.revoked()) {
      throw new CustodyException(Reason.REFUSED, "the CA (serial " + ca.serial() + ") was revoked on "
          + EventHash.formatTimestamp(ca.revokedAt().get()) + " (" + ca.revocationReason().orElse("")
          + "); create a new one with 'bg ca init'");
    }
    if (!now.isBefore(ca.notAfter())) {
      throw new CustodyException(Reason.REFUSED, "the CA (serial " + ca.serial() + ") expired on "
          + EventHash.formatTimestamp(ca.notAfter()) + "; create a new one with 'bg ca init'");
    }
    if (now.isBefore(ca.notBefore())) {
      throw new CustodyException(Reason.REFUSED, "the CA (serial " + ca.serial() + ") is not valid before "
          + EventHash.formatTimestamp(ca.notBefore()) + ": check this machine's clock");
    }
    return ca;
  }

  private CertificateRecord certificate0(String serial) throws SQLException, CustodyException {
    List<CertificateRecord> found = store.certificates(Optional.of(serial));
    if (found.isEmpty()) {
      throw new CustodyException(Reason.NOT_FOUND, "unknown certificate serial " + serial + ": see 'bg ca list'");
    }
    return found.get(0);
  }

  /**
   * Records that certificate {@code serial} was added to its app registration in Entra as key
   * credential {@code keyId}. Refused for an unknown, revoked or expired certificate and for one
   * already attached under that keyId.
   */
  public Event recordCertificateAttached(String serial, String keyId, String actor) throws CustodyException {
    String who = operator(actor);
    String s = Text.check(() -> Fingerprints.serial(serial));
    String key = Text.check(() -> Text.required("keyId", keyId, 100));
    Instant now = clock.instant();
    return store.write(() -> {
      CertificateRecord c = attachable(s, now);
      for (AppCertificate a : store.appCertificates()) {
        if (a.serial().equals(s) && a.keyId().equalsIgnoreCase(key) && a.attached()) {
          throw new CustodyException(Reason.DUPLICATE, "certificate " + s + " is already recorded as attached (keyId "
              + key + ", event " + a.attachedEvent() + ")");
        }
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("serial", s);
      d.put("identity", c.identity());
      d.put("keyId", key);
      d.put("sha1", c.sha1());
      return append(EventType.CERTIFICATE_ATTACHED, who, Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), d);
    });
  }

  /**
   * Checks, without writing, that certificate {@code serial} may be attached: known, not revoked,
   * not expired. Callers check before they change anything in Entra.
   */
  public CertificateRecord requireAttachable(String serial) throws CustodyException {
    String s = Text.check(() -> Fingerprints.serial(serial));
    Instant now = clock.instant();
    return store.read(() -> attachable(s, now));
  }

  private CertificateRecord attachable(String serial, Instant now) throws SQLException, CustodyException {
    CertificateRecord c = certificate0(serial);
    if (c.revoked()) {
      throw new CustodyException(Reason.REFUSED, "certificate " + serial + " was revoked: attach a valid one (bg ca issue)");
    }
    if (!now.isBefore(c.notAfter())) {
      throw new CustodyException(Reason.REFUSED, "certificate " + serial + " expired on "
          + EventHash.formatTimestamp(c.notAfter()) + ": renew it with 'bg ca renew " + serial + "'");
    }
    return c;
  }

  /** Records that an attached certificate was removed from its app registration. */
  public Event recordCertificateDetached(String serial, String keyId, String reason, String actor)
      throws CustodyException {
    String who = operator(actor);
    String s = Text.check(() -> Fingerprints.serial(serial));
    String why = Text.check(() -> Text.required("reason", reason, 2000));
    return store.write(() -> {
      CertificateRecord c = certificate0(s);
      AppCertificate a = store.appCertificates().stream()
          .filter(x -> x.serial().equals(s) && x.keyId().equalsIgnoreCase(keyId) && x.attached()).findFirst()
          .orElseThrow(() -> new CustodyException(Reason.NOT_FOUND, "certificate " + s + " is not recorded as"
              + " attached under keyId " + keyId + ": see 'bg app list'"));
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("serial", s);
      d.put("identity", c.identity());
      d.put("keyId", a.keyId());
      return append(EventType.CERTIFICATE_DETACHED, who, Optional.empty(), Optional.empty(), Optional.of(why),
          Optional.empty(), d);
    });
  }

  /** Our certificates attached to app registrations, detached ones included, oldest first. */
  public List<AppCertificate> appCertificates() throws CustodyException {
    return store.read(store::appCertificates);
  }

  // --- nobody-knows passwords (custody.secret records through these) -----------------------------

  /** The version a new password for {@code identity} gets: one more than its newest. */
  public int nextPasswordVersion(String identity) throws CustodyException {
    String ref = Text.check(() -> Text.required("identity", identity, 256));
    return store.read(() -> {
      userIdentity(ref);
      return store.passwords(Optional.of(ref)).stream().mapToInt(PasswordRecord::version).max().orElse(0) + 1;
    });
  }

  /**
   * Records a new password version; the previous current version becomes superseded. Refused
   * unless the identity is a registered user and {@code version} is the next one.
   */
  public Event recordPassword(NewPassword p, String actor) throws CustodyException {
    String who = operator(actor);
    return store.write(() -> {
      Identity identity = userIdentity(p.identity());
      int next = store.passwords(Optional.of(identity.ref())).stream().mapToInt(PasswordRecord::version).max()
          .orElse(0) + 1;
      if (p.version() != next) {
        throw new CustodyException(Reason.REFUSED, "password version " + p.version() + " of '" + identity.ref()
            + "' is not the next one (" + next + "): another command made one meanwhile; nothing was recorded");
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("identity", identity.ref());
      d.put("version", (long) p.version());
      d.put("length", (long) p.length());
      d.put("entropyBits", (long) p.entropyBits());
      d.put("layout", p.layout());
      d.put("shareSet", p.shareSet());
      d.put("verifier", p.verifier());
      return append(EventType.PASSWORD_CREATED, who, Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), d);
    });
  }

  /** Records the outcome of checking a rebuilt or typed password against a version's verifier. */
  public Event recordPasswordCheck(String identity, int version, boolean matches, String method, String actor)
      throws CustodyException {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("matches", matches);
    d.put("method", method);
    return passwordEvent(EventType.PASSWORD_VERIFIED, identity, version, Optional.empty(), d, actor);
  }

  /** Records that the directory accepted password version {@code version} of a user. */
  public Event recordPasswordSet(String identity, int version, String directory, String actor)
      throws CustodyException {
    return passwordEvent(EventType.PASSWORD_SET, identity, version, Optional.empty(), Map.of("directory", directory),
        actor);
  }

  /** Records that a password was shown on a terminal (by {@code bg password combine}). */
  public Event recordPasswordRevealed(String identity, int version, String reason, String actor)
      throws CustodyException {
    return recordPasswordRevealed(identity, version, reason, actor, Optional.empty());
  }

  /**
   * Records that a password was shown, for an unlock session when {@code session} is given: the
   * session must be open, for this identity, and its quorum met.
   */
  public Event recordPasswordRevealed(String identity, int version, String reason, String actor,
      Optional<Long> session) throws CustodyException {
    operator(actor); // the actor is checked first, as for every event
    String why = Text.check(() -> Text.required("reason", reason, 2000));
    if (session.isEmpty()) {
      return passwordEvent(EventType.PASSWORD_REVEALED, identity, version, Optional.of(why), Map.of(), actor);
    }
    return store.write(() -> {
      SessionProgress sp = progress0(session0(session.get()));
      if (!sp.session().open() || !sp.session().identity().equalsIgnoreCase(identity)) {
        throw new CustodyException(Reason.REFUSED, "unlock session " + session.get() + " is not an open session of "
            + identity);
      }
      requireSessionPerson(sp.session(), custodian(actor).name());
      if (!sp.quorumMet()) {
        throw new CustodyException(Reason.REFUSED, "the quorum of unlock session " + session.get() + " is not met: "
            + String.join(" and ", sp.awaitingPresence()) + " must prove presence first");
      }
      PasswordRecord p = password0(identity, version);
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("identity", p.identity());
      d.put("version", (long) p.version());
      d.put("session", session.get());
      return append(EventType.PASSWORD_REVEALED, operator(actor), Optional.empty(), Optional.empty(),
          Optional.of(why), Optional.empty(), d);
    });
  }

  /** One event about an existing password version: its identity and version, then {@code extra}. */
  private Event passwordEvent(EventType type, String identity, int version, Optional<String> reason,
      Map<String, Object> extra, String actor) throws CustodyException {
    String who = operator(actor);
    return store.write(() -> {
      PasswordRecord p = password0(identity, version);
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("identity", p.identity());
      d.put("version", (long) p.version());
      d.putAll(extra);
      return append(type, who, Optional.empty(), Optional.empty(), reason, Optional.empty(), d);
    });
  }

  /** The identity as registered (its canonical spelling), or NOT_FOUND. */
  public String identityRef(String ref) throws CustodyException {
    String r = Text.check(() -> Text.required("identity", ref, 256));
    return store.read(() -> identity(r).ref());
  }

  /** Every password version of an identity, oldest first. */
  public List<PasswordRecord> passwords(String identity) throws CustodyException {
    String ref = Text.check(() -> Text.required("identity", identity, 256));
    return store.read(() -> {
      identity(ref);
      return store.passwords(Optional.of(ref));
    });
  }

  /** The current password version of an identity, or NOT_FOUND. */
  public PasswordRecord currentPassword(String identity) throws CustodyException {
    return passwords(identity).stream().filter(PasswordRecord::current).findFirst().orElseThrow(() ->
        new CustodyException(Reason.NOT_FOUND, "identity '" + identity + "' has no password yet: create one with"
            + " 'bg password new --identity " + identity + "'"));
  }

  /**
   * When the directory last accepted version {@code version} of {@code identity}'s password (its
   * newest {@code password-set} event); empty if the kit never recorded setting it (an
   * administrator set it by hand, or not at all). NOT_FOUND for an unknown identity or version.
   */
  public Optional<Instant> passwordSetAt(String identity, int version) throws CustodyException {
    String ref = Text.check(() -> Text.required("identity", identity, 256));
    return store.read(() -> store.passwordSetInDirectory(password0(ref, version).identity(), version));
  }

  private PasswordRecord password0(String identity, int version) throws SQLException, CustodyException {
    Identity id = identity(identity);
    return store.passwords(Optional.of(id.ref())).stream().filter(p -> p.version() == version).findFirst()
        .orElseThrow(() -> new CustodyException(Reason.NOT_FOUND, "identity '" + id.ref() + "' has no password"
            + " version " + version));
  }

  private Identity userIdentity(String ref) throws SQLException, CustodyException {
    Identity identity = identity(ref);
    if (identity.kind() != IdentityKind.USER) {
      throw new CustodyException(Reason.REFUSED, "identity '" + identity.ref() + "' is an app; passwords are for"
          + " break-glass user accounts (apps use certificates: bg ca issue)");
    }
    return identity;
  }

  // --- FIDO2 keys (custody.fido records through these) -------------------------------------------

  /**
   * Checks that {@code owner} may register a key now: an item must exist, be a {@code fido2-key}
   * item and have no key yet; a custodian must exist (a custodian may enrol several keys).
   *
   * @return the owner as registered (canonical spelling) and the WebAuthn user handle its keys
   *     already use, if any
   */
  public KeyOwner requireKeyOwner(KeyOwner owner, boolean forRegistration) throws CustodyException {
    return store.read(() -> keyOwner(owner, forRegistration));
  }

  private KeyOwner keyOwner(KeyOwner owner, boolean forRegistration) throws SQLException, CustodyException {
    if (owner.kind() == KeyOwner.Kind.CUSTODIAN) {
      KeyOwner o = KeyOwner.custodian(custodian(owner.name()).name());
      if (!forRegistration && store.keys(Optional.empty(), Optional.of(o)).isEmpty()) {
        throw new CustodyException(Reason.NOT_FOUND, "custodian '" + o.name() + "' has no enrolled key: enrol one"
            + " with 'bg custodian enrol " + o.name() + "'");
      }
      return o;
    }
    Item item = findItem(owner.name());
    KeyOwner o = KeyOwner.item(item.label());
    if (item.kind() != ItemKind.FIDO2_KEY) {
      throw new CustodyException(Reason.REFUSED, "item '" + item.label() + "' is a " + item.kind().wireName()
          + ", not a fido2-key: only fido2-key items hold a security key");
    }
    List<FidoKey> keys = store.keys(Optional.empty(), Optional.of(o));
    if (forRegistration && !keys.isEmpty()) {
      throw new CustodyException(Reason.REFUSED, "item '" + item.label() + "' already has a registered key"
          + " (credential " + shortId(keys.get(0).credentialId()) + ", event " + keys.get(0).registeredEvent()
          + "); a replacement key is a new item: bg item add --kind fido2-key");
    }
    if (!forRegistration && keys.isEmpty()) {
      throw new CustodyException(Reason.NOT_FOUND, "item '" + item.label() + "' has no registered key: register"
          + " it with 'bg key register " + item.label() + "'");
    }
    return o;
  }

  /**
   * Records a key whose registration the relying party verified. {@code by} must be a registered
   * custodian (for a custodian's own key, that custodian); {@code witness} a different one.
   */
  public Event recordKey(NewKey k, String by, Optional<String> witness) throws CustodyException {
    return store.write(() -> {
      KeyOwner owner = keyOwner(k.owner(), true);
      People p = keyPeople(owner, by, witness);
      if (owner.kind() == KeyOwner.Kind.CUSTODIAN && !p.actor.equalsIgnoreCase(owner.name())) {
        throw new CustodyException(Reason.REFUSED, "a custodian enrols their own key: run it as --by "
            + owner.name());
      }
      if (!store.keys(Optional.of(k.credentialId()), Optional.empty()).isEmpty()) {
        throw new CustodyException(Reason.DUPLICATE, "credential " + shortId(k.credentialId())
            + " is already registered: see 'bg key list'");
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("ownerKind", owner.kind().wireName());
      d.put("owner", owner.name());
      d.put("credentialId", k.credentialId());
      d.put("userHandle", k.userHandle());
      d.put("publicKeyCose", k.publicKeyCose());
      d.put("aaguid", k.aaguid().toString());
      d.put("model", k.model());
      d.put("attestationFormat", k.attestationFormat());
      d.put("attestationType", k.attestationType());
      d.put("trusted", k.trusted());
      d.put("transports", String.join(",", k.transports()));
      d.put("signCount", k.signCount());
      d.put("userVerified", k.userVerified());
      d.put("attestationObject", k.attestationObject());
      d.put("clientDataJSON", k.clientDataJson());
      return append(EventType.KEY_REGISTERED, p.actor, p.witness,
          owner.kind() == KeyOwner.Kind.ITEM ? Optional.of(owner.name()) : Optional.empty(), Optional.empty(),
          Optional.empty(), d);
    });
  }

  /**
   * Records a verified assertion of {@code owner}'s key, judged by its counter (see {@link
   * CounterVerdict}). A counter that went backwards records an alarm and is refused with
   * KEY_ALARM; one that moved while the item sat in its safe records an alarm and the verification.
   */
  public KeyCheck recordKeyVerification(KeyOwner owner, KeyAssertion a, String by, Optional<String> witness)
      throws CustodyException {
    Keyed k = keyed0(store.write(() -> verifyKey0(owner, a, by, witness, Optional.empty())));
    return k.check().orElseThrow();
  }

  private Keyed verifyKey0(KeyOwner owner, KeyAssertion a, String by, Optional<String> witness,
      Optional<Long> session) throws SQLException, CustodyException {
    {
      KeyOwner o = keyOwner(owner, false);
      People p = keyPeople(o, by, witness);
      if (o.kind() == KeyOwner.Kind.CUSTODIAN && !p.actor.equalsIgnoreCase(o.name())) {
        throw new CustodyException(Reason.REFUSED, "a custodian's key proves that custodian's presence: record it"
            + " as --by " + o.name() + ", not " + p.actor);
      }
      Judged j = judge(o, a);
      if (j.refused()) {
        return j.alarmOnly(this, p);
      }
      Optional<Event> alarm = raiseAlarm(Optional.of(j), p);
      boolean inSafe = o.kind() == KeyOwner.Kind.ITEM && !findItem(o.name()).checkedOut();
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("ownerKind", o.kind().wireName());
      d.put("owner", o.name());
      j.putFields(d, "");
      d.put("inSafe", inSafe);
      d.put("session", session);
      Event e = append(EventType.KEY_VERIFIED, p.actor, p.witness,
          o.kind() == KeyOwner.Kind.ITEM ? Optional.of(o.name()) : Optional.empty(), Optional.empty(),
          Optional.empty(), d);
      FidoKey after = store.keys(Optional.of(a.credentialId()), Optional.empty()).get(0);
      return new Keyed(e, alarm, Optional.of(new KeyCheck(after, j.key().signCount(), j.verdict(), alarm, e)));
    }
  }

  /**
   * Checks, without writing, who may register ({@code forRegistration}) or verify a key of {@code
   * owner}: registered custodians, the item's safe's two-person rule, and a custodian's own key
   * only by that custodian. Commands call it before anyone touches a key.
   */
  public void requireKeyPeople(KeyOwner owner, String by, Optional<String> witness, boolean forRegistration)
      throws CustodyException {
    store.read(() -> {
      KeyOwner o = keyOwner(owner, forRegistration);
      People p = keyPeople(o, by, witness);
      if (o.kind() == KeyOwner.Kind.CUSTODIAN && !p.actor.equalsIgnoreCase(o.name())) {
        throw new CustodyException(Reason.REFUSED, forRegistration
            ? "a custodian enrols their own key: run it as --by " + o.name()
            : "a custodian's key proves that custodian's presence: record it as --by " + o.name() + ", not "
                + p.actor);
      }
      return null;
    });
  }

  /** An item's key is handled under its safe's rules; a custodian's key by registered custodians. */
  private People keyPeople(KeyOwner owner, String by, Optional<String> witness) throws SQLException,
      CustodyException {
    return owner.kind() == KeyOwner.Kind.ITEM ? people(findItem(owner.name()), by, witness)
        : people(by, witness, false, "");
  }

  /** Every registered key, oldest first. */
  public List<FidoKey> keys() throws CustodyException {
    return store.read(() -> store.keys(Optional.empty(), Optional.empty()));
  }

  /** The keys of an owner (NOT_FOUND for an unknown owner), oldest first; may be empty. */
  public List<FidoKey> keys(KeyOwner owner) throws CustodyException {
    return store.read(() -> {
      KeyOwner o = owner.kind() == KeyOwner.Kind.ITEM ? KeyOwner.item(findItem(owner.name()).label())
          : KeyOwner.custodian(custodian(owner.name()).name());
      return store.keys(Optional.empty(), Optional.of(o));
    });
  }

  /** Every counter value a key reported, oldest first. */
  public List<CounterReading> counterHistory(String credentialId) throws CustodyException {
    return store.read(() -> store.counterHistory(credentialId));
  }

  /** Every key alarm recorded, oldest first. */
  public List<KeyAlarm> keyAlarms() throws CustodyException {
    return store.read(store::keyAlarms);
  }

  /** The judgement of one assertion against its key's record, made under the write lock. */
  private record Judged(KeyOwner owner, FidoKey key, KeyAssertion assertion, CounterVerdict verdict) {
    boolean refused() {
      return verdict == CounterVerdict.COUNTER_REGRESSED;
    }

    Keyed alarmOnly(Ledger l, People p) throws SQLException {
      Event alarm = l.appendAlarm(this, p.actor(), p.witness());
      return new Keyed(alarm, Optional.of(alarm), Optional.empty());
    }

    void putFields(Map<String, Object> d, String prefix) {
      d.put(name(prefix, "credentialId"), assertion.credentialId());
      d.put(name(prefix, "signCount"), assertion.signCount());
      d.put(name(prefix, "previousCount"), key.signCount());
      d.put(name(prefix, "verdict"), verdict.wireName());
      d.put(name(prefix, "userVerified"), assertion.userVerified());
      d.put(name(prefix, "authenticatorData"), assertion.authenticatorData());
      d.put(name(prefix, "clientDataJSON"), assertion.clientDataJson());
      d.put(name(prefix, "signature"), assertion.signature());
    }

    private static String name(String prefix, String field) {
      return prefix.isEmpty() ? field : prefix + Character.toUpperCase(field.charAt(0)) + field.substring(1);
    }
  }

  /** What a keyed write did: its event, an alarm it raised, and for a bare verification the check. */
  private record Keyed(Event event, Optional<Event> alarm, Optional<KeyCheck> check) {}

  private Judged judge(KeyOwner owner, KeyAssertion a) throws SQLException, CustodyException {
    List<FidoKey> found = store.keys(Optional.of(a.credentialId()), Optional.empty());
    if (found.isEmpty() || !found.get(0).owner().kind().equals(owner.kind())
        || !found.get(0).owner().name().equalsIgnoreCase(owner.name())) {
      throw new CustodyException(Reason.REFUSED, "the key presented (credential " + shortId(a.credentialId())
          + ") is not the registered key of " + owner + "; nothing was recorded");
    }
    FidoKey key = found.get(0);
    return new Judged(owner, key, a, CounterVerdict.judge(key.signCount(), a.signCount(),
        key.baselineEvent().isPresent()));
  }

  private Optional<Judged> judgeItemKey(Item item, Optional<KeyAssertion> a) throws SQLException,
      CustodyException {
    if (a.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(judge(keyOwner(KeyOwner.item(item.label()), false), a.get()));
  }

  private Optional<Event> raiseAlarm(Optional<Judged> j, People p) throws SQLException {
    if (j.isEmpty() || j.get().verdict() != CounterVerdict.USED_IN_SAFE) {
      return Optional.empty();
    }
    return Optional.of(appendAlarm(j.get(), p.actor, p.witness));
  }

  private Event appendAlarm(Judged j, String actor, Optional<String> witness) throws SQLException {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("ownerKind", j.key().owner().kind().wireName());
    d.put("owner", j.key().owner().name());
    d.put("credentialId", j.key().credentialId());
    d.put("verdict", j.verdict().wireName());
    d.put("storedCount", j.key().signCount());
    d.put("presentedCount", j.assertion().signCount());
    d.put("baselineEvent", j.key().baselineEvent());
    String why = j.verdict() == CounterVerdict.COUNTER_REGRESSED
        ? "signature counter went back from " + j.key().signCount() + " to " + j.assertion().signCount()
            + ": the credential may have been cloned"
        : "signature counter moved from " + j.key().signCount() + " to " + j.assertion().signCount()
            + " while the key was in its safe: it signed " + (j.assertion().signCount() - j.key().signCount() - 1)
            + " time(s) there";
    return append(EventType.KEY_ALARM, actor, witness,
        j.key().owner().kind() == KeyOwner.Kind.ITEM ? Optional.of(j.key().owner().name()) : Optional.empty(),
        Optional.of(why), Optional.empty(), d);
  }

  private static void keyFields(Optional<Judged> j, Map<String, Object> d) {
    j.ifPresent(x -> x.putFields(d, "key"));
  }

  private static Event keyed(Keyed k) throws CustodyException {
    return keyed0(k).event();
  }

  /** A refused verification's alarm is committed before the refusal is reported. */
  private static Keyed keyed0(Keyed k) throws CustodyException {
    if (k.check().isEmpty() && k.alarm().isPresent() && k.alarm().get().equals(k.event())) {
      Map<String, Object> d = Json.read(k.event().details());
      throw new CustodyException(Reason.KEY_ALARM, "ALARM: the key of " + d.get("ownerKind") + " '" + d.get("owner")
          + "' reported signature counter "
          + d.get("presentedCount") + ", not above " + d.get("storedCount") + " on record: the credential may"
          + " have been cloned. Refused; alarm recorded as event " + k.event().seq()
          + ". Keep the key apart and follow the custodian guide (key alarms)");
    }
    return k;
  }

  static String shortId(String credentialId) {
    return credentialId.length() <= 12 ? credentialId : credentialId.substring(0, 12) + "…";
  }

  // --- reading ----------------------------------------------------------------------------------

  // --- unlock sessions -------------------------------------------------------------------------

  /**
   * Opens an unlock session for one identity: two different custodians, and no other open session
   * for that identity. The vault-daemon explains the identity's sign-ins with it until it closes.
   */
  public Event openSession(SessionRequest r) throws CustodyException {
    return store.write(() -> {
      Identity identity = identity(r.identity());
      if (r.witness().isEmpty()) {
        throw new CustodyException(Reason.REFUSED,
            "an unlock session needs two people: name a second custodian with --witness");
      }
      People p = people(r.by(), r.witness(), true, "");
      for (Session s : store.sessions(true)) {
        if (s.identity().equalsIgnoreCase(identity.ref())) {
          throw new CustodyException(Reason.REFUSED, "identity '" + identity.ref() + "' already has an open"
              + " unlock session (" + s.id() + ", opened by " + s.openedBy() + " at "
              + EventHash.formatTimestamp(s.openedAt()) + "): close it first");
        }
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("identity", identity.ref());
      d.put("drill", r.drill());
      d.put("expectedEnd", EventHash.formatTimestamp(clock.instant().plus(r.expectedDuration())));
      d.put("quorum", config.namedWitnessAllowed() ? QUORUM_KEY_AND_WITNESS : QUORUM_TWO_KEYS);
      return append(EventType.SESSION_OPENED, p.actor, p.witness, Optional.empty(), Optional.of(r.reason()),
          r.ticket(), d);
    });
  }

  /** Closes an open unlock session; {@code summary} says what was done during it. */
  public Event closeSession(long session, String by, String summary) throws CustodyException {
    return closeSession(session, by, Optional.empty(), summary);
  }

  /**
   * Closes an open unlock session; {@code summary} says what was done during it. Refused while an
   * item taken out for it is still out: the session ends when everything is back in its safe.
   */
  public Event closeSession(long session, String by, Optional<String> witness, String summary)
      throws CustodyException {
    String what = Text.check(() -> Text.required("summary", summary, 4000));
    Optional<String> w = Text.check(() -> Text.optional("witness", witness, 100));
    return store.write(() -> {
      People p = people(by, w, false, "");
      SessionProgress sp = progress0(session0(session));
      if (!sp.session().open()) {
        throw new CustodyException(Reason.REFUSED, "unlock session " + session + " was closed already (event "
            + sp.session().closedEvent().orElseThrow() + ")");
      }
      if (!sp.stillOut().isEmpty()) {
        throw new CustodyException(Reason.REFUSED, "unlock session " + session + " still has "
            + String.join(", ", sp.stillOut()) + " out of the safe: check "
            + (sp.stillOut().size() == 1 ? "it" : "them") + " in first (bg lock --session " + session + ")");
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("session", session);
      d.put("identity", sp.session().identity());
      d.put("drill", sp.session().drill());
      d.put("itemsReturned", String.join(",", sp.checkedOut().stream().distinct().toList()));
      d.put("passwordRevealed", sp.revealedVersion().map(Integer::longValue));
      d.put("passwordRotated", sp.rotatedVersion().map(Integer::longValue));
      return append(EventType.SESSION_CLOSED, p.actor, p.witness, Optional.empty(), Optional.of(what),
          Optional.empty(), d);
    });
  }

  /** Checks, without writing, that {@code by} and {@code witness} are two different registered custodians. */
  public void requirePeople(String by, Optional<String> witness) throws CustodyException {
    store.read(() -> people(by, witness, false, ""));
  }

  static final String QUORUM_TWO_KEYS = "two-keys";
  static final String QUORUM_KEY_AND_WITNESS = "key-and-witness";

  /** How far an unlock session has come (NOT_FOUND for an unknown one). */
  public SessionProgress sessionProgress(long session) throws CustodyException {
    return store.read(() -> progress0(session0(session)));
  }

  /**
   * Records that a custodian of an open session proved presence with their own enrolled key (a
   * verified assertion of one of their keys), judged by its counter as any key verification.
   * Only the session's two people count, each once; the other is recorded as witness.
   */
  public KeyCheck recordPresence(long session, String custodian, KeyAssertion a) throws CustodyException {
    Keyed k = keyed0(store.write(() -> {
      SessionProgress sp = progress0(session0(session));
      Session s = sp.session();
      if (!s.open()) {
        throw new CustodyException(Reason.REFUSED, "unlock session " + session + " is closed");
      }
      Custodian c = custodian(custodian);
      Optional<String> other;
      if (c.name().equalsIgnoreCase(s.openedBy())) {
        other = s.witness();
      } else if (s.witness().map(w -> w.equalsIgnoreCase(c.name())).orElse(false)) {
        other = Optional.of(s.openedBy());
      } else {
        throw new CustodyException(Reason.REFUSED, "custodian '" + c.name() + "' is not one of the two people of"
            + " unlock session " + session + " (" + s.openedBy() + s.witness().map(x -> " and " + x).orElse("")
            + ")");
      }
      if (sp.present().stream().anyMatch(x -> x.equalsIgnoreCase(c.name()))) {
        throw new CustodyException(Reason.REFUSED, "custodian '" + c.name() + "' has proved presence for unlock"
            + " session " + session + " already: the quorum needs a second, different custodian");
      }
      return verifyKey0(KeyOwner.custodian(c.name()), a, c.name(), other, Optional.of(session));
    }));
    return k.check().orElseThrow();
  }

  /** What is taken out or revealed for a session, its two people do: the quorum proved their presence. */
  private static void requireSessionPerson(Session s, String who) throws CustodyException {
    if (!who.equalsIgnoreCase(s.openedBy()) && !s.witness().map(who::equalsIgnoreCase).orElse(false)) {
      throw new CustodyException(Reason.REFUSED, "custodian '" + who + "' is not one of the two people of unlock"
          + " session " + s.id() + " (" + s.openedBy() + s.witness().map(x -> " and " + x).orElse("")
          + "), whose presence the quorum proved");
    }
  }

  /** An unlock session by id, or NOT_FOUND. */
  private Session session0(long session) throws SQLException, CustodyException {
    return store.sessions(false).stream().filter(x -> x.id() == session).findFirst()
        .orElseThrow(() -> new CustodyException(Reason.NOT_FOUND, "no unlock session " + session
            + ": see 'bg status'"));
  }

  /** The open session {@code id}, which must be for the identity {@code item} unlocks. */
  private SessionProgress openSessionFor(Item item, long id) throws SQLException, CustodyException {
    SessionProgress sp = progress0(session0(id));
    if (!sp.session().open()) {
      throw new CustodyException(Reason.REFUSED, "unlock session " + id + " is closed");
    }
    if (!item.identity().map(i -> i.equalsIgnoreCase(sp.session().identity())).orElse(false)) {
      throw new CustodyException(Reason.REFUSED, "item '" + item.label() + "' does not unlock "
          + sp.session().identity() + ", the identity of unlock session " + id);
    }
    return sp;
  }

  private SessionProgress progress0(Session s) throws SQLException, CustodyException {
    Event opened = store.event(s.id()).orElseThrow();
    boolean namedWitness = QUORUM_KEY_AND_WITNESS.equals(Json.read(opened.details()).get("quorum"));
    List<String> present = new ArrayList<>();
    List<String> out = new ArrayList<>();
    java.util.Set<Long> outEvents = new java.util.HashSet<>();
    Optional<Integer>[] revealed = new Optional[] {Optional.empty()};
    Optional<Integer>[] rotated = new Optional[] {Optional.empty()};
    boolean[] set = {false};
    Long id = s.id();
    long until = s.closedEvent().orElse(Long.MAX_VALUE);
    store.eventsAfter(s.id(), e -> {
      if (e.seq() > until) {
        return;
      }
      Map<String, Object> d = Json.read(e.details());
      boolean ours = id.equals(d.get("session"));
      switch (e.type()) {
        case KEY_VERIFIED -> {
          if (ours && KeyOwner.Kind.CUSTODIAN.wireName().equals(d.get("ownerKind"))) {
            present.add((String) d.get("owner"));
          }
        }
        case ITEM_CHECKED_OUT -> {
          if (ours) {
            out.add(e.item().orElseThrow());
            outEvents.add(e.seq());
          }
        }
        case PASSWORD_REVEALED -> {
          int v = ((Number) d.get("version")).intValue();
          if (ours) {
            revealed[0] = Optional.of(v);
          }
          // A version shown after it was made (in this session or by 'bg password combine') is no
          // rotation: the lock must replace it.
          if (s.identity().equalsIgnoreCase((String) d.get("identity")) && rotated[0].equals(Optional.of(v))) {
            rotated[0] = Optional.empty();
            set[0] = false;
          }
        }
        case PASSWORD_CREATED -> {
          if (s.identity().equalsIgnoreCase((String) d.get("identity"))) {
            rotated[0] = Optional.of(((Number) d.get("version")).intValue());
            set[0] = false;
          }
        }
        case PASSWORD_SET -> {
          if (s.identity().equalsIgnoreCase((String) d.get("identity")) && rotated[0].isPresent()
              && rotated[0].get() == ((Number) d.get("version")).intValue()) {
            set[0] = true;
          }
        }
        default -> {}
      }
    });
    List<String> stillOut = new ArrayList<>();
    for (Item i : store.items(Optional.empty())) {
      if (i.checkedOut() && i.outEvent().map(outEvents::contains).orElse(false)) {
        stillOut.add(i.label());
      }
    }
    stillOut.sort(java.util.Comparator.comparingInt(out::indexOf));
    return new SessionProgress(s, namedWitness, present, out, stillOut, revealed[0], rotated[0], set[0]);
  }

  /** Unlock sessions, oldest first; open ones only if {@code openOnly}. */
  public List<Session> sessions(boolean openOnly) throws CustodyException {
    return store.read(() -> store.sessions(openOnly));
  }

  /**
   * Every unlock session and every time an item that unlocks an identity was out of its safe,
   * oldest first within each kind: what the vault-daemon explains sign-ins with.
   */
  public List<CustodyWindow> custodyWindows() throws CustodyException {
    return store.read(() -> {
      Map<String, String> itemIdentity = new java.util.HashMap<>();
      for (Item i : store.items(Optional.empty())) {
        i.identity().ifPresent(id -> itemIdentity.put(i.label().toLowerCase(java.util.Locale.ROOT), id));
      }
      return store.custodyWindows(itemIdentity);
    });
  }

  // --- the kit review ---------------------------------------------------------------------------

  /**
   * Records a review of the whole kit ({@code bg review}) by two different custodians, with its
   * results as flat fields (counts, outcome, findings).
   */
  public Event recordKitReview(String by, Optional<String> witness, Optional<String> note,
      Map<String, Object> results) throws CustodyException {
    Optional<String> n = Text.check(() -> Text.optional("note", note, 2000));
    return store.write(() -> {
      People p = kitReviewPeople(by, witness);
      Map<String, Object> d = new LinkedHashMap<>(results);
      return append(EventType.KIT_REVIEWED, p.actor, p.witness, Optional.empty(), n, Optional.empty(), d);
    });
  }

  /**
   * Checks, without writing, the people {@link #recordKitReview} will require: two different
   * registered custodians. A review calls it before its first step is recorded.
   */
  public void kitReviewAllowed(String by, Optional<String> witness) throws CustodyException {
    store.read(() -> kitReviewPeople(by, witness));
  }

  private People kitReviewPeople(String by, Optional<String> witness) throws SQLException, CustodyException {
    if (witness.isEmpty()) {
      throw new CustodyException(Reason.REFUSED, "a review needs two people: name a second custodian with"
          + " --witness");
    }
    return people(by, witness, true, "");
  }

  /** The newest kit review, if any. */
  public Optional<Event> lastKitReview() throws CustodyException {
    return store.read(() -> store.lastOfType(EventType.KIT_REVIEWED));
  }

  /** Every event of one type, oldest first. */
  public List<Event> eventsOfType(EventType type) throws CustodyException {
    return store.read(() -> {
      List<Event> out = new ArrayList<>();
      store.eventsOfType(type, out::add);
      return out;
    });
  }

  // --- the vault-daemon's records ---------------------------------------------------------------

  /** Builds the alerts of one sign-in, inside the transaction that records it. */
  @FunctionalInterface
  public interface SignInAlerts {
    /**
     * @param recorded the {@code signin-observed} event just appended (the ledger head for now)
     * @return the messages to queue; may be empty
     */
    List<OutboxMessage> alertsFor(ObservedSignIn signIn, Event recorded);
  }

  /**
   * Records the sign-ins not recorded before, one {@code signin-observed} event each, queues their
   * alerts and sets the daemon's checkpoint, all in one transaction: a process killed half-way
   * leaves none of it, so the next poll sees the same sign-ins as new again and nothing is lost
   * or recorded twice.
   *
   * @param actor the daemon's name in the ledger
   * @param checkpoint a daemon-state value to set with them (name, value), if any
   * @return the events appended, oldest sign-in first; already recorded sign-ins are skipped
   */
  public List<Event> recordSignIns(String actor, List<ObservedSignIn> signIns, Optional<Map.Entry<String, String>>
      checkpoint, SignInAlerts alerts) throws CustodyException {
    String who = operator(actor);
    Instant now = clock.instant();
    return store.write(() -> {
      List<Event> out = new ArrayList<>();
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (ObservedSignIn s : signIns) {
        if (!seen.add(s.signInId()) || store.signInRecorded(s.signInId())) {
          continue;
        }
        Identity identity = identity(s.identity());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("signInId", s.signInId());
        d.put("createdDateTime", EventHash.formatTimestamp(s.createdAt()));
        d.put("identity", identity.ref());
        d.put("verdict", s.verdict().name());
        d.put("custodyEvent", s.custodyEvent());
        d.put("succeeded", s.succeeded());
        for (Map.Entry<String, Object> e : s.details().entrySet()) {
          d.putIfAbsent(e.getKey(), e.getValue());
        }
        Event e = append(EventType.SIGNIN_OBSERVED, who, Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), d);
        store.enqueue(alerts.alertsFor(s, e), now);
        out.add(e);
      }
      if (checkpoint.isPresent()) {
        store.putDaemonState(checkpoint.get().getKey(), checkpoint.get().getValue());
      }
      return out;
    });
  }

  /** Sign-ins the ledger recorded that happened at or after {@code since}, oldest first. */
  public List<SignInRecorded> signIns(Instant since) throws CustodyException {
    return store.read(() -> store.signIns(since));
  }

  /** A value the daemon keeps between runs (its checkpoint, the last posture it alerted on). */
  public Optional<String> daemonState(String name) throws CustodyException {
    return store.read(() -> store.daemonState(name));
  }

  /** Queues alerts and sets daemon-state values in one transaction (either both happen or neither). */
  public void enqueue(List<OutboxMessage> messages, Map<String, String> state) throws CustodyException {
    Instant now = clock.instant();
    store.write(() -> {
      store.enqueue(messages, now);
      for (Map.Entry<String, String> e : state.entrySet()) {
        store.putDaemonState(e.getKey(), e.getValue());
      }
      return null;
    });
  }

  /** Undelivered alerts due now, the most overdue first, at most {@code limit}. */
  public List<OutboxEntry> outboxDue(int limit) throws CustodyException {
    Instant now = clock.instant();
    return store.read(() -> store.outboxDue(now, limit));
  }

  /** Every outbox row of one alert (one per sink). */
  public List<OutboxEntry> outbox(String alertId) throws CustodyException {
    return store.read(() -> store.outbox(alertId));
  }

  /** Marks a message delivered; false if it was delivered already (by another daemon process). */
  public boolean outboxDelivered(long id) throws CustodyException {
    Instant now = clock.instant();
    return store.write(() -> store.outboxDelivered(id, now));
  }

  /** Records a failed delivery and when to try again. */
  public boolean outboxFailed(long id, String error, Instant nextAttempt) throws CustodyException {
    String e = Text.printable(error.length() > 500 ? error.substring(0, 500) + "…" : error);
    return store.write(() -> store.outboxFailed(id, e, nextAttempt));
  }

  /** Forgets delivered messages delivered before {@code before}; returns how many. */
  public int purgeDelivered(Instant before) throws CustodyException {
    return store.write(() -> store.purgeDelivered(before));
  }

  public OutboxStats outboxStats() throws CustodyException {
    return store.read(store::outboxStats);
  }

  public List<Safe> safes() throws CustodyException {
    return store.read(() -> store.safes(Optional.empty()));
  }

  public List<Custodian> custodians() throws CustodyException {
    return store.read(() -> store.custodians(Optional.empty()));
  }

  public List<Identity> identities() throws CustodyException {
    return store.read(() -> store.identities(Optional.empty()));
  }

  public List<Item> items() throws CustodyException {
    return store.read(() -> store.items(Optional.empty()));
  }

  /** One item, or NOT_FOUND naming the label. */
  public Item item(String label) throws CustodyException {
    String l = Text.check(() -> Text.required("item", label, 100));
    return store.read(() -> findItem(l));
  }

  /** Events about one item (or all), at or after a time (or all), oldest first. */
  public void events(Optional<String> item, Optional<Instant> since, Consumer<Event> sink) throws CustodyException {
    Optional<String> label = item.isPresent() ? Optional.of(item(item.get()).label()) : Optional.empty();
    store.read(() -> {
      store.events(label, since, sink);
      return null;
    });
  }

  /** The event numbered {@code seq}, if the ledger holds one. */
  public Optional<Event> event(long seq) throws CustodyException {
    return store.read(() -> store.event(seq));
  }

  public Optional<Head> head() throws CustodyException {
    return store.read(store::head);
  }

  public StatusReport status() throws CustodyException {
    Instant now = clock.instant();
    return store.read(() -> {
      List<Item> items = store.items(Optional.empty());
      List<StatusReport.OutItem> out = new ArrayList<>();
      List<Item> due = new ArrayList<>();
      List<Item> unsealed = new ArrayList<>();
      Instant dueBefore = now.minus(config.reviewInterval());
      for (Item i : items) {
        if (i.checkedOut()) {
          out.add(new StatusReport.OutItem(i, store.event(i.outEvent().orElseThrow()).orElseThrow()));
        } else if (i.seal().isEmpty()) {
          unsealed.add(i);
        }
        if (i.lastReviewed().isEmpty() || i.lastReviewed().get().isBefore(dueBefore)) {
          due.add(i);
        }
      }
      Instant warnBefore = now.plus(config.expiryWarning());
      // Expired ones stay listed for one more warning period (remove them from the app), then drop out.
      Instant forgetBefore = now.minus(config.expiryWarning());
      List<CertificateRecord> expiring = store.certificates(Optional.empty()).stream()
          .filter(c -> !c.revoked() && c.notAfter().isBefore(warnBefore) && c.notAfter().isAfter(forgetBefore))
          .toList();
      List<CaRecord> caExpiring = currentCa0().filter(c -> !c.revoked() && c.notAfter().isBefore(warnBefore))
          .map(List::of).orElse(List.of());
      java.util.Set<String> revokedCas = new java.util.HashSet<>();
      for (CaRecord c : store.cas(Optional.empty())) {
        if (c.revoked()) {
          revokedCas.add(c.serial());
        }
      }
      List<CertificateRecord> ofRevokedCa = store.certificates(Optional.empty()).stream()
          .filter(c -> !c.revoked() && now.isBefore(c.notAfter()) && revokedCas.contains(c.caSerial())).toList();
      java.util.Set<String> withKey = new java.util.HashSet<>();
      java.util.Set<String> withBaseline = new java.util.HashSet<>();
      for (FidoKey k : store.keys(Optional.empty(), Optional.empty())) {
        if (k.owner().kind() == KeyOwner.Kind.ITEM) {
          withKey.add(k.owner().name().toLowerCase(java.util.Locale.ROOT));
          if (k.baselineEvent().isPresent()) {
            withBaseline.add(k.owner().name().toLowerCase(java.util.Locale.ROOT));
          }
        }
      }
      List<Item> unregistered = items.stream().filter(i -> i.kind() == ItemKind.FIDO2_KEY
          && !withKey.contains(i.label().toLowerCase(java.util.Locale.ROOT))).toList();
      Optional<Event> lastReview = store.lastOfType(EventType.KIT_REVIEWED);
      List<SignInRecorded> unexplained = store.signIns(Instant.EPOCH).stream()
          .filter(x -> x.verdict() == SignInVerdict.UNEXPLAINED)
          .filter(x -> lastReview.map(r -> x.event() > r.seq()).orElse(true)).toList();
      List<Item> noBaseline = items.stream().filter(i -> !i.checkedOut()
          && withKey.contains(i.label().toLowerCase(java.util.Locale.ROOT))
          && !withBaseline.contains(i.label().toLowerCase(java.util.Locale.ROOT))).toList();
      return new StatusReport(now, out, due, unsealed, config.reviewInterval(), items.size(), expiring, caExpiring,
          ofRevokedCa, config.expiryWarning(), store.keyAlarms(), unregistered, noBaseline, store.head(),
          store.sessions(true), lastReview, unexplained);
    });
  }

  /**
   * Recomputes the chain from the first event: sequence numbers without gaps, each previous hash,
   * each event's hash; then rebuilds the inventory from the events and compares it with the
   * stored one. With {@code expected} (a head recorded earlier elsewhere) it also proves that the
   * ledger still holds that event unchanged, i.e. was not cut back or rewritten since.
   */
  public VerifyReport verify(Optional<Head> expected) throws CustodyException {
    return store.read(() -> {
      long[] count = {0};
      long[] lastSeq = {0};
      String[] lastHash = {EventHash.GENESIS};
      Long[] badSeq = {null};
      String[] problem = {null};
      String[] expectedHashSeen = {null};
      store.rawEvents(e -> {
        count[0]++;
        if (problem[0] != null) {
          return;
        }
        if (e.seq() > lastSeq[0] + 1) {
          badSeq[0] = lastSeq[0] + 1;
          problem[0] = "event " + (lastSeq[0] + 1) + " is missing: the sequence jumps from " + lastSeq[0] + " to "
              + e.seq();
        } else if (e.seq() <= lastSeq[0]) {
          badSeq[0] = e.seq();
          problem[0] = "event " + e.seq() + " has no place in the chain: sequence numbers start at 1 and rise by one";
        } else if (!validTimestamp(e.ts())) {
          badSeq[0] = e.seq();
          problem[0] = "event " + e.seq() + " has a malformed timestamp '" + e.ts() + "'";
        } else if (!lastHash[0].equals(e.prevHash())) {
          badSeq[0] = e.seq();
          problem[0] = "event " + e.seq() + " does not link to event " + lastSeq[0]
              + " (its previous hash differs): events were removed, reordered or replaced";
        } else if (!e.recomputedHash().equals(e.hash())) {
          badSeq[0] = e.seq();
          problem[0] = "event " + e.seq() + " does not match its hash: it was changed after it was written";
        } else if (EventType.fromWireName(e.type()).isEmpty()) {
          badSeq[0] = e.seq();
          problem[0] = "event " + e.seq() + " has an unknown type '" + e.type() + "'";
        }
        if (expected.isPresent() && e.seq() == expected.get().seq()) {
          expectedHashSeen[0] = e.hash();
        }
        lastSeq[0] = e.seq();
        lastHash[0] = e.hash();
      });
      Optional<Head> head = store.head();
      if (problem[0] == null) {
        Optional<String> diff = store.projectionDiff();
        if (diff.isPresent()) {
          problem[0] = diff.get().startsWith("the schema")
              ? diff.get() : "the inventory was edited outside the ledger: " + diff.get();
        }
      }
      if (problem[0] == null && expected.isPresent()) {
        Head h = expected.get();
        if (expectedHashSeen[0] == null) {
          badSeq[0] = h.seq();
          problem[0] = "the ledger ends at event " + lastSeq[0] + ", before the recorded head " + h.seq()
              + ": events were cut off";
        } else if (!expectedHashSeen[0].equals(h.hash())) {
          badSeq[0] = h.seq();
          problem[0] = "event " + h.seq() + " differs from the recorded head: the ledger was rewritten since";
        }
      }
      if (problem[0] == null && count[0] == 0) {
        problem[0] = "the ledger holds no events, not even its creation: it was emptied";
        badSeq[0] = 1L;
      }
      return new VerifyReport(count[0], head, Optional.ofNullable(badSeq[0]), Optional.ofNullable(problem[0]),
          expected.isPresent());
    });
  }

  private static boolean validTimestamp(String ts) {
    try {
      EventHash.parseTimestamp(ts);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public void close() {
    store.close();
  }

  // --- helpers ----------------------------------------------------------------------------------

  private Event append(EventType type, String actor, Optional<String> witness, Optional<String> item,
      Optional<String> reason, Optional<String> ticket, Map<String, Object> details) throws SQLException {
    return store.append(new EventDraft(type, Optional.of(actor), witness, item, reason, ticket, details),
        clock.instant());
  }

  private static String operator(String actor) throws CustodyException {
    return Text.check(() -> Text.required("actor", actor, 100));
  }

  private Item findItem(String label) throws SQLException, CustodyException {
    return one(store.items(Optional.of(label)), "item", label, "bg item list");
  }

  private Safe safe(String name) throws SQLException, CustodyException {
    return one(store.safes(Optional.of(name)), "safe", name, "bg safe list");
  }

  private Custodian custodian(String name) throws SQLException, CustodyException {
    return one(store.custodians(Optional.of(name)), "custodian", name, "bg custodian list");
  }

  private Identity identity(String ref) throws SQLException, CustodyException {
    return one(store.identities(Optional.of(ref)), "identity", ref, "bg identity list");
  }

  private static <T> T one(List<T> found, String what, String name, String listCommand) throws CustodyException {
    if (found.isEmpty()) {
      throw new CustodyException(Reason.NOT_FOUND, "unknown " + what + " '" + Text.printable(name)
          + "': see '" + listCommand + "'");
    }
    return found.get(0);
  }

  private static CustodyException duplicate(String what, String name, String listCommand) {
    return new CustodyException(Reason.DUPLICATE, "a " + what + " named '" + name
        + "' already exists (names ignore case): see '" + listCommand + "'");
  }
}
