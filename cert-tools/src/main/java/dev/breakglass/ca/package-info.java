/**
 * The kit's private, non-enterprise CA for the break-glass app registration: an offline root whose
 * key is stored only encrypted, client-authentication certificates for app identities, revocation
 * and CRLs. Every issuance, renewal and revocation is recorded in the custody ledger.
 *
 * <p>Entry point: {@link dev.breakglass.ca.CertificateAuthority}. Failures of this module are
 * {@link dev.breakglass.ca.CaException}s; failures of the ledger stay {@link
 * dev.breakglass.custody.CustodyException}s. The module never prints and never reads a terminal:
 * passphrases arrive as {@code char[]} that the caller wipes.
 */
package dev.breakglass.ca;
