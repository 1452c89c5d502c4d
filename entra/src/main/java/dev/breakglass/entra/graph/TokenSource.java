package dev.breakglass.entra.graph;

import dev.breakglass.custody.directory.DirectoryException;
import java.util.Optional;

/**
 * Where the Graph adapter gets its bearer tokens. The entra module wraps each azure-identity
 * credential (and the access-token file) in one; tests may pass their own.
 */
public interface TokenSource {
  /**
   * A token for Microsoft Graph, from a cache while it is valid.
   *
   * @throws DirectoryException UNAUTHENTICATED when none can be had (expired token file, a refused
   *     certificate, no managed identity), with a message that says what to do
   */
  String token() throws DirectoryException;

  /**
   * Graph answered 401 to {@code refused}: drop it and get another. Empty when no other token can be
   * had, so that the 401 stands.
   */
  Optional<String> renew(String refused) throws DirectoryException;
}
