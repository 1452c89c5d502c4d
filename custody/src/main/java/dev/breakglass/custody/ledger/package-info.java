/**
 * The custody ledger: inventory (safes, custodians, break-glass identities, items) and the
 * append-only, hash-chained event log from which who-holds-what is derived.
 *
 * <p>Entry point: {@link dev.breakglass.custody.ledger.Ledger#open} (or {@code init} for a new
 * home). Every change is one {@link dev.breakglass.custody.ledger.Event}; the inventory tables are a
 * projection of the events written in the same transaction, and {@link
 * dev.breakglass.custody.ledger.Ledger#verify} recomputes both the chain and the projection.
 */
package dev.breakglass.custody.ledger;
