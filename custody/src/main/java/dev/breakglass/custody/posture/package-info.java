/**
 * Posture of the break-glass setup: whether what the ledger holds is sound in the directory, as
 * Microsoft's emergency-access guidance asks (cloud-only accounts on {@code *.onmicrosoft.com},
 * excluded from Conditional Access, permanent active Global Administrator, FIDO2 keys in custody and
 * no phone or Authenticator methods, passwords set by the kit; an app that signs in only with
 * certificates our CA issued; items reviewed on time; two or more accounts; a FIDO2 policy that lets
 * the keys in custody sign in).
 *
 * <p>Entry point: {@link dev.breakglass.custody.posture.Posture#check}, which reads the ledger and
 * the directory (through {@link dev.breakglass.custody.directory.DirectoryReader}) and returns a
 * {@link dev.breakglass.custody.posture.PostureReport}. It only reads: it changes nothing in the
 * ledger or the directory, and prints nothing.
 *
 * <p>Non-features: no checks of sign-in monitoring or alerting, of the FIDO2 policy's targets or of
 * certificate-based authentication; policies that deliberately target the accounts (say, to
 * require phishing-resistant MFA) are reported like any other policy that does not exclude them.
 */
package dev.breakglass.custody.posture;
