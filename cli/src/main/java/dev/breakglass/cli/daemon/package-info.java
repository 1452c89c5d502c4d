/** {@code bg daemon run|once} and {@code bg correlate}: the vault-daemon's commands. */
package dev.breakglass.cli.daemon;
