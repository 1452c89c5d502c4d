/**
 * {@code bg monitor}: what other monitoring needs from the ledger; {@code bg monitor kql} prints the
 * Azure Monitor alert query ({@link dev.breakglass.daemon.MonitorKql}).
 */
package dev.breakglass.cli.monitor;
