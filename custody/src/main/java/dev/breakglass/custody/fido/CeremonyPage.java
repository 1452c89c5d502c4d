package dev.breakglass.custody.fido;

import java.util.Objects;

/**
 * What the loopback page shows and runs.
 *
 * @param kind whether the browser creates a credential or gets an assertion
 * @param title what is being asked, as a heading
 * @param instructions what the user does
 * @param optionsJson the WebAuthn options, {@code {"publicKey": {...}}} as webauthn-server-core
 *     writes them
 */
public record CeremonyPage(Kind kind, String title, String instructions, String optionsJson) {
  /** {@code navigator.credentials.create} or {@code .get}. */
  public enum Kind {
    CREATE("create"),
    GET("get");

    private final String js;

    Kind(String js) {
      this.js = js;
    }

    String js() {
      return js;
    }
  }

  public CeremonyPage {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(instructions, "instructions");
    Objects.requireNonNull(optionsJson, "optionsJson");
  }
}
