package dev.breakglass.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.ledger.CustodyWindow;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.SignInVerdict;
import dev.breakglass.entra.SignInRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CorrelatorTest {
  static final Instant T = Instant.parse("2026-11-25T10:00:00Z");
  static final String OID = "5f1c8a52-9d3e-4b7a-8c21-0c4e8e7b1a01";
  static final String APP = "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01";
  static final Identity BG1 = new Identity(IdentityKind.USER, "bg1@contoso.onmicrosoft.com", Optional.of(OID),
      Optional.empty());
  static final Identity BG2 = new Identity(IdentityKind.USER, "bg2@contoso.onmicrosoft.com", Optional.empty(),
      Optional.empty());
  static final Identity APP_ID = new Identity(IdentityKind.APP, APP, Optional.empty(), Optional.empty());

  static SignInRecord user(Instant at, String userId, String upn) {
    return new SignInRecord("s", at, Optional.ofNullable(userId), Optional.ofNullable(upn),
        Optional.of("c44b4083-3bb0-49c1-b47d-974e53cbdf3c"), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), 0, Optional.empty(), Optional.empty(), List.of("interactiveUser"), true);
  }

  static SignInRecord sp(Instant at, String appId) {
    return new SignInRecord("p", at, Optional.empty(), Optional.empty(), Optional.of(appId), Optional.empty(),
        Optional.of("9a8b7c6d-0000-4000-8000-000000000001"), Optional.empty(), Optional.empty(), Optional.empty(), 0,
        Optional.empty(), Optional.empty(), List.of("servicePrincipal"), false);
  }

  static CustodyWindow window(long seq, CustodyWindow.Kind kind, String identity, Instant from, Instant to,
      boolean drill) {
    return new CustodyWindow(seq, kind, identity, from, Optional.ofNullable(to), drill, List.of("Alice", "Bob"),
        "why", Optional.empty(), Optional.empty());
  }

  Correlator correlator(CustodyWindow... windows) {
    return new Correlator(List.of(BG1, BG2, APP_ID), List.of(windows), Duration.ofMinutes(10));
  }

  @Test
  void noWindow_isUnexplained() {
    Correlator.Judgement j = correlator().judge(user(T, OID, "bg1@contoso.onmicrosoft.com")).orElseThrow();
    assertEquals(SignInVerdict.UNEXPLAINED, j.verdict());
    assertEquals(Optional.empty(), j.window());
  }

  @Test
  void aRenamedUpn_isStillMatchedByObjectId() {
    assertEquals("bg1@contoso.onmicrosoft.com",
        correlator().judge(user(T, OID, "renamed@contoso.com")).orElseThrow().identity());
  }

  @Test
  void anIdentityWithoutObjectId_isMatchedByUpnIgnoringCase() {
    assertEquals("bg2@contoso.onmicrosoft.com",
        correlator().judge(user(T, "other-id", "BG2@Contoso.onmicrosoft.com")).orElseThrow().identity());
  }

  @Test
  void otherAccounts_andUserSignInsToTheBreakGlassApp_areNotJudged() {
    assertTrue(correlator().judge(user(T, "x", "adele@contoso.com")).isEmpty());
    SignInRecord userIntoApp = new SignInRecord("u", T, Optional.of("x"), Optional.of("adele@contoso.com"),
        Optional.of(APP), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0,
        Optional.empty(), Optional.empty(), List.of("interactiveUser"), true);
    assertTrue(correlator().judge(userIntoApp).isEmpty(), "a user's sign-in is not the app's own");
  }

  @Test
  void insideAnOpenCheckOut_isExpected_andOtherIdentitiesWindowsDoNotCount() {
    CustodyWindow out = window(7, CustodyWindow.Kind.CHECKOUT, "bg1@contoso.onmicrosoft.com", T.minusSeconds(3600),
        null, false);
    CustodyWindow other = window(8, CustodyWindow.Kind.SESSION, "bg2@contoso.onmicrosoft.com", T.minusSeconds(60),
        null, false);
    Correlator c = correlator(out, other);
    Correlator.Judgement j = c.judge(user(T, OID, null)).orElseThrow();
    assertEquals(SignInVerdict.EXPECTED, j.verdict());
    assertEquals(Optional.of(out), j.window());
    assertEquals(SignInVerdict.UNEXPLAINED, c.judge(sp(T, APP)).orElseThrow().verdict());
  }

  @Test
  void graceReachesBeforeAndAfterAWindow_andNoFurther() {
    CustodyWindow w = window(3, CustodyWindow.Kind.CHECKOUT, "bg1@contoso.onmicrosoft.com", T, T.plusSeconds(3600),
        false);
    Correlator c = correlator(w);
    assertEquals(SignInVerdict.EXPECTED, c.judge(user(T.minusSeconds(600), OID, null)).orElseThrow().verdict());
    assertEquals(SignInVerdict.UNEXPLAINED, c.judge(user(T.minusSeconds(601), OID, null)).orElseThrow().verdict());
    assertEquals(SignInVerdict.EXPECTED, c.judge(user(T.plusSeconds(4200), OID, null)).orElseThrow().verdict());
    assertEquals(SignInVerdict.UNEXPLAINED, c.judge(user(T.plusSeconds(4201), OID, null)).orElseThrow().verdict());
  }

  @Test
  void aContainingWindowBeatsAGraceMatch_aSessionBeatsACheckOut_andADrillGivesDrill() {
    CustodyWindow closedDrill = window(2, CustodyWindow.Kind.SESSION, "bg1@contoso.onmicrosoft.com",
        T.minusSeconds(7200), T.minusSeconds(60), true);
    CustodyWindow checkout = window(5, CustodyWindow.Kind.CHECKOUT, "bg1@contoso.onmicrosoft.com",
        T.minusSeconds(1800), null, false);
    assertEquals(Optional.of(checkout), correlator(closedDrill, checkout).judge(user(T, OID, null)).orElseThrow()
        .window());
    CustodyWindow drill = window(9, CustodyWindow.Kind.SESSION, "bg1@contoso.onmicrosoft.com", T.minusSeconds(600),
        null, true);
    Correlator.Judgement j = correlator(checkout, drill).judge(user(T, OID, null)).orElseThrow();
    assertEquals(SignInVerdict.DRILL, j.verdict());
    assertEquals(9, j.window().orElseThrow().seq());
  }

  @Test
  void aNegativeGrace_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Correlator(List.of(), List.of(), Duration.ofMinutes(-1)));
  }
}
