/**
 * The SQLite store behind the ledger: all SQL lives in {@link
 * dev.breakglass.custody.ledger.sqlite.SqliteLedgerStore}, the schema in {@code schema-NNN.sql}
 * resources beside it. Not an API: use {@link dev.breakglass.custody.ledger.Ledger}.
 */
package dev.breakglass.custody.ledger.sqlite;
