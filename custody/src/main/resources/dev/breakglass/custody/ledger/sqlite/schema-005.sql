-- Ledger schema version 5: what the kit changed in Entra ID itself. A projection of the events
-- certificate-attached, certificate-detached and password-set.

-- Certificates of ours attached to an app registration as key credentials (bg app attach-cert).
CREATE TABLE app_certificates (
  serial        TEXT    NOT NULL REFERENCES certificates (serial),
  identity      TEXT    NOT NULL,                 -- the app's client id
  key_id        TEXT    NOT NULL,                 -- the keyCredential's keyId in Entra
  attached_seq  INTEGER NOT NULL REFERENCES events (seq),
  detached_seq  INTEGER REFERENCES events (seq),  -- NULL while attached
  PRIMARY KEY (serial, key_id)
) STRICT;

-- When the directory accepted a password version (bg password new|rotate --set-in-entra).
ALTER TABLE passwords ADD COLUMN set_in_directory TEXT;
