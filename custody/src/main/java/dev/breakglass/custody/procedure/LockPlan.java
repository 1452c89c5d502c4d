package dev.breakglass.custody.procedure;

import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.PasswordRecord;
import dev.breakglass.custody.ledger.SessionProgress;
import java.util.List;
import java.util.Optional;

/**
 * What a lock still has to do, decided before anything is written.
 *
 * @param progress the open session
 * @param toCheckIn items taken out for the session and still out
 * @param withKey those of {@code toCheckIn} whose registered key is verified as they go back
 * @param rotate the password version in force that must be replaced, when the identity is a user
 *     with a password that was not rotated since the session opened
 */
public record LockPlan(
    SessionProgress progress,
    List<Item> toCheckIn,
    List<String> withKey,
    Optional<PasswordRecord> rotate) {
  public LockPlan {
    toCheckIn = List.copyOf(toCheckIn);
    withKey = List.copyOf(withKey);
  }
}
