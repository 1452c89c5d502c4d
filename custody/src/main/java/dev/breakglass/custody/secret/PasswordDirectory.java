package dev.breakglass.custody.secret;

/**
 * The seam to the directory that holds the account: sets a break-glass user's password. The Entra
 * adapter implements it with Microsoft Graph; until it is wired in, rotation leaves setting the
 * password to an administrator.
 */
public interface PasswordDirectory {
  /** Sets {@code identity}'s password; must not keep or log {@code password}. */
  void setPassword(String identity, char[] password) throws Exception;
}
