package dev.breakglass.entra;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one read of the sign-in log gave: the sign-ins that could be read and the records that could
 * not. A record that cannot be read costs that record, not the poll: it is reported in {@link
 * #skipped()} so that a watcher can raise it (it may be a break-glass sign-in) while still acting on
 * the others.
 *
 * @param signIns readable sign-ins, oldest first, unique by id
 * @param skipped records that could not be read, in the order they were met
 */
public record SignInBatch(List<SignInRecord> signIns, List<SkippedSignIn> skipped) {
  public SignInBatch {
    signIns = List.copyOf(signIns);
    skipped = List.copyOf(skipped);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < signIns.size(); i++) {
      SignInRecord s = signIns.get(i);
      if (!ids.add(s.id())) {
        throw new IllegalArgumentException("sign-in " + s.id() + " is in the batch twice");
      }
      if (i > 0 && s.createdDateTime().isBefore(signIns.get(i - 1).createdDateTime())) {
        throw new IllegalArgumentException("sign-ins must be oldest first, but " + s.id() + " ("
            + s.createdDateTime() + ") follows " + signIns.get(i - 1).id() + " (" + signIns.get(i - 1).createdDateTime()
            + ")");
      }
    }
  }
}
