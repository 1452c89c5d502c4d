package dev.breakglass.entra;

import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.entra.graph.TokenSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Hands out the given tokens in order: the first until Graph refuses it, then the next. With one
 * token, a refusal stands. Or fails every time, as a credential that cannot sign in does.
 */
public final class FakeTokens implements TokenSource {
  private final List<String> tokens;
  private final DirectoryException failure;
  private int current;
  private final List<String> refused = new ArrayList<>();

  private FakeTokens(List<String> tokens, DirectoryException failure) {
    this.tokens = List.copyOf(tokens);
    this.failure = failure;
  }

  public static FakeTokens of(String... tokens) {
    return new FakeTokens(List.of(tokens), null);
  }

  public static FakeTokens failing(DirectoryException e) {
    return new FakeTokens(List.of(), e);
  }

  @Override
  public synchronized String token() throws DirectoryException {
    if (failure != null) {
      throw failure;
    }
    return tokens.get(current);
  }

  @Override
  public synchronized Optional<String> renew(String refusedToken) throws DirectoryException {
    if (failure != null) {
      throw failure;
    }
    refused.add(refusedToken);
    if (current + 1 >= tokens.size()) {
      return Optional.empty();
    }
    current++;
    return Optional.of(tokens.get(current));
  }

  /** The tokens Graph refused, in order. */
  public synchronized List<String> refused() {
    return List.copyOf(refused);
  }
}
