/**
 * The port through which the custody rules read (and, for passwords and app certificates, write)
 * the directory that holds the break-glass accounts: Microsoft Entra ID in production (the {@code
 * entra} module implements {@link dev.breakglass.custody.directory.DirectoryReader} and {@link
 * dev.breakglass.custody.directory.DirectoryWriter} with Microsoft Graph), an in-memory fake in
 * tests. The records carry only what the rules need, in Graph's own terms.
 */
package dev.breakglass.custody.directory;
