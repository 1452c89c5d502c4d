package dev.breakglass.custody.procedure;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the custodians of a kit review bring: who they are, what they read off the bags, which keys
 * cannot be checked today and why, and the password shares to check, if any.
 *
 * @param by the custodian who leads the review
 * @param witness the second custodian, required (checked by the ledger, so the message is its own)
 * @param seals item label to the seal number read off its bag
 * @param sealsBroken item label to why its seal cannot be confirmed (recorded, and a finding)
 * @param skipKeys item label to why its key is not verified this time (recorded as a finding)
 * @param shares share files of one password, to check against its verifier; empty: not requested
 * @param note what the custodians want on record, optional
 */
public record KitReviewRequest(
    String by,
    Optional<String> witness,
    Map<String, String> seals,
    Map<String, String> sealsBroken,
    Map<String, String> skipKeys,
    List<Path> shares,
    Optional<String> note) {
  public KitReviewRequest {
    if (by == null || by.isBlank()) {
      throw new IllegalArgumentException("name the custodian who leads the review with --by");
    }
    witness = Objects.requireNonNull(witness, "witness");
    seals = checked("--seal", "N", seals, 100);
    sealsBroken = checked("--seal-broken", "REASON", sealsBroken, 2000);
    skipKeys = checked("--skip-key", "REASON", skipKeys, 2000);
    shares = List.copyOf(shares);
    note = Objects.requireNonNull(note, "note");
  }

  /** The same request with {@code item}'s seal number added (read at a prompt). */
  public KitReviewRequest withSeal(String item, String number) {
    Map<String, String> s = new LinkedHashMap<>(seals);
    s.put(item, number);
    return new KitReviewRequest(by, witness, s, sealsBroken, skipKeys, shares, note);
  }

  /** ITEM=VALUE pairs in the order given; both sides non-blank and of bounded length. */
  private static Map<String, String> checked(String flag, String what, Map<String, String> pairs, int max) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : pairs.entrySet()) {
      String item = e.getKey() == null ? "" : e.getKey().strip();
      String value = e.getValue() == null ? "" : e.getValue().strip();
      if (item.isEmpty()) {
        throw new IllegalArgumentException(flag + " needs ITEM=" + what + ", got '=" + value + "'");
      }
      if (value.isEmpty()) {
        throw new IllegalArgumentException(flag + " " + item + "= gives no " + what + ": give ITEM=" + what);
      }
      if (value.length() > max) {
        throw new IllegalArgumentException(flag + " " + item + ": the " + what + " is longer than " + max
            + " characters");
      }
      out.put(item, value);
    }
    return Collections.unmodifiableMap(out);
  }
}
