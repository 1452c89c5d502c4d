package dev.breakglass.cli.unlock;

import dev.breakglass.cli.ExitCodes;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.UsageException;
import dev.breakglass.cli.entra.EntraOptions;
import dev.breakglass.cli.inventory.Checked;
import dev.breakglass.cli.key.CeremonyOptions;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.ledger.CheckinRequest;
import dev.breakglass.custody.ledger.CounterVerdict;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.Json;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.PasswordRecord;
import dev.breakglass.custody.ledger.Session;
import dev.breakglass.custody.procedure.LockPlan;
import dev.breakglass.custody.procedure.LockProcedure;
import dev.breakglass.custody.secret.PasswordCustody;
import dev.breakglass.custody.secret.Verifier;
import dev.breakglass.entra.EntraConnection;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "lock",
    description = "Ends an unlock session: checks every item taken out back in with its key verified and a new"
        + " seal number, rotates the password first (a new version, new shares, set on the account in Entra ID, so"
        + " that the new shares go into the new bags), closes the session with what was done, and prints a summary"
        + " with the ledger head. Interrupted, it resumes:"
        + " items already back and a rotation already made are not done again.",
    footerHeading = "%nExample:%n",
    footer = "  bg lock --session 42 --new-seal bg1-key=TB-000124 --out ./shares-v2 --summary \"reset CA policy"
        + " CA-001, re-enabled admin MFA\"")
public final class LockCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin CeremonyOptions ceremony;
  @Mixin EntraOptions entra;

  @Option(names = "--session", required = true, paramLabel = "ID", description = "The unlock session to end.")
  long session;

  @Option(names = "--by", paramLabel = "CUSTODIAN", description = "Who locks (default: the custodian who unlocked).")
  String by;

  @Option(names = "--witness", paramLabel = "CUSTODIAN", description = "The second custodian (default: the session's).")
  String witness;

  @Option(names = "--new-seal", paramLabel = "ITEM=N",
      description = "The number of the new tamper-evident bag of an item going back (repeatable; asked if missing).")
  List<String> newSeals = new ArrayList<>();

  @Option(names = "--skip-key-check", paramLabel = "ITEM=REASON",
      description = "Put back a registered key without verifying it, and record why (repeatable).")
  List<String> skipKeyCheck = new ArrayList<>();

  @Option(names = "--summary", paramLabel = "TEXT", description = "What was done during the session (asked if missing).")
  String summary;

  @Option(names = "--out", paramLabel = "DIR|FILE",
      description = "Where the new password goes: the directory for its share files (same K-of-N as before unless"
          + " --shares), or a new file when it is not split (asked if missing).")
  Path out;

  @Option(names = "--shares", paramLabel = "K-of-N", description = "Split the new password differently, e.g. 3-of-5.")
  String shares;

  @Option(names = "--rotate-without-entra", paramLabel = "REASON",
      description = "Make the new version without setting it in Entra ID (an admin sets it later); recorded.")
  String withoutEntra;

  @Option(names = "--no-rotate", paramLabel = "REASON",
      description = "Do not rotate the password, and record why in the session's record (e.g. it was never revealed"
          + " and its shares stayed sealed).")
  String noRotate;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (noRotate != null && (withoutEntra != null || out != null || shares != null)) {
      throw new UsageException("--no-rotate excludes --out, --shares and --rotate-without-entra");
    }
    Map<String, String> seals = Inputs.perItem(newSeals, "--new-seal");
    Map<String, String> skips = Inputs.perItem(skipKeyCheck, "--skip-key-check");
    Clock clock = ledger.root().clock();
    try (Ledger l = ledger.open()) {
      LockProcedure lock = new LockProcedure(l);
      LockPlan plan = lock.plan(session);
      Session s = plan.progress().session();
      String who = by != null ? by : s.openedBy();
      Optional<String> other = witness != null ? Optional.of(witness) : s.witness();
      l.requirePeople(who, other); // an unknown custodian must not rotate the password before close refuses
      if (noRotate != null && plan.progress().revealedVersion().isPresent() && plan.rotate().isPresent()) {
        throw new dev.breakglass.custody.CustodyException(dev.breakglass.custody.CustodyException.Reason.REFUSED,
            "the password of " + s.identity() + " (version " + plan.progress().revealedVersion().get() + ") was"
                + " revealed in unlock session " + session + ": it must be rotated (--rotate-without-entra REASON if"
                + " Entra cannot be reached), not left in force with --no-rotate");
      }
      List<String> labels = plan.toCheckIn().stream().map(Item::label).toList();
      Inputs.onlyFor(seals, labels, "--new-seal");
      Inputs.onlyFor(skips, plan.withKey(), "--skip-key-check");
      List<CheckinRequest> checkins = new ArrayList<>();
      for (Item i : plan.toCheckIn()) {
        String key = i.label().toLowerCase(Locale.ROOT);
        String seal = Inputs.ask(Optional.ofNullable(seals.get(key)), "the number of the new bag of item '"
            + i.label() + "'", "--new-seal " + i.label() + "=N");
        checkins.add(Checked.of(() -> new CheckinRequest(i.label(), who, other, Optional.of(seal),
            Optional.of("lock of unlock session " + session), s.ticket()).withSkipKeyCheck(
                Optional.ofNullable(skips.get(key))).forSession(session)));
      }
      Optional<PasswordRecord> rotate = noRotate != null ? Optional.empty() : plan.rotate();
      PasswordCustody.Destination to = null;
      if (rotate.isPresent()) {
        to = destination(rotate.get());
      }
      String what = Inputs.ask(Optional.ofNullable(summary), "what was done during the session", "--summary TEXT");
      // Sign in before anything changes: an Entra that cannot be reached should stop us while all is as it was.
      EntraConnection graph = rotate.isPresent() && withoutEntra == null ? entra.connect(l, clock, err) : null;
      try {
        if (graph != null && graph.directory().user(s.identity()).isEmpty()) {
          throw new DirectoryException(DirectoryException.Reason.NOT_FOUND, "there is no user " + s.identity()
              + " in the tenant: check 'bg identity list' and entra.tenant-id");
        }
        for (CheckinRequest r : checkins) {
          l.checkinAllowed(r); // a wrong seal or person is refused before the password changes or a key is touched
        }
        boolean alarm = false;
        // 1. the password first: the new version's shares (or file) are what goes into the new bags
        if (rotate.isPresent()) {
          PasswordCustody.Created c = new PasswordCustody(l, new SecureRandom(), Verifier.DEFAULT).create(
              s.identity(), rotate.get().length(), to, true, Optional.ofNullable(graph).map(g -> g.directory()), who);
          stdout.printf("rotated the password of %s: version %d (%s)%s, event %d%n", s.identity(), c.version(),
              c.layout().equals("single") ? "one file" : "shares " + c.layout(), graph != null ? ", set in Entra ID"
                  : ", NOT set in Entra ID", c.event());
          for (Path f : c.files()) {
            stdout.printf("  %s%n", f);
          }
          if (!checkins.isEmpty()) {
            err.println("Before sealing the bags: put the new version's printed shares (or password) in the bags of"
                + " the password items; version " + rotate.get().version() + "'s are void now.");
            err.flush();
          }
          if (graph == null) {
            err.println("bg: warning: version " + c.version() + " is not set on the account: until an admin sets it,"
                + " the password revealed in this session stays in force (" + withoutEntra + ")");
          }
        } else if (plan.progress().rotatedVersion().isPresent()) {
          stdout.printf("password rotated already in this session: version %d%n",
              plan.progress().rotatedVersion().get());
        }
        // 2. every item back, with its key verified and a new seal
        for (CheckinRequest r : checkins) {
          Event e;
          if (plan.withKey().stream().anyMatch(x -> x.equalsIgnoreCase(r.item())) && r.skipKeyCheck().isEmpty()) {
            l.checkinAllowed(r); // refuse before anyone touches the key
            err.println("Item " + r.item() + ": touch the break-glass key before it goes back into its bag.");
            err.flush();
            e = Ceremonies.verify(l, ceremony, clock, KeyOwner.item(r.item()), a -> l.checkin(r.withKey(a)),
                x -> "The key is item '" + r.item() + "''s registered key; checked in as event " + x.seq()
                    + ". You can close this page.");
          } else {
            e = l.checkin(r);
          }
          Map<String, Object> d = Json.read(e.details());
          stdout.printf("checked in %s, sealed in %s%s, event %d%n", r.item(), r.newSeal().orElseThrow(),
              Ceremonies.keyNote(d), e.seq());
          stdout.flush();
          if (CounterVerdict.COUNTER_REGRESSED.wireName().equals(d.get("keyVerdict"))
              || CounterVerdict.USED_IN_SAFE.wireName().equals(d.get("keyVerdict"))) {
            alarm = true;
          }
        }
        // 3. close, and the record
        String record = rotate.isPresent() && graph == null
            ? what + " [password rotated but NOT set in Entra: " + withoutEntra + "]" : what;
        Event closed = lock.close(session, who, other, record, Optional.ofNullable(noRotate).filter(
            x -> plan.rotate().isPresent()));
        stdout.printf("closed unlock session %d, event %d%n%n", session, closed.seq());
        for (String line : lock.summary(session)) {
          stdout.println(line);
        }
        stdout.flush();
        return alarm ? ExitCodes.KEY_ALARM : ExitCodes.OK;
      } finally {
        if (graph != null) {
          graph.close();
        }
      }
    }
  }

  /** Where the new version goes: the same layout as the one it replaces unless --shares says otherwise. */
  private PasswordCustody.Destination destination(PasswordRecord current) throws UsageException {
    try {
      String layout = shares != null ? shares : current.layout();
      Optional<PasswordCustody.Layout> split = layout.equals("single") ? Optional.empty()
          : Optional.of(PasswordCustody.Layout.parse(layout));
      Path where = out != null ? out : Path.of(Inputs.ask(Optional.empty(), split.isPresent()
          ? "the directory for the new share files" : "a new file for the new password", "--out DIR|FILE"));
      return new PasswordCustody.Destination(split, split.map(x -> where), split.isEmpty() ? Optional.of(where)
          : Optional.empty(), false);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
