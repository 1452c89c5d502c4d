package dev.breakglass.custody.procedure;

import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.PasswordRecord;
import dev.breakglass.custody.ledger.SessionProgress;
import java.util.List;
import java.util.Optional;

/**
 * What an unlock still has to do, decided before anything is written so that a command can ask for
 * every input (seal numbers, share files) first.
 *
 * @param identity the break-glass identity
 * @param progress the open session to resume, or empty when a new one is to be opened
 * @param awaitingPresence custodians who must still prove presence with their own key
 * @param toCheckOut items in their safe that unlock the identity, to take out for the session
 * @param withKey those of {@code toCheckOut} whose registered key is verified as they come out
 * @param password the current password version when it is split into shares and not yet revealed
 *     in this session: the shares rebuild it
 */
public record UnlockPlan(
    Identity identity,
    Optional<SessionProgress> progress,
    List<String> awaitingPresence,
    List<Item> toCheckOut,
    List<String> withKey,
    Optional<PasswordRecord> password) {
  public UnlockPlan {
    awaitingPresence = List.copyOf(awaitingPresence);
    toCheckOut = List.copyOf(toCheckOut);
    withKey = List.copyOf(withKey);
  }

  public boolean resumes() {
    return progress.isPresent();
  }
}
