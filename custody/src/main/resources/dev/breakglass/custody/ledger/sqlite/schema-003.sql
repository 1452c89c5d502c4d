-- Ledger schema version 3: nobody-knows passwords. A projection of the events password-created,
-- password-verified and password-revealed. The password itself is never stored: only a salted,
-- slow verifier (Argon2id, PHC string) that can check a rebuilt password.

CREATE TABLE passwords (
  identity      TEXT    NOT NULL REFERENCES identities (ref),
  version       INTEGER NOT NULL CHECK (version >= 1),
  length        INTEGER NOT NULL,
  entropy_bits  INTEGER NOT NULL,
  layout        TEXT    NOT NULL,                 -- 'single' or 'K-of-N'
  share_set     TEXT,                             -- random id printed on every share of this version
  verifier      TEXT    NOT NULL,                 -- $argon2id$v=19$m=...,t=...,p=...$salt$hash
  status        TEXT    NOT NULL CHECK (status IN ('current', 'superseded')),
  last_verified TEXT,
  created_seq   INTEGER NOT NULL REFERENCES events (seq),
  PRIMARY KEY (identity, version)
) STRICT;
