package dev.breakglass.entra;

import dev.breakglass.custody.directory.DirectoryException;
import java.time.Instant;
import java.util.Set;

/**
 * The sign-in log of the tenant, as far as the kit watches it: the break-glass users' interactive
 * and non-interactive sign-ins and the break-glass app's service-principal sign-ins, successful or
 * not. Entra ID writes these minutes to tens of minutes late, so a watcher asks for overlapping
 * windows and de-duplicates by {@link SignInRecord#id()}.
 */
public interface SignInSource {
  /**
   * Every sign-in of the given users (object ids, or user principal names) and of the given apps'
   * service principals (client ids) created from {@code from} to {@code to}, both inclusive and
   * widened to whole seconds. Filtering happens at the directory, not here. Never null; empty when
   * both sets are.
   *
   * <p>A record the directory returned but that cannot be read (no id, no date, no status) is in
   * {@link SignInBatch#skipped()}, and the others are still returned. An answer that cannot be read
   * at all (not JSON, cut off) fails the whole call: nothing is skipped silently.
   *
   * @throws DirectoryException the directory could not be asked or its answer could not be read
   */
  SignInBatch signIns(Set<String> userIds, Set<String> servicePrincipalAppIds, Instant from, Instant to)
      throws DirectoryException;
}
