package dev.breakglass.ca;

/**
 * A recorded revocation.
 *
 * @param ofCa the serial was the CA root's
 * @param inNextCrl the next {@code crl} will list it (a leaf of the CA in service)
 * @param event the ledger event
 */
public record Revocation(String serial, boolean ofCa, boolean inNextCrl, long event) {}
