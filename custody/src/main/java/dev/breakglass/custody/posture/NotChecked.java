package dev.breakglass.custody.posture;

/**
 * Thrown inside one check when a fact it needs could not be had (the directory refused to show it,
 * or the object it hangs on does not exist); {@link Posture} turns it into a FAIL row for that
 * check, and the other checks go on. Control flow only: no stack trace.
 */
final class NotChecked extends Exception {
  private static final long serialVersionUID = 1L;

  private final String fix;

  NotChecked(String evidence, String fix) {
    super(evidence, null, false, false);
    this.fix = fix;
  }

  String evidence() {
    return getMessage();
  }

  String fix() {
    return fix;
  }
}
