package dev.breakglass.custody.secret;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShareTextTest {
  static final String UPN = "bg1@contoso.onmicrosoft.com";

  @Test
  void anyThresholdOfTheSharesRebuildsThePassword() throws Exception {
    SecureRandom r = EntraPasswordsTest.seeded();
    char[] password = EntraPasswords.generate(64, r);
    List<Share> shares = Shamir.split(password, UPN, 1, 3, 5, r);
    int combos = 0;
    for (int a = 0; a < 5; a++) {
      for (int b = a + 1; b < 5; b++) {
        for (int c = b + 1; c < 5; c++) {
          List<Share> pick = new ArrayList<>();
          for (int i : new int[] {a, b, c}) {
            pick.add(ShareText.decode(ShareText.encode(shares.get(i)), "share " + (i + 1)));
          }
          assertArrayEquals(password, Shamir.combine(pick));
          combos++;
        }
      }
    }
    assertEquals(10, combos);
    assertArrayEquals(password, Shamir.combine(shares), "all five work too");
  }

  @Test
  void fewerThanTheThreshold_isRefused() throws Exception {
    List<Share> shares = Shamir.split(EntraPasswords.generate(64, EntraPasswordsTest.seeded()), UPN, 1, 3, 5,
        new SecureRandom());
    ShareText.BadShare e = assertThrows(ShareText.BadShare.class, () -> Shamir.combine(shares.subList(0, 2)));
    assertEquals("2 share(s) given, but 3 of 5 are needed", e.getMessage());
    assertThrows(ShareText.BadShare.class, () -> Shamir.combine(List.of(shares.get(0), shares.get(0), shares.get(1))));
  }

  @Test
  void oneWrongCharacter_isCaughtAndItsLineNamed() throws Exception {
    Share s = Shamir.split(EntraPasswords.generate(64, new SecureRandom()), UPN, 1, 2, 3, new SecureRandom()).get(1);
    String text = ShareText.encode(s);
    List<String> lines = new ArrayList<>(text.lines().toList());
    int dataLine = lines.indexOf("data:") + 3; // the third data line
    String line = lines.get(dataLine);
    char wrong = line.charAt(4) == 'Z' ? 'Y' : 'Z';
    lines.set(dataLine, line.substring(0, 4) + wrong + line.substring(5));
    ShareText.BadShare e = assertThrows(ShareText.BadShare.class,
        () -> ShareText.decode(String.join("\n", lines), "share 2"));
    assertEquals("share 2: data line 3 does not match its check character: a typo in that line", e.getMessage());

    String badHeader = text.replace("share: 2 of 3", "share: 3 of 3");
    assertTrue(assertThrows(ShareText.BadShare.class, () -> ShareText.decode(badHeader, "s")).getMessage()
        .startsWith("s: the final check does not match"));
  }

  @Test
  void errors_nameLinesButNeverEchoShareData() throws Exception {
    Share s = Shamir.split(EntraPasswords.generate(64, new SecureRandom()), UPN, 1, 2, 3, new SecureRandom()).get(0);
    String text = ShareText.encode(s);
    String firstData = text.lines().filter(l -> l.startsWith("01 ")).findFirst().orElseThrow();
    String noDataHeader = text.replace("data:\n", "");
    ShareText.BadShare e = assertThrows(ShareText.BadShare.class, () -> ShareText.decode(noDataHeader, "s"));
    assertEquals("s: line 7 is neither a header line nor in the data block", e.getMessage());
    String noNumber = text.replace(firstData, firstData.substring(3));
    ShareText.BadShare n = assertThrows(ShareText.BadShare.class, () -> ShareText.decode(noNumber, "s"));
    assertEquals("s: data line 1 does not start with its number", n.getMessage());
    for (String group : firstData.substring(3).trim().split("\\s+")) {
      if (group.length() == 4) {
        assertTrue(!e.getMessage().contains(group) && !n.getMessage().contains(group));
      }
    }
  }

  @Test
  void typingIsForgiving_caseSpacesAndLookAlikes() throws Exception {
    Share s = Shamir.split(EntraPasswords.generate(32, new SecureRandom()), UPN, 2, 2, 2, new SecureRandom()).get(0);
    // Data and check lines typed in lower case, with O for 0 and l for 1, and sloppy spacing.
    StringBuilder typed = new StringBuilder();
    for (String line : ShareText.encode(s).lines().toList()) {
      boolean data = !line.isEmpty() && Character.isDigit(line.charAt(0));
      if (data) {
        String no = line.substring(0, 2);
        line = no + "   " + line.substring(2).toLowerCase().replace('0', 'o').replace('1', 'l') + " ";
      } else if (line.startsWith("check: ")) {
        line = "check:" + line.substring(6).toLowerCase().replace('0', 'o');
      }
      typed.append(line).append('\n');
    }
    Share back = ShareText.decode(typed.toString(), "typed");
    assertArrayEquals(s.data(), back.data());
  }

  @Test
  void sharesOfDifferentPasswordsOrSplits_cannotBeMixed() throws Exception {
    char[] p = EntraPasswords.generate(64, new SecureRandom());
    List<Share> a = Shamir.split(p, UPN, 1, 2, 3, new SecureRandom());
    List<Share> b = Shamir.split(p, UPN, 1, 2, 3, new SecureRandom()); // same password, another split
    List<Share> c = Shamir.split(p, UPN, 2, 2, 3, new SecureRandom()); // another version
    List<Share> d = Shamir.split(p, "bg2@contoso.onmicrosoft.com", 1, 2, 3, new SecureRandom());
    for (List<Share> other : List.of(b, c, d)) {
      ShareText.BadShare e = assertThrows(ShareText.BadShare.class,
          () -> Shamir.combine(List.of(a.get(0), other.get(1))));
      assertTrue(e.getMessage().endsWith("shares of different passwords or splits cannot be mixed"), e.getMessage());
    }
  }
}
