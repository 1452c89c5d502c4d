package dev.breakglass.custody.ledger;

/**
 * A person allowed to open a safe or to witness its opening.
 *
 * @param name unique (case-insensitive) name as it appears in the ledger
 * @param contact how to reach the person out of band (phone, external mail), free text
 */
public record Custodian(String name, String contact) {
  public Custodian {
    name = Text.required("custodian name", name, 100);
    contact = Text.required("custodian contact", contact, 200);
  }
}
