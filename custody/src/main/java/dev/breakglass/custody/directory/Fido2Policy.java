package dev.breakglass.custody.directory;

import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The tenant's FIDO2 security key policy ({@code
 * /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2}).
 *
 * @param state {@code enabled} or {@code disabled}
 * @param attestationEnforced {@code isAttestationEnforced}: Entra registers only keys whose
 *     attestation it can verify
 * @param keyRestrictionsEnforced {@code keyRestrictions.isEnforced}
 * @param enforcementType {@code keyRestrictions.enforcementType}: {@code allow} or {@code block}
 *     the models in {@code aaguids}; empty when the directory sent none
 * @param aaguids {@code keyRestrictions.aaGuids}
 */
public record Fido2Policy(String state, boolean attestationEnforced, boolean keyRestrictionsEnforced,
    String enforcementType, Set<UUID> aaguids) {
  public Fido2Policy {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(enforcementType, "enforcementType");
    aaguids = Set.copyOf(Objects.requireNonNull(aaguids, "aaguids"));
  }

  public boolean enabled() {
    return "enabled".equalsIgnoreCase(state);
  }

  /** Whether the key restrictions let Entra accept a key of model {@code aaguid}. */
  public boolean allows(UUID aaguid) {
    if (!keyRestrictionsEnforced) {
      return true;
    }
    if ("allow".equalsIgnoreCase(enforcementType)) {
      return aaguids.contains(aaguid);
    }
    // Any type but block (unknownFutureValue, none) cannot be read as letting the key in.
    return "block".equalsIgnoreCase(enforcementType) && !aaguids.contains(aaguid);
  }
}
