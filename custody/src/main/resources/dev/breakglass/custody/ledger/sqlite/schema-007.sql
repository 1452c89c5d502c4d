-- Ledger schema version 7: the kit review ('bg review', event kit-reviewed) and the unlock procedure
-- ('bg unlock' / 'bg lock'), whose steps are events that name their session in their details
-- (key-verified of a custodian, item-checked-out, item-checked-in, password-revealed). No new
-- table: an index lets 'bg status' find the last review, and 'bg report' events by type, without
-- reading the whole chain.
CREATE INDEX events_type ON events (type, seq);
