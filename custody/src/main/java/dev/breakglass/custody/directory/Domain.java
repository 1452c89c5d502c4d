package dev.breakglass.custody.directory;

/**
 * A domain of the tenant ({@code /domains}).
 *
 * @param id the domain name, e.g. {@code contoso.onmicrosoft.com}
 * @param authenticationType {@code Managed} or {@code Federated}
 */
public record Domain(String id, String authenticationType, boolean isVerified, boolean isInitial) {}
