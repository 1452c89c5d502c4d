package dev.breakglass.custody.procedure;

import dev.breakglass.custody.ledger.ReviewRequest;
import java.util.List;
import java.util.Objects;

/**
 * What a kit review will do, decided by {@link KitReview#plan} from the ledger and the request.
 * Nothing in it has been recorded yet.
 *
 * @param request what the custodians brought
 * @param sealReviews one inspection per item in its safe whose seal was read (or recorded as
 *     broken), in the ledger's item order; each was checked against the ledger's rules already
 * @param sealsMissing sealed items in their safe for which no seal number (nor --seal-broken) was
 *     given: the review cannot run until there is one for each
 * @param keysToVerify labels of the fido2-key items in their safe whose registered key will be
 *     asked for an assertion, in the ledger's item order
 * @param itemFindings items that cannot be inspected (checked out) or have nothing to inspect (no
 *     seal on record)
 * @param keyFindings keys that will not be verified: skipped with a reason, or never registered
 */
public record KitReviewPlan(
    KitReviewRequest request,
    List<ReviewRequest> sealReviews,
    List<String> sealsMissing,
    List<String> keysToVerify,
    List<KitReviewResult.Check> itemFindings,
    List<KitReviewResult.Check> keyFindings) {
  public KitReviewPlan {
    Objects.requireNonNull(request, "request");
    sealReviews = List.copyOf(sealReviews);
    sealsMissing = List.copyOf(sealsMissing);
    keysToVerify = List.copyOf(keysToVerify);
    itemFindings = List.copyOf(itemFindings);
    keyFindings = List.copyOf(keyFindings);
  }

  /** Every sealed item has a seal reading (or a broken-seal reason): the plan can be run. */
  public boolean complete() {
    return sealsMissing.isEmpty();
  }
}
