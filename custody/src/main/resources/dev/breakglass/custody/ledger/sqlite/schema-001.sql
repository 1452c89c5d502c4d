-- BreakGlass Kit ledger, schema version 1.
--
-- `events` is the ledger: append-only, hash-chained (see docs/architecture.md for the canonical
-- encoding). Everything else is a projection of the events, written by the same transaction that
-- appends the event, and recomputed by `bg ledger verify`.

CREATE TABLE events (
  seq       INTEGER PRIMARY KEY CHECK (seq >= 1), -- 1, 2, 3 … without gaps (events_extend_chain)
  ts        TEXT    NOT NULL,      -- UTC 'YYYY-MM-DDTHH:MM:SS.mmmZ', hashed as this text
  type      TEXT    NOT NULL,      -- e.g. 'item-checked-out'
  actor     TEXT,                  -- custodian (custody events) or operator (inventory events)
  witness   TEXT,                  -- second custodian, where there was one
  item      TEXT,                  -- item label, for item events
  reason    TEXT,
  ticket    TEXT,
  details   TEXT    NOT NULL,      -- JSON object, hashed as this text
  prev_hash TEXT    NOT NULL,      -- hash of event seq-1; 64 zeros for seq 1
  hash      TEXT    NOT NULL UNIQUE
) STRICT;

CREATE INDEX events_by_item ON events (item, seq);
CREATE INDEX events_by_ts ON events (ts);

-- Append-only: the database itself refuses to change or remove an event. Anyone with write access
-- to the file can drop these triggers; the hash chain and an outside head are what catch that.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'the ledger is append-only: events cannot be changed');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'the ledger is append-only: events cannot be deleted');
END;

-- A new event must take the next sequence number and name the newest hash as its previous one.
CREATE TRIGGER events_extend_chain BEFORE INSERT ON events
WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM events)
  OR NEW.prev_hash IS NOT COALESCE(
       (SELECT hash FROM events ORDER BY seq DESC LIMIT 1),
       '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN
  SELECT RAISE(ABORT, 'a new event must extend the chain (next sequence number, newest hash)');
END;

-- Projections. Names compare case-insensitively so 'Alice' and 'alice' are one custodian.
CREATE TABLE safes (
  name       TEXT    PRIMARY KEY COLLATE NOCASE,
  location   TEXT    NOT NULL,
  two_person INTEGER NOT NULL CHECK (two_person IN (0, 1)),
  added_seq  INTEGER NOT NULL REFERENCES events (seq)
) STRICT;

CREATE TABLE custodians (
  name      TEXT    PRIMARY KEY COLLATE NOCASE,
  contact   TEXT    NOT NULL,
  added_seq INTEGER NOT NULL REFERENCES events (seq)
) STRICT;

CREATE TABLE identities (
  ref          TEXT    PRIMARY KEY COLLATE NOCASE,   -- UPN (user) or appId (app)
  kind         TEXT    NOT NULL CHECK (kind IN ('user', 'app')),
  object_id    TEXT,
  display_name TEXT,
  added_seq    INTEGER NOT NULL REFERENCES events (seq)
) STRICT;

CREATE TABLE items (
  label         TEXT    PRIMARY KEY COLLATE NOCASE,
  kind          TEXT    NOT NULL CHECK (kind IN
                  ('fido2-key', 'password-envelope', 'password-share', 'certificate-media', 'other')),
  serial        TEXT,
  identity      TEXT    REFERENCES identities (ref),
  safe          TEXT    NOT NULL REFERENCES safes (name),
  seal          TEXT,                                -- current tamper-evident bag, if sealed
  holder        TEXT    REFERENCES custodians (name), -- set while checked out
  out_since     TEXT,
  out_seq       INTEGER REFERENCES events (seq),
  last_reviewed TEXT,
  added_seq     INTEGER NOT NULL REFERENCES events (seq),
  CHECK ((holder IS NULL) = (out_seq IS NULL) AND (holder IS NULL) = (out_since IS NULL))
) STRICT;
