package dev.breakglass.cli.inventory;

import dev.breakglass.cli.CustodianOptions;
import dev.breakglass.cli.LedgerOptions;
import dev.breakglass.custody.ledger.Event;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.ReviewRequest;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "review", description = "Records an inspection of an item in its safe: the seal read off the bag.",
    footerHeading = "%nExamples:%n",
    footer = {
      "  bg item review bg1-key --by Alice --witness Bob --seal TB-000123",
      "  bg item review bg1-key --by Alice --witness Bob --seal-broken \"bag slit along the bottom\""
    })
public final class ItemReviewCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin LedgerOptions ledger;
  @Mixin CustodianOptions people;

  @Parameters(paramLabel = "ITEM", description = "The item's label.")
  String label;

  @Option(names = "--seal", paramLabel = "N", description = "The seal number read off the bag.")
  String seal;

  @Option(names = "--seal-broken", paramLabel = "REASON", description = "Why the seal cannot be confirmed.")
  String sealBroken;

  @Option(names = "--note", paramLabel = "TEXT", description = "What was found.")
  String note;

  @Override
  public Integer call() throws Exception {
    ReviewRequest r = Checked.of(() -> new ReviewRequest(label, people.by(), people.witness(),
        Optional.ofNullable(seal), Optional.ofNullable(sealBroken), Optional.ofNullable(note)));
    try (Ledger l = ledger.open()) {
      Event e = l.review(r);
      spec.commandLine().getOut().printf("reviewed '%s'%s, event %d%n", e.item().orElse(label),
          sealBroken != null ? " (seal recorded as broken)" : "", e.seq());
    }
    return 0;
  }
}
