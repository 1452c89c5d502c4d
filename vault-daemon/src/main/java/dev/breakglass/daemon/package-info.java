/**
 * The vault-daemon: watches the break-glass identities' sign-ins through {@code entra}, ties each
 * to the custody state in the ledger, records it, and alerts out of band through a persistent
 * outbox. The entry point is {@link dev.breakglass.daemon.Daemon}; one poll is {@link
 * dev.breakglass.daemon.SignInWatcher#pollOnce()}.
 */
package dev.breakglass.daemon;
