package dev.breakglass.cli.unlock;

import dev.breakglass.cli.ExitCodes;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.UsageException;
import dev.breakglass.cli.key.CeremonyOptions;
import dev.breakglass.custody.CustodyException;
import dev.breakglass.custody.PrivateFiles;
import dev.breakglass.custody.ledger.CheckoutRequest;
import dev.breakglass.custody.ledger.CounterVerdict;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Item;
import dev.breakglass.custody.ledger.Json;
import dev.breakglass.custody.ledger.KeyCheck;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.Session;
import dev.breakglass.custody.ledger.SessionProgress;
import dev.breakglass.custody.ledger.SessionRequest;
import dev.breakglass.custody.procedure.UnlockPlan;
import dev.breakglass.custody.procedure.UnlockProcedure;
import dev.breakglass.custody.secret.PasswordCustody;
import dev.breakglass.custody.secret.Verifier;
import java.io.Console;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;

/** The unlock procedure on the terminal, shared by {@code bg unlock} and {@code bg drill}. */
final class UnlockRun {
  private static final Pattern DURATION = Pattern.compile("^(\\d{1,5})([mhd])$");

  private final CommandSpec spec;
  private final LedgerOptions ledger;
  private final CeremonyOptions ceremony;
  private final UnlockOptions o;

  UnlockRun(CommandSpec spec, LedgerOptions ledger, CeremonyOptions ceremony, UnlockOptions o) {
    this.spec = spec;
    this.ledger = ledger;
    this.ceremony = ceremony;
    this.o = o;
  }

  static Duration duration(String text) throws UsageException {
    Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new UsageException("--duration takes minutes, hours or days, e.g. 90m, 4h or 2d; got '" + text + "'");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
    if (d.compareTo(Duration.ofMinutes(1)) < 0 || d.compareTo(SessionRequest.LONGEST) > 0) {
      throw new UsageException("--duration " + text + " is out of range: give 1m to 7d");
    }
    return d;
  }

  int run(boolean drill, String defaultReason) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (o.identity == null && o.session == null) {
      throw new UsageException("give the identity to unlock with --identity UPN|APP-ID (or --session ID to resume)");
    }
    Duration expected = duration(o.duration);
    Map<String, String> seals = Inputs.perItem(o.seals, "--seal");
    Map<String, String> broken = Inputs.perItem(o.sealsBroken, "--seal-broken");
    Map<String, String> skips = Inputs.perItem(o.skipKeyCheck, "--skip-key-check");
    if (o.skipPassword && !o.shares.isEmpty()) {
      throw new UsageException("--share and --skip-password exclude each other: give one");
    }
    Clock clock = ledger.root().clock();
    try (Ledger l = ledger.open()) {
      UnlockProcedure u = new UnlockProcedure(l, clock);
      UnlockPlan plan = u.plan(o.identity == null ? "" : o.identity, Optional.ofNullable(o.session), o.items);
      String by;
      Optional<String> witness;
      String reason;
      if (plan.resumes()) {
        Session s = plan.progress().get().session();
        if (s.drill() != drill) {
          throw new UsageException("unlock session " + s.id() + (s.drill() ? " is a drill: resume it with 'bg drill"
              : " is not a drill: resume it with 'bg unlock") + " --session " + s.id() + "'");
        }
        for (String who : new String[] {o.by, o.witness}) {
          if (who != null && !who.equalsIgnoreCase(s.openedBy()) && !s.witness().map(who::equalsIgnoreCase)
              .orElse(false)) {
            throw new UsageException("unlock session " + s.id() + " belongs to " + s.openedBy()
                + s.witness().map(w -> " and " + w).orElse("") + ", not " + who + ": resume it with them");
          }
        }
        by = s.openedBy();
        witness = s.witness();
        reason = s.reason();
      } else {
        reason = Inputs.ask(Optional.ofNullable(o.reason).or(() -> Optional.ofNullable(defaultReason)),
            "the incident (reason)", "--reason TEXT");
        by = Inputs.ask(Optional.ofNullable(o.by), "the custodian leading the unlock", "--by CUSTODIAN");
        witness = Optional.of(Inputs.ask(Optional.ofNullable(o.witness), "the second custodian", "--witness CUSTODIAN"));
        u.quorumFor(by, witness); // both have enrolled keys: refuse before a session opens that cannot proceed
      }
      List<String> labels = plan.toCheckOut().stream().map(Item::label).toList();
      // Re-running the same command resumes: options about items already taken out are not typos.
      List<String> done = plan.progress().map(SessionProgress::checkedOut).orElse(List.of());
      List<String> handled = java.util.stream.Stream.concat(labels.stream(), done.stream()).toList();
      Inputs.onlyFor(seals, handled, "--seal");
      Inputs.onlyFor(broken, handled, "--seal-broken");
      Inputs.onlyFor(skips, java.util.stream.Stream.concat(plan.withKey().stream(), done.stream()).toList(),
          "--skip-key-check");
      List<CheckoutRequest> checkouts = new ArrayList<>();
      for (Item i : plan.toCheckOut()) {
        String key = i.label().toLowerCase(Locale.ROOT);
        Optional<String> brokenWhy = Optional.ofNullable(broken.get(key));
        Optional<String> seal = Optional.ofNullable(seals.get(key));
        if (i.seal().isPresent() && seal.isEmpty() && brokenWhy.isEmpty()) {
          seal = Optional.of(Inputs.ask(Optional.empty(), "the seal number on the bag of item '" + i.label() + "'",
              "--seal " + i.label() + "=N"));
        }
        Optional<String> s0 = seal;
        checkouts.add(dev.breakglass.cli.inventory.Checked.of(() -> new CheckoutRequest(i.label(), by, witness, reason,
            plan.progress().flatMap(p -> p.session().ticket()).or(() -> Optional.ofNullable(o.ticket)), s0, brokenWhy)
            .withSkipKeyCheck(Optional.ofNullable(skips.get(key)))));
      }
      List<Path> shares = o.shares;
      boolean password = plan.password().isPresent() && !o.skipPassword;
      if (password) {
        if (shares.isEmpty()) {
          String need = plan.password().get().layout();
          shares = Arrays.stream(Inputs.ask(Optional.empty(), "the share files of " + plan.identity().ref()
                  + "'s password (" + need + ", separated by spaces)", "--share FILE (once per share) or"
                  + " --skip-password").split("\\s+")).map(Path::of).toList();
        }
        if (o.passwordTo == null && System.console() == null) {
          throw new UsageException("no terminal to show the password on: give --password-to FILE (a new file, mode"
              + " 600), or --skip-password");
        }
        if (o.passwordTo != null && Files.exists(o.passwordTo, LinkOption.NOFOLLOW_LINKS)) {
          throw new UsageException(o.passwordTo + " exists already (or is a link): --password-to takes a new file");
        }
      }

      // 1. the session
      SessionProgress p;
      if (plan.resumes()) {
        p = plan.progress().get();
        Session s = p.session();
        out.printf("resuming unlock session %d%s for %s: opened by %s, witness %s at %s, expected end %s%n", s.id(),
            s.drill() ? " (DRILL)" : "", s.identity(), s.openedBy(), s.witness().orElse("-"), Out.ts(s.openedAt()),
            Out.ts(s.expectedEnd()));
      } else {
        SessionRequest r = dev.breakglass.cli.inventory.Checked.of(() -> new SessionRequest(plan.identity().ref(), by,
            witness, reason, Optional.ofNullable(o.ticket), drill, expected));
        p = u.open(r);
        Session s = p.session();
        out.printf("opened unlock session %d%s for %s: by %s, witness %s, expected end %s (event %d)%n", s.id(),
            s.drill() ? " (DRILL)" : "", s.identity(), s.openedBy(), s.witness().orElse("-"), Out.ts(s.expectedEnd()),
            s.id());
      }
      out.flush();
      long id = p.session().id();
      boolean alarm = false;

      // 2. the quorum
      for (String c : p.awaitingPresence()) {
        err.println("Quorum: custodian " + c + ", prove your presence with your own security key (and its PIN).");
        err.flush();
        KeyCheck k = Ceremonies.verify(l, ceremony, clock, KeyOwner.custodian(c), a -> l.recordPresence(id, c, a),
            x -> "Presence of custodian " + c + " proved for unlock session " + id + " (event " + x.event().seq()
                + "). You can close this page.");
        out.printf("presence proved: %s (key counter %d, %s), event %d%n", c, k.key().signCount(), k.verdict(),
            k.event().seq());
        out.flush();
        alarm |= alarmed(k.alarm(), err);
      }
      if (p.awaitingPresence().isEmpty() && !p.present().isEmpty()) {
        out.println("quorum met already: " + String.join(", ", p.present()));
      }

      // 3. the items
      for (CheckoutRequest r0 : checkouts) {
        CheckoutRequest r = r0.forSession(id);
        Event e;
        if (plan.withKey().stream().anyMatch(x -> x.equalsIgnoreCase(r.item())) && r.skipKeyCheck().isEmpty()) {
          l.checkoutAllowed(r); // refuse before anyone touches the key
          err.println("Item " + r.item() + ": touch the break-glass key to prove it is the registered one.");
          err.flush();
          e = Ceremonies.verify(l, ceremony, clock, KeyOwner.item(r.item()), a -> l.checkout(r.withKey(a)),
              x -> "The key is item '" + r.item() + "''s registered key; checked out as event " + x.seq()
                  + ". You can close this page.");
        } else {
          e = l.checkout(r);
        }
        Map<String, Object> d = Json.read(e.details());
        out.printf("checked out %s (%s)%s, event %d%n", r.item(), d.containsKey("sealBroken") ? "seal NOT confirmed: "
            + d.get("sealBroken") : d.get("seal") == null ? "no seal on record" : "seal " + d.get("seal") + " confirmed",
            Ceremonies.keyNote(d),
            e.seq());
        out.flush();
        if (CounterVerdict.USED_IN_SAFE.wireName().equals(d.get("keyVerdict"))) {
          err.println("bg: ALARM: item '" + r.item() + "': the key's signature counter moved while it was in its safe"
              + " (alarm recorded as event " + (e.seq() - 1) + "); tell the security team, see the custodian guide");
          err.flush();
          alarm = true;
        }
      }

      // 4. the password
      if (password) {
        char[] pw = new PasswordCustody(l, new SecureRandom(), Verifier.DEFAULT).combine(plan.identity().ref(), shares,
            "unlock session " + id + ": " + reason, by, Optional.of(id));
        try {
          show(pw, plan.identity().ref(), plan.password().get().version(), out);
        } finally {
          Arrays.fill(pw, '\0');
        }
      } else if (plan.password().isPresent()) {
        out.println("password not rebuilt (--skip-password)");
      }

      // 5. the runbook
      out.println();
      for (String line : u.runbook(id)) {
        out.println(line);
      }
      out.flush();
      return alarm ? ExitCodes.KEY_ALARM : ExitCodes.OK;
    }
  }

  private static boolean alarmed(Optional<Event> alarm, PrintWriter err) {
    alarm.ifPresent(a -> {
      err.println("bg: ALARM: " + a.reason().orElse("key alarm") + " (event " + a.seq() + ")");
      err.flush();
    });
    return alarm.isPresent();
  }

  /** The password once: into a new 0600 file, or on the terminal as characters (no String copy). */
  private void show(char[] pw, String identity, int version, PrintWriter out) throws CustodyException {
    if (o.passwordTo != null) {
      byte[] bytes = new byte[pw.length + 1];
      for (int i = 0; i < pw.length; i++) {
        bytes[i] = (byte) pw[i];
      }
      bytes[pw.length] = '\n';
      try (OutputStream f = PrivateFiles.createNew(o.passwordTo)) {
        f.write(bytes);
      } catch (FileAlreadyExistsException e) {
        throw new CustodyException(CustodyException.Reason.IO, o.passwordTo + " appeared meanwhile: the password was"
            + " not written; its reveal is recorded, run 'bg password combine' to see it");
      } catch (IOException e) {
        throw new CustodyException(CustodyException.Reason.IO, "cannot write " + o.passwordTo + " (" + e.getMessage()
            + "): the password was not written; its reveal is recorded, run 'bg password combine' to see it");
      } finally {
        Arrays.fill(bytes, (byte) 0);
      }
      out.printf("password of %s (version %d) written to %s (mode 600): delete it once used%n", identity, version,
          o.passwordTo);
      return;
    }
    Console console = System.console();
    console.writer().print("password of " + identity + " (version " + version + ", shown once): ");
    console.writer().write(pw);
    console.writer().println();
    console.flush();
  }
}
