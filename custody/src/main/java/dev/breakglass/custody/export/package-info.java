/**
 * The break-glass inventory written in the formats other security tools read, so that they check
 * the same accounts the ledger holds: Maester's {@code EmergencyAccessAccounts}, ScubaGear's
 * Entra ID exclusions and a Microsoft Sentinel "VIP Users" watchlist.
 *
 * <p>Entry point: {@link dev.breakglass.custody.export.BreakGlassExport}; its input is a list of
 * {@link dev.breakglass.custody.export.ExportIdentity}, usually built with {@link
 * dev.breakglass.custody.export.BreakGlassExport#from}.
 */
package dev.breakglass.custody.export;
