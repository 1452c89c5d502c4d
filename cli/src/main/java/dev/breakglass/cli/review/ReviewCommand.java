package dev.breakglass.cli.review;

import dev.breakglass.cli.CustodianOptions;
import dev.breakglass.cli.ExitCodes;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.cli.Out;
import dev.breakglass.cli.UsageException;
import dev.breakglass.cli.entra.EntraOptions;
import dev.breakglass.cli.inventory.Checked;
import dev.breakglass.cli.key.CeremonyOptions;
import dev.breakglass.custody.fido.KeyCeremonies;
import dev.breakglass.custody.fido.LoopbackCeremony;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.procedure.KitReview;
import dev.breakglass.custody.procedure.KitReviewPlan;
import dev.breakglass.custody.procedure.KitReviewRequest;
import dev.breakglass.custody.procedure.KitReviewResult;
import dev.breakglass.custody.secret.PasswordCustody;
import dev.breakglass.custody.secret.Verifier;
import dev.breakglass.entra.EntraConnection;
import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "review",
    description = {
      "The periodic review of the whole kit, by two custodians: reads the seal of every sealed item in its safe,"
          + " verifies every registered key in its safe in your browser (one page per key, one after another),"
          + " checks password shares against the recorded verifier (--shares), CA and certificate expiry, the"
          + " directory's posture (--posture), and lists the UNEXPLAINED sign-ins and key alarms since the last"
          + " review. Records one kit-reviewed event with the outcome; a review with findings is recorded too.",
      "Due every review.interval-days in bg.conf (183 days by default); 'bg status' says when it is overdue.",
      "A sealed item without --seal or --seal-broken is asked for at the terminal; without a terminal that is a"
          + " usage error. Everything that can be refused (unknown items, the people, a seal that does not match)"
          + " is refused before any key is asked for or anything is written.",
      "Exit 0: the review passed. Exit 1: recorded with findings (or refused). Exit 4: recorded, and a key"
          + " alarm was raised (a counter that went backwards or moved in the safe)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  bg review --by Alice --witness Bob --seal bg1-key=TB-1 --seal bg1-pw=TB-7",
      "  bg review --by Alice --witness Bob --seal bg1-key=TB-1 --skip-key bg2-key=\"at the branch office\""
          + " --shares s1.txt s3.txt --posture"
    })
public final class ReviewCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin CustodianOptions people;
  @Mixin CeremonyOptions ceremony;
  @Mixin EntraOptions entra;

  @Option(names = "--seal", paramLabel = "ITEM=N", mapFallbackValue = "",
      description = "The seal number read off an item's bag; once per sealed item.")
  Map<String, String> seals = new LinkedHashMap<>();

  @Option(names = "--seal-broken", paramLabel = "ITEM=REASON", mapFallbackValue = "",
      description = "Why an item's seal cannot be confirmed (recorded; a finding).")
  Map<String, String> sealsBroken = new LinkedHashMap<>();

  @Option(names = "--skip-key", paramLabel = "ITEM=REASON", mapFallbackValue = "",
      description = "Why an item's key cannot be verified today (recorded; a finding).")
  Map<String, String> skipKeys = new LinkedHashMap<>();

  @Option(names = "--shares", arity = "1..*", paramLabel = "FILE",
      description = "Share files of one password (at least K): checked against its verifier, nothing revealed.")
  List<Path> shares = List.of();

  @Option(names = "--posture", description = "Also check the posture in Entra ID (as 'bg posture'; needs Graph).")
  boolean posture;

  @Option(names = "--note", paramLabel = "TEXT", description = "What the custodians want on record.")
  String note;

  @Option(names = "--json", description = "Print the outcome as JSON (page addresses then go to standard error).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Clock clock = ledger.root().clock();
    KitReviewRequest request = Checked.of(() -> new KitReviewRequest(people.by(), people.witness(), seals,
        sealsBroken, skipKeys, shares, Optional.ofNullable(note)));
    KitReviewResult result;
    try (Ledger l = ledger.open()) {
      Duration timeout = ceremony.timeout(l.config());
      KitReview review = new KitReview(l, new PasswordCustody(l, new SecureRandom(), Verifier.DEFAULT), clock);
      KitReviewPlan plan = review.plan(request);
      if (!plan.complete()) {
        plan = review.plan(askForSeals(request, plan.sealsMissing()));
      }
      KeyCeremonies keys = ceremony.keys(l, clock);
      int total = plan.keysToVerify().size();
      int[] done = {0};
      KitReview.KeyProof proof = (owner, record) -> {
        err.println("Key " + ++done[0] + " of " + total + ": item '" + owner.name() + "'");
        err.flush();
        try (LoopbackCeremony c = ceremony.open(l)) {
          KeyCeremonies.Verification v = keys.startVerification(owner, c.origin(), timeout);
          return c.run(v.page(), answer -> record.record(keys.finishVerification(v, answer)),
              x -> (x.verdict().alarm() ? "ALARM: " : "") + "Verified the key of item '" + x.key().owner().name()
                  + "': signature counter " + x.key().signCount() + " (" + x.verdict() + "), event "
                  + x.event().seq() + ". The review goes on in the terminal.",
              timeout, ceremony.announce(timeout, json));
        }
      };
      try (EntraConnection c = posture ? entra.connect(l, clock, err) : null) {
        result = review.run(plan, proof, Optional.ofNullable(c).map(EntraConnection::directory), check -> {
          if (!json) {
            out.println(check.line());
            out.flush();
          }
        });
      }
    }
    if (json) {
      printJson(out, result);
    } else {
      out.println("review recorded as event " + result.event().seq() + " (head " + result.event().head() + "): "
          + (result.passed() ? "pass" : result.findings().size() + " finding" + (result.findings().size() == 1 ? ""
          : "s")));
      for (String f : result.findings()) {
        out.println("- " + f);
      }
      out.flush();
    }
    if (result.keyAlarmRaised()) {
      err.println("bg: ALARM: a key alarm was raised during the review (see the findings); see the custodian"
          + " guide, 'Key alarms'");
      err.flush();
      return ExitCodes.KEY_ALARM;
    }
    return result.passed() ? ExitCodes.OK : ExitCodes.FAILED;
  }

  /** Seal numbers not given as flags, typed at the terminal; without one, a usage error naming them. */
  private static KitReviewRequest askForSeals(KitReviewRequest request, List<String> missing) throws UsageException {
    Console console = System.console();
    if (console == null) {
      throw new UsageException((missing.size() == 1 ? "sealed item '" + missing.get(0) + "' has" : "sealed items "
          + String.join(", ", missing.stream().map(i -> "'" + i + "'").toList()) + " have") + " no seal reading: read"
          + (missing.size() == 1 ? " its bag" : " each bag") + " and give " + String.join(" ",
          missing.stream().map(i -> "--seal " + i + "=N").toList()) + " (or --seal-broken ITEM=REASON)");
    }
    KitReviewRequest r = request;
    for (String item : missing) {
      String n = console.readLine("Seal number on the bag of item '%s': ", item);
      if (n == null || n.isBlank()) {
        throw new UsageException("no seal number for item '" + item + "': give it with --seal " + item + "=N, or"
            + " why it cannot be read with --seal-broken " + item + "=REASON");
      }
      KitReviewRequest before = r;
      r = Checked.of(() -> before.withSeal(item, n.strip()));
    }
    return r;
  }

  private static void printJson(PrintWriter out, KitReviewResult result) {
    Out.json(out, g -> {
      g.writeStartObject();
      g.writeNumberField("event", result.event().seq());
      g.writeStringField("head", result.event().head().toString());
      g.writeStringField("at", Out.ts(result.event().timestamp()));
      for (Map.Entry<String, Object> f : result.fields().entrySet()) {
        if (f.getValue() instanceof Long n) {
          g.writeNumberField(f.getKey(), n);
        } else {
          g.writeStringField(f.getKey(), String.valueOf(f.getValue()));
        }
      }
      g.writeBooleanField("keyAlarmRaised", result.keyAlarmRaised());
      g.writeArrayFieldStart("checks");
      for (KitReviewResult.Check c : result.checks()) {
        g.writeStartObject();
        g.writeStringField("kind", c.kind());
        g.writeStringField("subject", c.subject());
        g.writeStringField("line", c.line());
        g.writeArrayFieldStart("findings");
        for (String f : c.findings()) {
          g.writeString(f);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("findingLines");
      for (String f : result.findings()) {
        g.writeString(f);
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }
}
