package dev.breakglass.custody.posture;

import dev.breakglass.custody.directory.ConditionalAccessPolicy;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.directory.Domain;
import java.util.List;

/** Tenant-wide reads, made once for all users. */
final class Tenant {
  private final Lookup<List<Domain>> domains;
  private final Lookup<List<ConditionalAccessPolicy>> policies;

  Tenant(DirectoryReader directory) {
    domains = new Lookup<>(Lookup.Source.DOMAINS, directory::domains);
    policies = new Lookup<>(Lookup.Source.CONDITIONAL_ACCESS, directory::conditionalAccessPolicies);
  }

  List<Domain> domains() throws DirectoryException, NotChecked {
    return domains.get();
  }

  List<ConditionalAccessPolicy> policies() throws DirectoryException, NotChecked {
    return policies.get();
  }
}
