package dev.breakglass.daemon;

import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.directory.Domain;
import dev.breakglass.daemon.DaemonException.Reason;
import dev.breakglass.daemon.sink.AlertSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Alerts must leave the monitored tenant: whoever takes the tenant over can read, forward or delete
 * mail in its mailboxes. At start and on every config change the daemon reads the tenant's verified
 * domains and refuses a mail sink whose recipient is in one of them (or a subdomain of one), unless
 * {@code guard.allow-internal-recipients = true}, which turns the refusal into a warning repeated at
 * every start. Chat sinks cannot be checked this way: a warning reminds that a Teams channel of the
 * same tenant is not out of band either.
 */
public final class GuardRail {
  private GuardRail() {}

  /**
   * Checks {@code config}'s sinks against the tenant.
   *
   * @return warnings to show (never empty when an override is in force)
   * @throws DaemonException REFUSED naming the sink, the recipient domain and the way out
   */
  public static List<String> check(DaemonConfig config, DirectoryReader directory)
      throws DaemonException, DirectoryException {
    List<String> verified = new ArrayList<>();
    boolean needsDomains = config.sinks().stream().anyMatch(s -> !s.mailDomains().isEmpty());
    if (needsDomains) {
      for (Domain d : directory.domains()) {
        if (d.isVerified()) {
          verified.add(d.id().toLowerCase(Locale.ROOT));
        }
      }
    }
    List<String> warnings = new ArrayList<>();
    for (AlertSink s : config.sinks()) {
      for (String domain : s.mailDomains()) {
        String d = domain.toLowerCase(Locale.ROOT);
        for (String v : verified) {
          if (d.equals(v) || d.endsWith("." + v)) {
            String what = "sink '" + s.name() + "' mails " + d + ", a verified domain of the monitored tenant ("
                + v + "): whoever takes the tenant over can read and delete those alerts";
            if (!config.allowInternalRecipients()) {
              throw new DaemonException(Reason.REFUSED, what + "; send them to a mailbox outside the tenant, or set"
                  + " guard.allow-internal-recipients = true to accept the risk");
            }
            warnings.add("GUARD RAIL OVERRIDDEN: " + what);
          }
        }
      }
      if (s.type().equals("teams")) {
        warnings.add("sink '" + s.name() + "' posts to Microsoft Teams: if that Teams belongs to the monitored"
            + " tenant, whoever takes the tenant over can read and delete the alerts; keep at least one sink"
            + " outside the tenant");
      }
    }
    boolean outside = config.sinks().stream().anyMatch(s -> !s.type().equals("teams") && s.mailDomains().stream()
        .noneMatch(d -> verified.stream().anyMatch(v -> d.equalsIgnoreCase(v) || d.toLowerCase(Locale.ROOT)
            .endsWith("." + v))));
    if (!config.sinks().isEmpty() && !outside) {
      warnings.add("every alert sink may be inside the monitored tenant: add one outside it (a webhook, syslog,"
          + " SMTP to an outside relay and mailbox)");
    }
    return warnings;
  }
}
