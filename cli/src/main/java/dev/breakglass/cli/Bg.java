package dev.breakglass.cli;

import dev.breakglass.cli.custody.CheckinCommand;
import dev.breakglass.cli.custody.CheckoutCommand;
import dev.breakglass.cli.demo.DemoCommand;
import dev.breakglass.cli.inventory.CustodianCommand;
import dev.breakglass.cli.inventory.IdentityCommand;
import dev.breakglass.cli.inventory.ItemCommand;
import dev.breakglass.cli.inventory.SafeCommand;
import dev.breakglass.cli.ledger.InitCommand;
import dev.breakglass.cli.ledger.LedgerCommand;
import dev.breakglass.cli.ledger.LogCommand;
import dev.breakglass.cli.ledger.StatusCommand;
import dev.breakglass.custody.CustodyException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bg}: the BreakGlass Kit command line. */
@Command(
    name = "bg",
    mixinStandardHelpOptions = true,
    // Every subcommand inherits --help and --version.
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = VersionProvider.class,
    description = "Keeps Microsoft Entra ID break-glass credentials in verifiable custody.",
    synopsisSubcommandLabel = "COMMAND",
    footerHeading = "%nHome:%n",
    footer = {
      "  Every command works on one home directory: --home DIR, else $BG_HOME, else ~/.breakglass.",
      "  'bg init' creates it; 'bg demo' shows a whole custody cycle in a throw-away home."
    },
    subcommands = CommandLine.HelpCommand.class)
public final class Bg implements Runnable {
  /**
   * The subcommands, in help order. Registered in code rather than in the annotation so that a
   * run of one command builds only that command's model: picocli reflects over every registered
   * class, and doing so for all of them costs more start-up time than the command itself.
   */
  private static final Map<String, Class<?>> COMMANDS = commands();

  private static Map<String, Class<?>> commands() {
    Map<String, Class<?>> m = new java.util.LinkedHashMap<>();
    m.put("init", InitCommand.class);
    m.put("demo", DemoCommand.class);
    m.put("safe", SafeCommand.class);
    m.put("custodian", CustodianCommand.class);
    m.put("identity", IdentityCommand.class);
    m.put("item", ItemCommand.class);
    m.put("key", dev.breakglass.cli.key.KeyCommand.class);
    m.put("checkout", CheckoutCommand.class);
    m.put("checkin", CheckinCommand.class);
    m.put("status", StatusCommand.class);
    m.put("log", LogCommand.class);
    m.put("ledger", LedgerCommand.class);
    m.put("ca", dev.breakglass.cli.ca.CaCommand.class);
    m.put("password", dev.breakglass.cli.password.PasswordCommand.class);
    m.put("export", dev.breakglass.cli.export.ExportCommand.class);
    m.put("posture", dev.breakglass.cli.entra.PostureCommand.class);
    m.put("app", dev.breakglass.cli.app.AppCommand.class);
    m.put("monitor", dev.breakglass.cli.monitor.MonitorCommand.class);
    m.put("daemon", dev.breakglass.cli.daemon.DaemonCommand.class);
    m.put("correlate", dev.breakglass.cli.daemon.CorrelateCommand.class);
    m.put("unlock", dev.breakglass.cli.unlock.UnlockCommand.class);
    m.put("lock", dev.breakglass.cli.unlock.LockCommand.class);
    m.put("drill", dev.breakglass.cli.unlock.DrillCommand.class);
    m.put("review", dev.breakglass.cli.review.ReviewCommand.class);
    m.put("report", dev.breakglass.cli.report.ReportCommand.class);
    return java.util.Collections.unmodifiableMap(m);
  }

  private final Map<String, String> env;
  private final Clock clock;

  @Spec CommandSpec spec;

  public Bg(Map<String, String> env, Clock clock) {
    this.env = Map.copyOf(env);
    this.clock = clock;
  }

  public static void main(String[] args) {
    String first = args.length > 0 ? args[0] : "";
    CommandLine cl = COMMANDS.containsKey(first)
        ? newCommandLine(System.getenv(), Clock.systemUTC(), first)
        : newCommandLine(System.getenv(), Clock.systemUTC());
    System.exit(cl.execute(args));
  }

  /** A fully configured command line; tests call this with their own environment and clock. */
  public static CommandLine newCommandLine(Map<String, String> env, Clock clock) {
    return newCommandLine(env, clock, null);
  }

  /** The command line with only subcommand {@code only} registered ({@code null}: all of them). */
  static CommandLine newCommandLine(Map<String, String> env, Clock clock, String only) {
    CommandLine cl = new CommandLine(new Bg(env, clock));
    for (Map.Entry<String, Class<?>> c : COMMANDS.entrySet()) {
      if (only == null || only.equals(c.getKey())) {
        cl.addSubcommand(c.getKey(), c.getValue());
      }
    }
    if (only == null) {
      cl.addSubcommand("completion", new AutoComplete.GenerateCompletion());
      cl.getSubcommands().get("completion").getCommandSpec().usageMessage()
          .description("Prints a bash/zsh completion script for bg: source <(bg completion)");
    }
    cl.setExecutionExceptionHandler(Bg::handleExecutionException);
    cl.setParameterExceptionHandler(Bg::handleParameterException);
    cl.setUsageHelpAutoWidth(true);
    withExitCodes(cl);
    return cl;
  }

  /** Every command's help ends with the same EXIT CODES section. */
  private static void withExitCodes(CommandLine cl) {
    Map<String, String> codes = new java.util.LinkedHashMap<>();
    for (String line : ExitCodes.HELP) {
      int colon = line.indexOf(':');
      codes.put(line.substring(0, colon), line.substring(colon + 1));
    }
    cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
    for (CommandLine sub : cl.getSubcommands().values()) {
      withExitCodes(sub);
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The home when no --home is given: $BG_HOME, else ~/.breakglass. */
  public Path defaultHome() {
    String fromEnv = env.get("BG_HOME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv);
    }
    return Path.of(System.getProperty("user.home"), ".breakglass");
  }

  /** Who runs inventory commands when no --by is given: the operating-system user. */
  public String operator() {
    String user = env.getOrDefault("USER", System.getProperty("user.name", "unknown"));
    return user == null || user.isBlank() ? "unknown" : user;
  }

  public Clock clock() {
    return clock;
  }

  public Map<String, String> env() {
    return env;
  }

  private static int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
    PrintWriter err = cl.getErr();
    if (ex instanceof CustodyException ce) {
      err.println("bg: error: " + ce.getMessage());
      err.flush();
      return ExitCodes.of(ce);
    }
    if (ex instanceof dev.breakglass.ca.CaException ca) {
      err.println("bg: error: " + ca.getMessage());
      err.flush();
      return ca.reason() == dev.breakglass.ca.CaException.Reason.INVALID_ARGUMENT ? ExitCodes.USAGE : ExitCodes.FAILED;
    }
    if (ex instanceof dev.breakglass.custody.secret.PasswordException pe) {
      err.println("bg: error: " + pe.getMessage());
      err.flush();
      return switch (pe.reason()) {
        case INVALID_ARGUMENT -> ExitCodes.USAGE;
        case CORRUPT -> ExitCodes.LEDGER_BAD;
        default -> ExitCodes.FAILED;
      };
    }
    if (ex instanceof dev.breakglass.custody.directory.DirectoryException de) {
      err.println("bg: error: " + de.getMessage());
      err.flush();
      return ExitCodes.FAILED;
    }
    if (ex instanceof dev.breakglass.daemon.DaemonException de) {
      err.println("bg: error: " + de.getMessage());
      err.flush();
      return ExitCodes.FAILED;
    }
    if (ex instanceof UsageException ue) {
      err.println("bg: error: " + ue.getMessage());
      err.println("bg: hint: see '" + cl.getCommandSpec().qualifiedName(" ") + " --help'");
      err.flush();
      return ExitCodes.USAGE;
    }
    // A bug, not an operator's mistake: say so, and show the trace only when asked for.
    err.println("bg: internal error: " + ex);
    Bg root = (Bg) cl.getCommandSpec().root().userObject();
    if (root.env.containsKey("BG_DEBUG")) {
      ex.printStackTrace(err);
    } else {
      err.println("bg: hint: run again with BG_DEBUG=1 for the stack trace, and report it");
    }
    err.flush();
    return ExitCodes.FAILED;
  }

  private static int handleParameterException(CommandLine.ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println("bg: error: " + ex.getMessage());
    err.println("bg: hint: see '" + cl.getCommandSpec().qualifiedName(" ") + " --help'");
    err.flush();
    return ExitCodes.USAGE;
  }
}
