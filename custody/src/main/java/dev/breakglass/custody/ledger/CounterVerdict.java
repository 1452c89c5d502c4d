package dev.breakglass.custody.ledger;

/**
 * What a signature counter says about a key. WebAuthn authenticators raise the counter at every
 * signature (security keys such as the YubiKey keep one counter for all their credentials), so a
 * counter that went backwards means two devices hold the credential, and a counter that moved
 * more than once between a verification and the next, while the key sat in its safe, means the key
 * signed something in there.
 */
public enum CounterVerdict {
  /** Rose as expected. */
  ADVANCED("advanced", false),
  /** The key reports 0 every time: it keeps no counter (recorded, not an error). */
  NO_COUNTER("no-counter", false),
  /** Rose by more than this verification while the item was in its safe: an alarm. */
  USED_IN_SAFE("used-in-safe", true),
  /** Not above the last value seen: a possible clone; the verification is refused. */
  COUNTER_REGRESSED("counter-regressed", true);

  private final String wireName;
  private final boolean alarm;

  CounterVerdict(String wireName, boolean alarm) {
    this.wireName = wireName;
    this.alarm = alarm;
  }

  public String wireName() {
    return wireName;
  }

  public boolean alarm() {
    return alarm;
  }

  /**
   * Judges a counter.
   *
   * @param stored the newest counter recorded for the credential
   * @param presented the counter in the assertion just verified
   * @param sealedSinceLastVerification the item has been in its safe since the last verification
   */
  public static CounterVerdict judge(long stored, long presented, boolean sealedSinceLastVerification) {
    if (stored == 0 && presented == 0) {
      return NO_COUNTER;
    }
    if (presented <= stored) {
      return COUNTER_REGRESSED;
    }
    if (sealedSinceLastVerification && presented - stored > 1) {
      return USED_IN_SAFE;
    }
    return ADVANCED;
  }

  @Override
  public String toString() {
    return wireName;
  }
}
