-- Ledger schema version 2: the private CA's inventory (cert-tools). Projections of the events
-- ca-created, certificate-issued, certificate-revoked and crl-issued, like the tables of version 1.
-- Serial numbers are upper-case hex without separators; fingerprints lower-case hex (SHA-256) and
-- upper-case hex (SHA-1, as the Entra portal shows a thumbprint).

CREATE TABLE cas (
  serial            TEXT    PRIMARY KEY,
  subject           TEXT    NOT NULL,
  key_type          TEXT    NOT NULL,               -- rsa-4096, rsa-3072, ec-p384
  not_before        TEXT    NOT NULL,
  not_after         TEXT    NOT NULL,
  sha256            TEXT    NOT NULL UNIQUE,
  sha1              TEXT    NOT NULL,
  crl_number        INTEGER NOT NULL DEFAULT 0,       -- number of the newest CRL it signed
  revoked_at        TEXT,
  revocation_reason TEXT,
  added_seq         INTEGER NOT NULL REFERENCES events (seq),
  CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
) STRICT;

CREATE TABLE certificates (
  serial            TEXT    PRIMARY KEY,
  ca_serial         TEXT    NOT NULL REFERENCES cas (serial),
  identity          TEXT    NOT NULL REFERENCES identities (ref),
  subject           TEXT    NOT NULL,
  key_type          TEXT    NOT NULL,               -- rsa-2048, rsa-3072, rsa-4096
  not_before        TEXT    NOT NULL,
  not_after         TEXT    NOT NULL,
  sha1              TEXT    NOT NULL,
  sha256            TEXT    NOT NULL UNIQUE,
  renews            TEXT    REFERENCES certificates (serial),
  revoked_at        TEXT,
  revocation_reason TEXT,
  revocation_code   TEXT,
  issued_seq        INTEGER NOT NULL REFERENCES events (seq),
  CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
) STRICT;

CREATE INDEX certificates_by_ca ON certificates (ca_serial, serial);
