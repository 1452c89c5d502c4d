/**
 * FIDO2 security keys: the kit's own WebAuthn relying party (RP ID {@code localhost}).
 *
 * <p>Entry points: {@link dev.breakglass.custody.fido.KeyCeremonies} starts and finishes
 * registrations and assertions; {@link dev.breakglass.custody.fido.LoopbackCeremony} runs one of
 * them in the user's browser through a page served on loopback; {@link
 * dev.breakglass.custody.fido.AttestationTrust} reads the attestation roots (an offline FIDO MDS3
 * BLOB and PEM files). Keys, counters and alarms are recorded by {@link
 * dev.breakglass.custody.ledger.Ledger}.
 *
 * <p>Non-features: no discoverable (resident) credentials, no passkeys synced across devices, no
 * network access (the MDS BLOB is downloaded by the admin), no software authenticator.
 */
package dev.breakglass.custody.fido;
