package dev.breakglass.custody.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How far an unlock session has come, read from the events that name it: what {@code bg unlock}
 * resumes from and what {@code bg lock} still has to do.
 *
 * @param session the session
 * @param namedWitness the quorum the session was opened under: true when its witness need not prove
 *     presence with a key ({@code unlock.allow-named-witness} at the time it opened)
 * @param present custodians who proved presence with their own key for it, in order
 * @param checkedOut items taken out for it, in order
 * @param stillOut those of them not checked back in yet
 * @param revealedVersion the password version shown to the responder in it, if any
 * @param rotatedVersion a password version of the identity made after it opened, if any
 * @param rotatedSetInDirectory whether the directory accepted that version
 */
public record SessionProgress(
    Session session,
    boolean namedWitness,
    List<String> present,
    List<String> checkedOut,
    List<String> stillOut,
    Optional<Integer> revealedVersion,
    Optional<Integer> rotatedVersion,
    boolean rotatedSetInDirectory) {
  public SessionProgress {
    present = List.copyOf(present);
    checkedOut = List.copyOf(checkedOut);
    stillOut = List.copyOf(stillOut);
  }

  /** The custodians who must prove presence with their own key, in the order they are asked. */
  public List<String> quorum() {
    List<String> q = new ArrayList<>(List.of(session.openedBy()));
    if (!namedWitness) {
      session.witness().ifPresent(q::add);
    }
    return q;
  }

  /** Those of {@link #quorum()} who have not proved presence yet. */
  public List<String> awaitingPresence() {
    return quorum().stream().filter(c -> present.stream().noneMatch(p -> p.equalsIgnoreCase(c))).toList();
  }

  public boolean quorumMet() {
    return awaitingPresence().isEmpty();
  }
}
