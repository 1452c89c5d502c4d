-- Ledger schema version 6: unlock sessions and the sign-ins the vault-daemon observed, as
-- projections of the events session-opened, session-closed and signin-observed; and the daemon's
-- working state (its checkpoint and its alert outbox), which is not evidence: it is not
-- hash-chained, not rebuilt by 'bg ledger verify', and rows change as alerts are delivered.

-- An unlock session: the time during which a break-glass identity may be used. Its id is the
-- sequence number of the event that opened it.
CREATE TABLE sessions (
  seq          INTEGER PRIMARY KEY REFERENCES events (seq),
  identity     TEXT    NOT NULL COLLATE NOCASE,  -- a UPN or an app's client id, as in identities.ref
  drill        INTEGER NOT NULL CHECK (drill IN (0, 1)),
  opened_by    TEXT    NOT NULL,
  witness      TEXT,
  opened_at    TEXT    NOT NULL,
  expected_end TEXT    NOT NULL,
  closed_seq   INTEGER REFERENCES events (seq),   -- NULL while open
  closed_at    TEXT
) STRICT;

CREATE INDEX sessions_identity ON sessions (identity, opened_at);

-- Every sign-in of a break-glass identity the daemon recorded, once each (Entra ID's sign-in id).
CREATE TABLE signins (
  signin_id   TEXT    PRIMARY KEY,
  seq         INTEGER NOT NULL REFERENCES events (seq),  -- the signin-observed event
  created_at  TEXT    NOT NULL,                         -- when Entra ID says it happened
  identity    TEXT    NOT NULL COLLATE NOCASE,
  verdict     TEXT    NOT NULL CHECK (verdict IN ('EXPECTED', 'DRILL', 'UNEXPLAINED')),
  custody_seq INTEGER REFERENCES events (seq),          -- the session or check-out that explains it
  succeeded   INTEGER NOT NULL CHECK (succeeded IN (0, 1))
) STRICT;

CREATE INDEX signins_created ON signins (created_at);

-- The daemon's named values: its sign-in checkpoint, the last posture result it alerted on, ...
CREATE TABLE daemon_state (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- Alerts waiting for (or past) delivery, one row per alert and sink: at-least-once delivery.
CREATE TABLE outbox (
  id           INTEGER PRIMARY KEY,
  alert_id     TEXT    NOT NULL,
  sink         TEXT    NOT NULL,
  payload      TEXT    NOT NULL,  -- the alert as JSON
  created_at   TEXT    NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt TEXT    NOT NULL,
  last_error   TEXT,
  delivered_at TEXT,              -- NULL while pending
  UNIQUE (alert_id, sink)
) STRICT;

CREATE INDEX outbox_pending ON outbox (delivered_at, next_attempt);
