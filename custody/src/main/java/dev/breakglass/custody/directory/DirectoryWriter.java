package dev.breakglass.custody.directory;

import java.util.List;

/** Writes the directory: the two changes the kit makes itself. */
public interface DirectoryWriter {
  /**
   * Sets a user's password without asking for a change at next sign-in. Must not keep or log
   * {@code password}.
   */
  void resetPassword(String userId, char[] password) throws DirectoryException;

  /**
   * Replaces an app registration's certificate credentials with {@code keys} (Graph's PATCH replaces
   * the whole collection: pass the ones to keep as well).
   *
   * @param applicationId the application's object id
   */
  void replaceKeyCredentials(String applicationId, List<NewKeyCredential> keys) throws DirectoryException;

  /**
   * A certificate credential to send: an existing one by its {@code keyId} (Graph keeps it as it
   * is), or a new one with the DER certificate.
   */
  record NewKeyCredential(java.util.Optional<String> keyId, java.util.Optional<byte[]> certificate,
      java.util.Optional<String> displayName) {}
}
