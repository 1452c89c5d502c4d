package dev.breakglass.custody.ledger;

import java.util.Optional;

/**
 * The result of recomputing the chain.
 *
 * @param events how many events were read
 * @param head the newest event as stored (absent for an empty table)
 * @param firstBadSeq the first sequence number at which the chain breaks, if it does
 * @param problem what is wrong, in one sentence, if anything
 * @param headChecked whether a head recorded elsewhere was compared
 */
public record VerifyReport(
    long events, Optional<Head> head, Optional<Long> firstBadSeq, Optional<String> problem,
    boolean headChecked) {

  public boolean ok() {
    return problem.isEmpty();
  }
}
