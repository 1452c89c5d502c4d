package dev.breakglass.custody.directory;

/** Writes the directory: the changes the kit makes itself. */
public interface DirectoryWriter {
  /**
   * Sets a user's password without asking for a change at next sign-in. Must not keep or log
   * {@code password}.
   */
  void resetPassword(String userId, char[] password) throws DirectoryException;

  /**
   * Adds a certificate credential (usage Verify) to an app registration, keeping every credential
   * it has. (Graph's PATCH replaces the whole collection; the adapter re-sends the others.)
   *
   * @param applicationId the application's object id
   * @param certificateDer the certificate, DER
   * @return the new credential's keyId
   */
  String addCertificate(String applicationId, byte[] certificateDer, String displayName) throws DirectoryException;

  /** Removes one certificate credential by keyId, keeping every other credential. */
  void removeCertificate(String applicationId, String keyId) throws DirectoryException;
}
