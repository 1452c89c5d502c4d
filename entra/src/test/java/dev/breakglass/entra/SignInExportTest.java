package dev.breakglass.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryException.Reason;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bg correlate --signins FILE}: the three shapes, and every way a file is refused. */
class SignInExportTest {
  static final String ID = "66ea54eb-6301-4ee5-be62-ff5a759b0";
  static final String BG1 = "5f1c8a52-3b7e-4a61-9d2c-0c4e8e7b1a01";

  @TempDir
  Path dir;

  static Path fixture(String name) throws Exception {
    return Path.of(SignInExportTest.class.getClassLoader().getResource("signin-exports/" + name).toURI());
  }

  Path write(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void graphResponse_isRead_nextLinkIgnored_badRecordSkipped() throws Exception {
    SignInBatch b = SignInExport.read(fixture("graph-response.json"));
    assertEquals(List.of(ID + "107", ID + "106", ID + "105"), ids(b));
    assertEquals(new SignInRecord(ID + "107", Instant.parse("2026-11-20T09:00:00Z"), Optional.of(BG1),
        Optional.of("bg1@contoso.onmicrosoft.com"), Optional.of("c44b4083-3bb0-49c1-b47d-974e53cbdf3c"),
        Optional.of("Azure Portal"), Optional.empty(), Optional.of("198.51.100.99"), Optional.of("Lagos"),
        Optional.of("NG"), 50126, Optional.of("Error validating credentials due to invalid username or password."),
        Optional.of("notApplied"), List.of("interactiveUser"), true), b.signIns().get(0));
    assertEquals(List.of(new SkippedSignIn(Optional.of(ID + "199"), Optional.empty(),
        "createdDateTime 'not-a-date' is not an ISO 8601 date and time")), b.skipped());
  }

  @Test
  void adminCenterDownload_bareList_eventTypesDerivedWhereUnambiguous() throws Exception {
    SignInBatch b = SignInExport.read(fixture("admin-center-download.json"));
    assertEquals(List.of(), b.skipped());
    assertEquals(List.of(ID + "107", ID + "105", ID + "102", ID + "120", ID + "121"), ids(b));
    List<SignInRecord> s = b.signIns();
    assertEquals(Instant.parse("2026-11-20T09:00:00.1234567Z"), s.get(0).createdDateTime());
    assertEquals(List.of("interactiveUser"), s.get(0).signInEventTypes());
    assertEquals(List.of("nonInteractiveUser"), s.get(1).signInEventTypes());
    assertEquals(List.of("servicePrincipal"), s.get(2).signInEventTypes(), "no userId, a servicePrincipalId");
    assertEquals(7000215, s.get(2).errorCode());
    assertEquals(List.of("managedIdentity"), s.get(3).signInEventTypes(), "managedServiceIdentity.msiType");
    assertEquals(List.of(), s.get(4).signInEventTypes(), "a user's sign-in without isInteractive: not guessed");
    assertFalse(s.get(4).isInteractive());
  }

  @Test
  void listOfGraphPages_isRead_andDeDuplicated() throws Exception {
    SignInBatch b = SignInExport.read(fixture("graph-pages.json"));
    assertEquals(List.of(ID + "107", ID + "106", ID + "105"), ids(b));
    assertEquals(List.of(), b.skipped());
  }

  @Test
  void malformedRecords_areSkippedLikeGraphs_theOthersKept() throws Exception {
    Path f = write("mixed.json", "[" + signIn("201", "2026-11-20T10:00:00Z", "0") + ","
        + "{\"createdDateTime\":\"2026-11-20T10:01:00Z\",\"status\":{\"errorCode\":0}},"
        + "{\"id\":\"" + ID + "203\",\"status\":{\"errorCode\":0}},"
        + "{\"id\":\"" + ID + "204\",\"createdDateTime\":\"2026-11-20T10:04:00Z\"},"
        + "{\"id\":\"" + ID + "205\",\"createdDateTime\":\"2026-11-20T10:05:00Z\",\"status\":{\"errorCode\":\"50126\"}},"
        + "{\"id\":\"" + ID + "206\",\"createdDateTime\":\"2026-11-20T10:06:00+01:00\",\"status\":{\"errorCode\":0},"
        + "\"userId\":42},"
        + "null]");
    SignInBatch b = SignInExport.read(f);
    assertEquals(List.of(ID + "201", ID + "205"), ids(b), "an error code written as digits is read");
    assertEquals(50126, b.signIns().get(1).errorCode());
    assertEquals(List.of(
        new SkippedSignIn(Optional.empty(), Optional.of(Instant.parse("2026-11-20T10:01:00Z")), "no id"),
        new SkippedSignIn(Optional.of(ID + "203"), Optional.empty(), "no createdDateTime"),
        new SkippedSignIn(Optional.of(ID + "204"), Optional.of(Instant.parse("2026-11-20T10:04:00Z")), "no status"),
        new SkippedSignIn(Optional.of(ID + "206"), Optional.of(Instant.parse("2026-11-20T09:06:00Z")),
            "userId is a number, not a string"),
        new SkippedSignIn(Optional.empty(), Optional.empty(), "the item is null, not a sign-in object")), b.skipped());
  }

  @Test
  void utf8ByteOrderMark_andEmptyList_areFine() throws Exception {
    Path bom = dir.resolve("bom.json");
    Files.write(bom, ("\uFEFF[" + signIn("201", "2026-11-20T10:00:00Z", "0") + "]").getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(ID + "201"), ids(SignInExport.read(bom)));
    assertEquals(new SignInBatch(List.of(), List.of()), SignInExport.read(write("none.json", "[]")));
    assertEquals(new SignInBatch(List.of(), List.of()), SignInExport.read(write("none.json", "{\"value\":[]}")));
  }

  // ---------------------------------------------------------------- refusals: CONFIG, one line

  @Test
  void notJson_isRefused_namingTheFileAndWhatWasExpected() throws Exception {
    Path f = write("cut.json", "[" + signIn("201", "2026-11-20T10:00:00Z", "0").substring(0, 40));
    assertRefused("sign-in file " + f + " is not valid JSON (Unexpected end-of-input in VALUE_STRING"
        + " at line 1 column 42): " + SignInExport.EXPECTED, f);
    Path csv = write("signins.csv", "Date (UTC),Request ID,User agent\n2026-11-20T10:00:00Z,abc,Mozilla\n");
    DirectoryException e = assertThrows(DirectoryException.class, () -> SignInExport.read(csv));
    assertTrue(e.getMessage().startsWith("sign-in file " + csv + " is not valid JSON (Unrecognized token 'Date'"),
        e.getMessage());
  }

  @Test
  void otherShapes_areRefused() throws Exception {
    Path object = write("one.json", signIn("201", "2026-11-20T10:00:00Z", "0"));
    assertRefused("sign-in file " + object + " is a JSON object without a 'value' list: " + SignInExport.EXPECTED,
        object);
    Path error = write("error.json", "{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"no\"}}");
    assertRefused("sign-in file " + error + " holds a Graph error, not sign-ins: " + SignInExport.EXPECTED, error);
    Path valueNotList = write("value.json", "{\"value\":{}}");
    assertRefused("sign-in file " + valueNotList + " has a 'value' that is not a list: " + SignInExport.EXPECTED,
        valueNotList);
    Path scalar = write("scalar.json", "\"signins\"");
    assertRefused("sign-in file " + scalar + " holds a single JSON string, not sign-ins: " + SignInExport.EXPECTED,
        scalar);
    Path empty = write("empty.json", " \n");
    assertRefused("sign-in file " + empty + " is empty: " + SignInExport.EXPECTED, empty);
    Path two = write("two.json", "{\"value\":[]}\n{\"value\":[]}\n");
    assertRefused("sign-in file " + two + " goes on after its first JSON value (line 2); join several downloads into"
        + " one JSON list: " + SignInExport.EXPECTED, two);
    Path mixed = write("mixed.json", "[{\"value\":[]}, " + signIn("201", "2026-11-20T10:00:00Z", "0") + "]");
    assertRefused("sign-in file " + mixed + " is a list of Graph responses whose item 2 is not one: "
        + SignInExport.EXPECTED, mixed);
  }

  @Test
  void missingFile_directory_andTooBig_areRefused() throws Exception {
    Path missing = dir.resolve("missing.json");
    assertRefused("sign-in file " + missing + " does not exist", missing);
    assertRefused("sign-in file " + dir + " is a directory: give the downloaded .json file", dir);
    Path big = dir.resolve("big.json");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(SignInExport.MAX_BYTES + 1); // sparse: no 512 MiB written
    }
    assertRefused("sign-in file " + big + " is 513 MiB; at most 512 MiB is read: download or fetch a shorter time"
        + " range per file", big);
  }

  @Test
  void fileNameWithControlCharacters_isPrintedSafely() throws Exception {
    Path odd = dir.resolve("a\u001b[31mb.json");
    DirectoryException e = assertThrows(DirectoryException.class, () -> SignInExport.read(odd));
    assertFalse(e.getMessage().chars().anyMatch(Character::isISOControl), e.getMessage());
    assertTrue(e.getMessage().contains("a?[31mb.json"), e.getMessage());
  }

  void assertRefused(String message, Path file) {
    DirectoryException e = assertThrows(DirectoryException.class, () -> SignInExport.read(file));
    assertEquals(Reason.CONFIG, e.reason());
    assertEquals(message, e.getMessage());
  }

  static String signIn(String id, String created, String errorCode) {
    return "{\"id\":\"" + ID + id + "\",\"createdDateTime\":\"" + created + "\",\"userId\":\"" + BG1
        + "\",\"userPrincipalName\":\"bg1@contoso.onmicrosoft.com\",\"isInteractive\":true,\"status\":{\"errorCode\":"
        + errorCode + ",\"failureReason\":null}}";
  }

  static List<String> ids(SignInBatch b) {
    return b.signIns().stream().map(SignInRecord::id).toList();
  }
}
