package dev.breakglass.daemon;

import java.util.Objects;

/**
 * What {@code GET /healthz} answers: 200 {@code ok} when {@code ok}, else 503 with {@code detail}.
 *
 * @param ok whether the daemon is doing its job (polls succeed, alerts get out)
 * @param detail one line for a person or a probe log, e.g. {@code no successful poll for 17 minutes};
 *     ignored when {@code ok}
 */
public record Health(boolean ok, String detail) {
  public Health {
    Objects.requireNonNull(detail, "detail");
  }
}
