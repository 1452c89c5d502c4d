package dev.breakglass.custody.directory;

import java.util.Optional;
import java.util.UUID;

/**
 * One registered authentication method ({@code /users/{id}/authentication/methods}).
 *
 * @param type the {@code @odata.type} without its prefix, e.g. {@code fido2AuthenticationMethod},
 *     {@code phoneAuthenticationMethod}, {@code microsoftAuthenticatorAuthenticationMethod},
 *     {@code temporaryAccessPassAuthenticationMethod}, {@code passwordAuthenticationMethod}
 * @param aaguid for a FIDO2 method, its model
 */
public record AuthMethod(String id, String type, Optional<String> displayName, Optional<UUID> aaguid) {}
