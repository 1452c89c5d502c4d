package dev.breakglass.custody.posture;

import dev.breakglass.custody.posture.PostureCheck.Status;

/** What one check found, before {@link Posture} names the check and its subject. */
record Outcome(Status status, String evidence, String fix) {
  static Outcome pass(String evidence) {
    return new Outcome(Status.PASS, evidence, "");
  }

  static Outcome warn(String evidence, String fix) {
    return new Outcome(Status.WARN, evidence, fix);
  }

  static Outcome fail(String evidence, String fix) {
    return new Outcome(Status.FAIL, evidence, fix);
  }

  /**
   * FAIL when there are failures (the evidence lists the warnings after them), else WARN when there
   * are warnings, else PASS with {@code passed}.
   */
  static Outcome of(Findings f, String passed) {
    if (!f.fails.isEmpty()) {
      java.util.List<String> all = new java.util.ArrayList<>(f.fails);
      all.addAll(f.warns);
      return fail(Texts.join(all), Texts.join(f.fixes));
    }
    if (!f.warns.isEmpty()) {
      return warn(Texts.join(f.warns), Texts.join(f.fixes));
    }
    return pass(passed);
  }

  /** Findings of a check with several parts; fixes are listed once each, in order. */
  static final class Findings {
    final java.util.List<String> fails = new java.util.ArrayList<>();
    final java.util.List<String> warns = new java.util.ArrayList<>();
    final java.util.List<String> fixes = new java.util.ArrayList<>();

    void fail(String evidence, String fix) {
      fails.add(evidence);
      fix(fix);
    }

    void warn(String evidence, String fix) {
      warns.add(evidence);
      fix(fix);
    }

    private void fix(String fix) {
      if (!fix.isEmpty() && !fixes.contains(fix)) {
        fixes.add(fix);
      }
    }
  }
}
