package dev.breakglass.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.breakglass.custody.PrintableText;
import dev.breakglass.daemon.sink.SampleAlerts;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AlertJsonTest {
  @Test
  void roundTrip_isExactForEveryShapeOfAlert() throws Exception {
    for (Alert a : List.of(SampleAlerts.unexplained(), SampleAlerts.expected(), SampleAlerts.hostile(),
        SampleAlerts.bare())) {
      String json = AlertJson.toJson(a);
      assertEquals(a, AlertJson.fromJson(json), json);
      assertEquals(json, AlertJson.toJson(AlertJson.fromJson(json)));
    }
  }

  @Test
  void toJson_keepsRecordOrder_omitsEmptyOptionals_writesInstantsAsUtc() {
    assertEquals("{\"id\":\"11111111-2222-4333-8444-555555555555\",\"kind\":\"REVIEW_OVERDUE\","
        + "\"severity\":\"WARNING\",\"raisedAt\":\"2026-11-25T09:00:00.123456789Z\","
        + "\"title\":\"3 custody items not inspected for 90 days\",\"details\":[],\"ledgerHeadSeq\":0,"
        + "\"ledgerHeadHash\":\"" + SampleAlerts.HEAD_HASH + "\"}", AlertJson.toJson(SampleAlerts.bare()));
  }

  @Test
  void toJson_signInAndCustodyInRecordOrder() {
    String json = AlertJson.toJson(SampleAlerts.expected());
    assertEquals("{\"id\":\"0b8e1f6c-2d3a-4e5f-8a9b-1c2d3e4f5a6b\",\"kind\":\"SIGN_IN\",\"severity\":\"INFO\","
        + "\"raisedAt\":\"2026-11-25T10:00:05Z\",\"title\":\"EXPECTED sign-in: bg1@contoso.onmicrosoft.com\","
        + "\"verdict\":\"EXPECTED\",\"signIn\":{\"id\":\"d1f0c3a2-1111-4222-8333-944455556666\","
        + "\"time\":\"2026-11-25T10:00:00Z\",\"identity\":\"bg1@contoso.onmicrosoft.com\","
        + "\"userPrincipalName\":\"bg1@contoso.onmicrosoft.com\",\"appId\":\"00000003-0000-0000-c000-000000000000\","
        + "\"appDisplayName\":\"Azure Portal\",\"ipAddress\":\"203.0.113.7\",\"city\":\"London\","
        + "\"countryOrRegion\":\"GB\",\"result\":\"failure\",\"errorCode\":50126,"
        + "\"failureReason\":\"Invalid username or password\",\"conditionalAccessStatus\":\"notApplied\","
        + "\"eventTypes\":[\"interactiveUser\"]},\"custody\":{\"seq\":42,\"type\":\"item-checked-out\","
        + "\"custodians\":[\"Alice\",\"Bob\"],\"reason\":\"tenant lockout\",\"ticket\":\"INC-4711\"},"
        + "\"details\":[],\"ledgerHeadSeq\":1235,\"ledgerHeadHash\":\"" + SampleAlerts.HEAD_HASH + "\"}", json);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "not json at all | alert JSON: not valid JSON (",
      "[1,2] | alert JSON: expected a JSON object",
      "{} | alert JSON: missing field 'id'",
      "`{\"id\":1}` | alert JSON: field 'id' must be a string",
      "`{\"id\":\"a\",\"kind\":\"SIGN_IN\",\"sevrity\":\"HIGH\"}` | alert JSON: unknown field 'sevrity'",
      "`{\"id\":\"a\",\"kind\":\"LOGIN\"}` | alert JSON: field 'kind' has unknown value 'LOGIN'",
      "`{\"id\":\"a\",\"id\":\"b\"}` | alert JSON: not valid JSON (Duplicate field 'id')",
      "`{\"id\":\"a\"} trailing` | alert JSON: not valid JSON (",
      "`{\"id\":\"a\",\"signIn\":[]}` | alert JSON: field 'signIn' must be an object",
  })
  void fromJson_rejectsGarbageNamingTheProblem(String json, String messageStart) {
    DaemonException e = assertThrows(DaemonException.class, () -> AlertJson.fromJson(json));
    assertEquals(DaemonException.Reason.IO, e.reason());
    assertEquals(messageStart, e.getMessage().substring(0, Math.min(e.getMessage().length(), messageStart.length())),
        e.getMessage());
  }

  @Test
  void fromJson_namesTheNestedFieldThatIsWrong() {
    String good = AlertJson.toJson(SampleAlerts.unexplained());
    assertMessage("alert JSON: field 'raisedAt' is not an ISO-8601 UTC instant: 'yesterday'",
        good.replace("\"raisedAt\":\"2026-11-25T10:00:05Z\"", "\"raisedAt\":\"yesterday\""));
    assertMessage("alert JSON: field 'signIn.errorCode' must be an integer of 32 bits",
        good.replace("\"errorCode\":50126", "\"errorCode\":5000000000"));
    assertMessage("alert JSON: field 'signIn.errorCode' must be an integer of 32 bits",
        good.replace("\"errorCode\":50126", "\"errorCode\":1.5"));
    assertMessage("alert JSON: field 'verdict' must be a string",
        good.replace("\"verdict\":\"UNEXPLAINED\"", "\"verdict\":null"));
    assertMessage("alert JSON: missing field 'signIn.result'", good.replace("\"result\":\"failure\",", ""));
    assertMessage("alert JSON: unknown field 'signIn.password'",
        good.replace("\"result\":\"failure\",", "\"result\":\"failure\",\"password\":\"x\","));
    assertMessage("alert JSON: field 'details' must be an array of strings",
        good.replace("\"details\":[", "\"details\":[1,"));
    assertMessage("alert JSON: field 'ledgerHeadSeq' must be an integer of 64 bits",
        good.replace("\"ledgerHeadSeq\":1234", "\"ledgerHeadSeq\":\"1234\""));
  }

  private static void assertMessage(String expected, String json) {
    DaemonException e = assertThrows(DaemonException.class, () -> AlertJson.fromJson(json));
    assertEquals(DaemonException.Reason.IO, e.reason());
    assertEquals(expected, e.getMessage());
  }

  @Test
  void oneLine_forASignIn() {
    assertEquals("CRITICAL UNEXPLAINED sign-in: bg1@contoso.onmicrosoft.com 2026-11-25T10:00:00Z from 203.0.113.7"
        + " (London, GB) result failure 50126", AlertJson.oneLine(SampleAlerts.unexplained()));
    assertEquals("INFO EXPECTED sign-in: bg1@contoso.onmicrosoft.com 2026-11-25T10:00:00Z from 203.0.113.7"
        + " (London, GB) result failure 50126 custody event 42", AlertJson.oneLine(SampleAlerts.expected()));
  }

  @Test
  void oneLine_forOtherKindsIsSeverityAndTitle() {
    assertEquals("WARNING 3 custody items not inspected for 90 days", AlertJson.oneLine(SampleAlerts.bare()));
  }

  @Test
  void oneLine_sanitisesWhatTheSignerChose() {
    String line = AlertJson.oneLine(SampleAlerts.hostile());
    assertEquals("HIGH UNEXPLAINED sign-in: bg\"1]\\@contoso.onmicrosoft.com 2026-11-25T10:00:00Z from 203.0.113.7"
        + " (Lon??don?[31m?, G<B>&) result failure 50126", line);
    assertFalse(line.chars().anyMatch(Character::isISOControl));
  }

  @Test
  void sanitize_replacesControlLineSeparatorAndFormatCharacters() {
    assertEquals("a?b?c?d?e?f?g", PrintableText.replaceUnprintable("a\nb\rc\u001bd\u2028e\u2029f\u202eg"));
    assertEquals("Zoë 東京 😀", PrintableText.replaceUnprintable("Zoë 東京 😀"));
  }
}
