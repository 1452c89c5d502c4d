/**
 * Nobody-knows passwords: generation over Entra ID's character set, k-of-n Shamir shares made to be
 * typed by hand, Argon2id verifiers, and the ledger records of each version.
 *
 * <p>Entry point: {@link dev.breakglass.custody.secret.PasswordCustody}. Passwords travel as {@code
 * char[]} that the caller wipes; they never reach the ledger, a log or an exception message.
 */
package dev.breakglass.custody.secret;
