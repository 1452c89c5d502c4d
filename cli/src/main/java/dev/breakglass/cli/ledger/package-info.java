/** {@code bg init|status|log|ledger}: the ledger itself. */
package dev.breakglass.cli.ledger;
