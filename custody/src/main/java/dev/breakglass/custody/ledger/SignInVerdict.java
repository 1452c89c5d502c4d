package dev.breakglass.custody.ledger;

/** What custody made of a sign-in of a break-glass identity. */
public enum SignInVerdict {
  /** An open unlock session or a check-out of an item that unlocks the identity explains it. */
  EXPECTED,
  /** A drill session explains it. */
  DRILL,
  /** Nothing in custody explains it: someone may hold the credentials who should not. */
  UNEXPLAINED
}
