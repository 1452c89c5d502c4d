-- Ledger schema version 4: FIDO2 security keys registered with the kit's own WebAuthn relying
-- party (RP ID 'localhost'). A projection of key-registered, key-verified and key-alarm events and
-- of the key verification a check-out or check-in carries ('key' in its details).

-- One row per registered credential: a break-glass key (owner_kind 'item') or a custodian's
-- personal key (owner_kind 'custodian'). Binary values are base64url without padding.
CREATE TABLE fido_keys (
  credential_id       TEXT    PRIMARY KEY,
  owner_kind          TEXT    NOT NULL CHECK (owner_kind IN ('item', 'custodian')),
  owner               TEXT    NOT NULL COLLATE NOCASE,  -- item label or custodian name
  user_handle         TEXT    NOT NULL,                 -- the WebAuthn user.id of the owner
  public_key_cose     TEXT    NOT NULL,
  aaguid              TEXT    NOT NULL,                 -- authenticator model, 8-4-4-4-12 hex
  model               TEXT,                             -- its name, when known at registration
  attestation_format  TEXT    NOT NULL,                 -- 'packed', 'fido-u2f', 'none', ...
  attestation_type    TEXT    NOT NULL,                 -- BASIC, SELF_ATTESTATION, NONE, ...
  attestation_trusted INTEGER NOT NULL CHECK (attestation_trusted IN (0, 1)),
  transports          TEXT    NOT NULL,                 -- comma-separated, may be empty
  sign_count          INTEGER NOT NULL CHECK (sign_count >= 0),  -- newest counter seen
  verified_at         TEXT,                             -- last successful verification
  verified_seq        INTEGER REFERENCES events (seq),
  -- The verification after which the item has stayed in its safe: the counter must not move
  -- again until the next verification. NULL once the item leaves the safe.
  baseline_seq        INTEGER REFERENCES events (seq),
  alarms              INTEGER NOT NULL DEFAULT 0,
  registered_seq      INTEGER NOT NULL REFERENCES events (seq)
) STRICT;

CREATE INDEX fido_keys_owner ON fido_keys (owner_kind, owner);

-- Every counter value a key reported, with what the kit made of it.
CREATE TABLE fido_counters (
  seq           INTEGER NOT NULL REFERENCES events (seq),
  credential_id TEXT    NOT NULL REFERENCES fido_keys (credential_id),
  sign_count    INTEGER NOT NULL CHECK (sign_count >= 0),
  verdict       TEXT    NOT NULL,  -- registered, advanced, no-counter, used-in-safe, counter-regressed
  PRIMARY KEY (seq, credential_id)
) STRICT;
