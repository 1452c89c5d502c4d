/**
 * Custody of break-glass credentials: the append-only, hash-chained ledger and the rules every
 * custody change obeys.
 *
 * <p>Entry point: {@link dev.breakglass.custody.ledger.Ledger}. Every failure an operator can act on
 * is a {@link dev.breakglass.custody.CustodyException} whose {@link
 * dev.breakglass.custody.CustodyException.Reason} says what kind of failure it is. This module never
 * prints, exits or reads the environment: the CLI does that and passes values in.
 */
package dev.breakglass.custody;
