package dev.breakglass.custody.posture;

import dev.breakglass.custody.directory.ConditionalAccessPolicy;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.directory.Domain;
import dev.breakglass.custody.directory.Fido2Policy;
import java.util.List;

/** Tenant-wide reads, made once for all users. */
final class Tenant {
  private final Lookup<List<Domain>> domains;
  private final Lookup<List<ConditionalAccessPolicy>> policies;
  private final Lookup<Fido2Policy> fido2;

  Tenant(DirectoryReader directory) {
    domains = new Lookup<>(Lookup.Source.DOMAINS, directory::domains);
    policies = new Lookup<>(Lookup.Source.CONDITIONAL_ACCESS, directory::conditionalAccessPolicies);
    fido2 = new Lookup<>(Lookup.Source.FIDO2_POLICY, directory::fido2Policy);
  }

  List<Domain> domains() throws DirectoryException, NotChecked {
    return domains.get();
  }

  List<ConditionalAccessPolicy> policies() throws DirectoryException, NotChecked {
    return policies.get();
  }

  Fido2Policy fido2() throws DirectoryException, NotChecked {
    return fido2.get();
  }
}
