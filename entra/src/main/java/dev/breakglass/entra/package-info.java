/**
 * The kit's link to Microsoft Entra ID: connection settings for one tenant, the credential that
 * signs in (certificate, managed identity, device code, client secret or an access-token file), and
 * the sign-in log as a {@link dev.breakglass.entra.SignInSource} for the daemon, read as a {@link
 * dev.breakglass.entra.SignInBatch} of readable sign-ins and {@link
 * dev.breakglass.entra.SkippedSignIn skipped} records; the same from a file with {@link
 * dev.breakglass.entra.SignInExport}.
 *
 * <p>Entry point: {@link dev.breakglass.entra.EntraConnection#open}, which gives the directory port
 * ({@link dev.breakglass.entra.graph.GraphDirectory}) and the sign-in source. Nothing here prints,
 * exits or reads the environment; every failure is a {@link
 * dev.breakglass.custody.directory.DirectoryException} whose message is one line for an operator.
 */
package dev.breakglass.entra;
