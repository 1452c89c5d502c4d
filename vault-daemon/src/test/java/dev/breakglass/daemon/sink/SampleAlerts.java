package dev.breakglass.daemon.sink;

import dev.breakglass.daemon.Alert;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Alerts the sink and JSON tests send: a full sign-in alert, a hostile one, and a bare one. */
public final class SampleAlerts {
  public static final String HEAD_HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  private SampleAlerts() {}

  /** The UNEXPLAINED failed sign-in every sink renders in its tests. */
  public static Alert unexplained() {
    return new Alert(
        "6f1c2a9e-8a51-4c3e-9d53-0c1f3a7b2e10",
        Alert.Kind.SIGN_IN,
        Alert.Severity.CRITICAL,
        Instant.parse("2026-11-25T10:00:05Z"),
        "UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com from 203.0.113.7 (GB)",
        Optional.of("UNEXPLAINED"),
        Optional.of(new Alert.SignIn(
            "d1f0c3a2-1111-4222-8333-944455556666",
            Instant.parse("2026-11-25T10:00:00Z"),
            "bg1@contoso.onmicrosoft.com",
            Optional.of("bg1@contoso.onmicrosoft.com"),
            Optional.of("00000003-0000-0000-c000-000000000000"),
            Optional.of("Azure Portal"),
            Optional.of("203.0.113.7"),
            Optional.of("London"),
            Optional.of("GB"),
            "failure",
            50126,
            Optional.of("Invalid username or password"),
            Optional.of("notApplied"),
            List.of("interactiveUser"))),
        Optional.empty(),
        List.of("Nobody has checked out a credential for bg1@contoso.onmicrosoft.com.",
            "Check the sign-in in the Entra admin center and follow the runbook."),
        1234,
        HEAD_HASH);
  }

  /** An EXPECTED sign-in explained by a check-out. */
  public static Alert expected() {
    Alert u = unexplained();
    return new Alert("0b8e1f6c-2d3a-4e5f-8a9b-1c2d3e4f5a6b", Alert.Kind.SIGN_IN, Alert.Severity.INFO,
        u.raisedAt(), "EXPECTED sign-in: bg1@contoso.onmicrosoft.com", Optional.of("EXPECTED"), u.signIn(),
        Optional.of(new Alert.Custody(42, "item-checked-out", List.of("Alice", "Bob"), "tenant lockout",
            Optional.of("INC-4711"))),
        List.of(), 1235, HEAD_HASH);
  }

  /**
   * A sign-in whose attacker-chosen fields carry line breaks, an escape sequence, a bidi override,
   * Markdown and Slack link syntax, syslog SD specials and HTML.
   */
  public static Alert hostile() {
    Alert u = unexplained();
    Alert.SignIn s = u.signIn().orElseThrow();
    return new Alert(u.id(), u.kind(), Alert.Severity.HIGH, u.raisedAt(),
        "UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com\n<!channel> [click](https://evil.example)",
        u.verdict(),
        Optional.of(new Alert.SignIn(s.id(), s.time(), "bg\"1]\\@contoso.onmicrosoft.com", s.userPrincipalName(),
            s.appId(), Optional.of("Portal\u202e<b>&amp;</b>"), Optional.of("203.0.113.7"),
            Optional.of("Lon\r\ndon\u001b[31m\u2028"), Optional.of("G<B>&"), "failure", 50126,
            s.failureReason(), s.conditionalAccessStatus(), s.eventTypes())),
        Optional.empty(), List.of("*bold* _it_ <https://evil.example|Reset> [x](y)"), 7, HEAD_HASH);
  }

  /** No sign-in, no custody, no details: the smallest alert. */
  public static Alert bare() {
    return new Alert("11111111-2222-4333-8444-555555555555", Alert.Kind.REVIEW_OVERDUE, Alert.Severity.WARNING,
        Instant.parse("2026-11-25T09:00:00.123456789Z"), "3 custody items not inspected for 90 days",
        Optional.empty(), Optional.empty(), Optional.empty(), List.of(), 0, HEAD_HASH);
  }
}
