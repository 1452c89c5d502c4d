import com.yubico.webauthn.FinishRegistrationOptions;
import com.yubico.webauthn.RegistrationResult;
import com.yubico.webauthn.RelyingParty;
import com.yubico.webauthn.data.AuthenticatorAttestationResponse;
import com.yubico.webauthn.data.ClientRegistrationExtensionOutputs;
import com.yubico.webauthn.data.PublicKeyCredential;
import com.yubico.webauthn.data.PublicKeyCredentialCreationOptions;
import dev.breakglass.custody.fido.AttestationTrust;
import dev.breakglass.custody.fido.KeyCeremonies;
import dev.breakglass.custody.fido.SoftAuthenticator;
import dev.breakglass.custody.ledger.CounterVerdict;
import dev.breakglass.custody.ledger.Fixture;
import dev.breakglass.custody.ledger.ItemKind;
import dev.breakglass.custody.ledger.KeyAssertion;
import dev.breakglass.custody.ledger.KeyCheck;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.NewItem;
import dev.breakglass.custody.ledger.VerifyReport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * FIDO2 ceremony benchmarks for bench/fido.sh: the server side of WebAuthn registrations and
 * verifications through {@link KeyCeremonies} on a real SQLite home, with the test-only
 * {@link SoftAuthenticator} playing browser and key. Prints {@code key=value} lines on stdout;
 * anything else goes to stderr. Every mode checks what it wrote (counters, verdicts, the chain).
 *
 * <p>Needs {@code cli/target/bg.jar} and the custody test-jar on the class path:
 *
 * <pre>
 * CP=cli/target/bg.jar:custody/target/custody-0.1.0-SNAPSHOT-tests.jar
 * java -cp $CP bench/FidoBench.java warm DIR SAMPLES WARMUP THROUGHPUT
 *     rows 1-3, two new homes under DIR: WARMUP untimed then SAMPLES timed registrations (a new
 *     item and a new key each) in one; in the other, as many verifications of one key, then
 *     THROUGHPUT consecutive verifications of it
 * java -cp $CP bench/FidoBench.java cold-driver DIR RUNS JAVA [JVM options...]
 *     row 4: RUNS times, makes a new home under DIR and starts "JAVA [options] -cp $CP FidoBench
 *     cold HOME", a fresh JVM with only the server side in it; answers its ceremonies here, as the
 *     browser would, and reports the child's wall time and its own in-JVM timings
 * java -cp $CP bench/FidoBench.java inventory HOME...   new homes: Fixture inventory, no keys
 * java -cp $CP bench/FidoBench.java keys HOME           registers item bg1-key's key and Alice's
 * </pre>
 *
 * <p>The {@code cold} mode is started by {@code cold-driver}, never by hand: it prints each
 * ceremony's options on a line of stdout and reads the answer from stdin.
 */
public final class FidoBench {
  static final String ORIGIN = "http://localhost:8123";
  static final Duration TIMEOUT = Duration.ofMinutes(5);
  /** YubiKey 5 NFC: the model a kit is most likely to hold (named by KnownModels). */
  static final UUID YUBIKEY_5_NFC = UUID.fromString("2fc0579f-8113-47ea-b116-bb5a8db9202a");
  static final KeyOwner ITEM = KeyOwner.item("bg1-key");
  static final KeyOwner ITEM_2 = KeyOwner.item("bg2-key");
  static final KeyOwner ALICE = KeyOwner.custodian("Alice");
  static final Clock CLOCK = Clock.systemUTC();

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      usage();
    }
    switch (args[0]) {
      case "warm" -> {
        if (args.length != 5) {
          usage();
        }
        warm(Path.of(args[1]), positive(args[2]), nonNegative(args[3]), positive(args[4]));
      }
      case "cold-driver" -> {
        if (args.length < 4) {
          usage();
        }
        coldDriver(Path.of(args[1]), positive(args[2]), Arrays.asList(args).subList(3, args.length));
      }
      case "cold" -> cold(Path.of(args[1]));
      case "inventory" -> {
        for (String home : Arrays.asList(args).subList(1, args.length)) {
          inventory(Path.of(home)).close();
        }
      }
      case "keys" -> keys(Path.of(args[1]));
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println("usage: FidoBench warm DIR SAMPLES WARMUP THROUGHPUT | cold-driver DIR RUNS JAVA [OPTS...]"
        + " | inventory HOME... | keys HOME   (see the class comment)");
    System.exit(2);
  }

  // ---- homes -------------------------------------------------------------------------------------

  /** A new home with the ledger tests' inventory (bg1-key in hq-safe, Alice, Bob, Carol) and bg2-key. */
  static Ledger inventory(Path home) throws Exception {
    Ledger l = Ledger.init(home, "bench", CLOCK);
    Fixture.populate(l);
    l.addItem(new NewItem("bg2-key", ItemKind.FIDO2_KEY, Optional.of("YK-456"), Optional.empty(), "branch-safe",
        Optional.empty()), "bench");
    return l;
  }

  static KeyCeremonies ceremonies(Ledger l) throws Exception {
    return new KeyCeremonies(l, AttestationTrust.load(Optional.empty(), Optional.empty(), List.of(), CLOCK), CLOCK);
  }

  /** A key as a YubiKey sends it: "packed" attestation with an x5c certificate (not trusted here). */
  static SoftAuthenticator newKey(SoftAuthenticator.KeyPairAndCert vendor) {
    return SoftAuthenticator.packedFull(YUBIKEY_5_NFC, vendor.keyPair().getPrivate(), vendor.certificate());
  }

  static SoftAuthenticator.KeyPairAndCert vendor() {
    return SoftAuthenticator.testRootCa("BreakGlass bench attestation root");
  }

  /** Row 5's home after its "before" runs: the key of item bg1-key and a key of custodian Alice. */
  static void keys(Path home) throws Exception {
    try (Ledger l = Ledger.open(home, "bench", CLOCK)) {
      KeyCeremonies keys = ceremonies(l);
      SoftAuthenticator.KeyPairAndCert vendor = vendor();
      register(keys, newKey(vendor), ITEM, "Alice", Optional.of("Bob"));
      register(keys, newKey(vendor), ALICE, "Alice", Optional.of("Bob"));
      check(l.keys().size() == 2, "expected 2 registered keys, found " + l.keys().size());
      System.out.println("keys=" + l.keys().size());
    }
  }

  static KeyCeremonies.Registered register(KeyCeremonies keys, SoftAuthenticator soft, KeyOwner owner, String by,
      Optional<String> witness) throws Exception {
    KeyCeremonies.Registration r = keys.startRegistration(owner, ORIGIN, TIMEOUT);
    return keys.finishRegistration(r, soft.register(r.page().optionsJson(), ORIGIN), by, witness);
  }

  // ---- rows 1-3: one warm JVM --------------------------------------------------------------------

  /**
   * Rows 1-3 in one JVM. Registrations and verifications use separate homes, so that the
   * verifications run against a kit's usual handful of keys, not the dozens registered for row 1.
   */
  static void warm(Path dir, int samples, int warmup, int throughput) throws Exception {
    registrations(dir.resolve("registrations"), samples, warmup);
    verifications(dir.resolve("verifications"), samples, warmup, throughput);
  }

  /** Row 1: each registration is of a new fido2-key item with a new key, like 'bg key register'. */
  static void registrations(Path home, int samples, int warmup) throws Exception {
    // The kit's RelyingParty and its request are private to a Registration: reach them by name, as
    // PasswordBench reaches Shamir, to time exactly the call KeyCeremonies makes.
    Field rpField = KeyCeremonies.Registration.class.getDeclaredField("rp");
    Field requestField = KeyCeremonies.Registration.class.getDeclaredField("request");
    rpField.setAccessible(true);
    requestField.setAccessible(true);

    try (Ledger l = inventory(home)) {
      KeyCeremonies keys = ceremonies(l);
      SoftAuthenticator.KeyPairAndCert vendor = vendor();
      long eventsBefore = verified(l).events();
      long appended = 0;

      List<Long> parse = new ArrayList<>();
      List<Long> rpOnly = new ArrayList<>();
      List<Long> total = new ArrayList<>();
      for (int i = 0; i < warmup + samples; i++) {
        String label = String.format("bench-key-%04d", i);
        l.addItem(new NewItem(label, ItemKind.FIDO2_KEY, Optional.empty(), Optional.empty(), "branch-safe",
            Optional.empty()), "bench");
        SoftAuthenticator soft = newKey(vendor);
        KeyCeremonies.Registration r = keys.startRegistration(KeyOwner.item(label), ORIGIN, TIMEOUT);
        String answer = soft.register(r.page().optionsJson(), ORIGIN);
        RelyingParty rp = (RelyingParty) rpField.get(r);
        PublicKeyCredentialCreationOptions request = (PublicKeyCredentialCreationOptions) requestField.get(r);
        long[] split = new long[2];
        long t;
        // Alternate which call goes first, so that neither profits from the other's warm caches.
        if (i % 2 == 0) {
          rpOnly(rp, request, answer, split);
          t = kitRegistration(keys, r, answer, soft);
        } else {
          t = kitRegistration(keys, r, answer, soft);
          rpOnly(rp, request, answer, split);
        }
        appended += 2;
        if (i >= warmup) {
          parse.add(split[0]);
          rpOnly.add(split[1]);
          total.add(t);
        }
      }
      put("reg.samples", samples);
      put("reg.warmup", warmup);
      stats("reg.parse", parse);
      stats("reg.rp", rpOnly);
      stats("reg.total", total);

      // The home must hold exactly what was written, with no alarm, and its chain must verify.
      VerifyReport after = verified(l);
      check(after.events() - eventsBefore == appended, "the ledger gained " + (after.events() - eventsBefore)
          + " events, expected " + appended);
      check(l.keyAlarms().isEmpty(), "key alarms were recorded: " + l.keyAlarms());
      put("reg.ledger_events", after.events());
      put("reg.keys", l.keys().size());
    }
  }

  /** Rows 2 and 3: verifications of item bg1-key's key, in its safe; its counter rises by 1 each time. */
  static void verifications(Path home, int samples, int warmup, int throughput) throws Exception {
    try (Ledger l = inventory(home)) {
      KeyCeremonies keys = ceremonies(l);
      SoftAuthenticator.KeyPairAndCert vendor = vendor();
      long eventsBefore = verified(l).events();
      long appended = 0;

      // Two keys, as in row 5's home: the item's and a custodian's.
      SoftAuthenticator soft = newKey(vendor);
      register(keys, soft, ITEM, "Alice", Optional.of("Bob"));
      register(keys, newKey(vendor), ALICE, "Alice", Optional.of("Bob"));
      appended += 2;
      List<Long> finish = new ArrayList<>();
      List<Long> record = new ArrayList<>();
      List<Long> both = new ArrayList<>();
      for (int i = 0; i < warmup + samples; i++) {
        KeyCeremonies.Verification v = keys.startVerification(ITEM, ORIGIN, TIMEOUT);
        String answer = soft.authenticate(v.page().optionsJson(), ORIGIN);
        long t0 = System.nanoTime();
        KeyAssertion a = keys.finishVerification(v, answer);
        long t1 = System.nanoTime();
        KeyCheck k = l.recordKeyVerification(v.owner(), a, "Alice", Optional.of("Bob"));
        long t2 = System.nanoTime();
        checkAdvanced(k, soft);
        appended++;
        if (i >= warmup) {
          finish.add(t1 - t0);
          record.add(t2 - t1);
          both.add(t2 - t0);
        }
      }
      put("ver.samples", samples);
      stats("ver.finish", finish);
      stats("ver.record", record);
      stats("ver.total", both);

      // 3. Sustained: consecutive verifications of the same key, the whole server side each time.
      long counterBefore = soft.counter();
      long server = 0;
      long start = 0;
      long w0 = System.nanoTime();
      for (int i = 0; i < throughput; i++) {
        long s0 = System.nanoTime();
        KeyCeremonies.Verification v = keys.startVerification(ITEM, ORIGIN, TIMEOUT);
        String options = v.page().optionsJson();
        long s1 = System.nanoTime();
        String answer = soft.authenticate(options, ORIGIN);
        long s2 = System.nanoTime();
        KeyCheck k = l.recordKeyVerification(v.owner(), keys.finishVerification(v, answer), "Alice",
            Optional.of("Bob"));
        long s3 = System.nanoTime();
        checkAdvanced(k, soft);
        server += (s1 - s0) + (s3 - s2);
        start += s1 - s0;
      }
      long wall = System.nanoTime() - w0;
      appended += throughput;
      check(soft.counter() - counterBefore == throughput, "the counter rose by " + (soft.counter() - counterBefore)
          + ", not " + throughput);
      put("tp.count", throughput);
      put("tp.server_per_second", String.format("%.0f", throughput / (server / 1e9)));
      put("tp.ms_each", String.format("%.2f", server / 1e6 / throughput));
      put("tp.start_ms_each", String.format("%.2f", start / 1e6 / throughput));
      put("tp.wall_per_second", String.format("%.0f", throughput / (wall / 1e9)));
      put("tp.counter", soft.counter());

      // The home must hold exactly what was written, with no alarm, and its chain must verify.
      VerifyReport after = verified(l);
      check(after.events() - eventsBefore == appended, "the ledger gained " + (after.events() - eventsBefore)
          + " events, expected " + appended);
      check(l.keyAlarms().isEmpty(), "key alarms were recorded: " + l.keyAlarms());
      put("ver.ledger_events", after.events());
      put("ver.keys", l.keys().size());
    }
  }

  /** Times KeyCeremonies.finishRegistration (JSON to recorded key) and checks what it recorded. */
  private static long kitRegistration(KeyCeremonies keys, KeyCeremonies.Registration r, String answer,
      SoftAuthenticator soft) throws Exception {
    long t0 = System.nanoTime();
    KeyCeremonies.Registered reg = keys.finishRegistration(r, answer, "Alice", Optional.of("Bob"));
    long t = System.nanoTime() - t0;
    check(reg.key().credentialId().equals(soft.lastCredentialId().getBase64Url()), "recorded the wrong credential");
    check(reg.key().model().isPresent() && reg.key().attestationFormat().equals("packed"),
        "unexpected key record " + reg.key());
    return t;
  }

  /** Times the two webauthn-server-core calls KeyCeremonies makes: parsing the answer, then verifying it. */
  private static void rpOnly(RelyingParty rp, PublicKeyCredentialCreationOptions request, String answer,
      long[] out) throws Exception {
    long t0 = System.nanoTime();
    PublicKeyCredential<AuthenticatorAttestationResponse, ClientRegistrationExtensionOutputs> pkc =
        PublicKeyCredential.parseRegistrationResponseJson(answer);
    long t1 = System.nanoTime();
    RegistrationResult result = rp.finishRegistration(FinishRegistrationOptions.builder().request(request)
        .response(pkc).build());
    long t2 = System.nanoTime();
    check(result.getKeyId().getId().equals(pkc.getId()), "webauthn verified a different credential");
    out[0] = t1 - t0;
    out[1] = t2 - t1;
  }

  private static void checkAdvanced(KeyCheck k, SoftAuthenticator soft) {
    check(k.verdict() == CounterVerdict.ADVANCED && k.key().signCount() == soft.counter() && k.alarm().isEmpty(),
        "verification not recorded as advanced to " + soft.counter() + ": " + k.verdict() + ", counter "
            + k.key().signCount());
  }

  private static VerifyReport verified(Ledger l) throws Exception {
    VerifyReport r = l.verify(Optional.empty());
    check(r.ok(), "the ledger does not verify: " + r.problem().orElse(""));
    return r;
  }

  // ---- row 4: a fresh JVM ------------------------------------------------------------------------

  /**
   * Runs {@code runs} fresh JVMs in {@code cold} mode, each on a new home, plays browser and key for
   * them, and reports medians of what they measured.
   */
  static void coldDriver(Path dir, int runs, List<String> javaCommand) throws Exception {
    // The child is started from the class path: in source-file mode this class is not on it.
    check(FidoBench.class.getClassLoader() == ClassLoader.getSystemClassLoader(),
        "cold-driver needs FidoBench compiled (javac -d DIR ...; java -cp DIR:...), as bench/fido.sh does");
    String classPath = System.getProperty("java.class.path");
    SoftAuthenticator.KeyPairAndCert vendor = vendor();
    Map<String, List<Long>> m = new LinkedHashMap<>();
    for (int run = 0; run < runs; run++) {
      Path home = dir.resolve("cold-" + run);
      inventory(home).close();
      List<String> cmd = new ArrayList<>(javaCommand);
      cmd.addAll(List.of("-cp", classPath, "FidoBench", "cold", home.toString()));
      // One device per item, as in a kit; the child registers bg1-key first, then bg2-key.
      Map<String, SoftAuthenticator> devices = Map.of("bg1-key", newKey(vendor), "bg2-key", newKey(vendor));
      SoftAuthenticator current = null;
      long t0 = System.nanoTime();
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      Map<String, Long> child = new LinkedHashMap<>();
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
          PrintWriter out = new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8)) {
        for (String line; (line = in.readLine()) != null; ) {
          String[] f = line.split(" ", 3);
          switch (f[0]) {
            case "create" -> {
              current = devices.get(f[1]);
              out.println(current.register(f[2], ORIGIN));
            }
            case "get" -> out.println(current.authenticate(f[2], ORIGIN));
            default -> {
              int eq = line.indexOf('=');
              check(eq > 0, "unexpected line from the cold JVM: " + line);
              child.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
            }
          }
        }
      }
      int exit = p.waitFor();
      long wall = System.nanoTime() - t0;
      check(exit == 0, "the cold JVM failed with exit code " + exit + ": " + cmd);
      add(m, "cold.wall", wall);
      add(m, "cold.wall_server", wall - child.get("cold.waiting_ns"));
      for (String k : List.of("cold.open", "cold.reg1", "cold.ver1", "cold.reg2", "cold.ver2", "cold.main")) {
        add(m, k, child.get(k + "_ns"));
      }
    }
    put("cold.runs", runs);
    for (Map.Entry<String, List<Long>> e : m.entrySet()) {
      stats(e.getKey(), e.getValue());
    }
  }

  private static void add(Map<String, List<Long>> m, String key, long value) {
    m.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
  }

  /**
   * The child of {@link #coldDriver}: opens the home as 'bg key register' does, registers bg1-key,
   * verifies it, then does the same for bg2-key (the second ceremony of a JVM, for comparison).
   * Nothing of the software authenticator runs here: only the server side loads its classes.
   */
  static void cold(Path home) throws Exception {
    long m0 = System.nanoTime();
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    long[] waiting = {0};
    Map<String, Long> r = new LinkedHashMap<>();
    try (Ledger l = Ledger.open(home, "bench", CLOCK)) {
      KeyCeremonies keys = ceremonies(l);
      r.put("cold.open_ns", System.nanoTime() - m0);
      int n = 1;
      for (KeyOwner item : List.of(ITEM, ITEM_2)) {
        long a = System.nanoTime();
        long wa = waiting[0];
        KeyCeremonies.Registration reg = keys.startRegistration(item, ORIGIN, TIMEOUT);
        String answer = ask(out, in, "create " + item.name(), reg.page().optionsJson(), waiting);
        keys.finishRegistration(reg, answer, "Alice", Optional.of("Bob"));
        long b = System.nanoTime();
        long wb = waiting[0];
        KeyCeremonies.Verification v = keys.startVerification(item, ORIGIN, TIMEOUT);
        String answer2 = ask(out, in, "get " + item.name(), v.page().optionsJson(), waiting);
        KeyCheck k = l.recordKeyVerification(v.owner(), keys.finishVerification(v, answer2), "Alice",
            Optional.of("Bob"));
        long c = System.nanoTime();
        long wc = waiting[0];
        check(k.verdict() == CounterVerdict.ADVANCED, "verification recorded as " + k.verdict());
        r.put("cold.reg" + n + "_ns", (b - a) - (wb - wa));
        r.put("cold.ver" + n + "_ns", (c - b) - (wc - wb));
        n++;
      }
    }
    r.put("cold.main_ns", System.nanoTime() - m0 - waiting[0]);
    r.put("cold.waiting_ns", waiting[0]);
    r.forEach((k, v) -> out.println(k + "=" + v));
  }

  /** Hands options to the driver (the browser) and returns its answer; adds the wait to {@code waiting[0]}. */
  private static String ask(PrintStream out, BufferedReader in, String what, String optionsJson, long[] waiting)
      throws Exception {
    long t0 = System.nanoTime();
    out.println(what + " " + optionsJson.replace('\n', ' ').replace('\r', ' '));
    String answer = in.readLine();
    waiting[0] += System.nanoTime() - t0;
    check(answer != null, "the driver closed the pipe");
    return answer;
  }

  // ---- output ------------------------------------------------------------------------------------

  private static void put(String key, Object value) {
    System.out.println(key + "=" + value);
  }

  /** key.med, key.min, key.max in milliseconds. */
  private static void stats(String key, List<Long> nanos) {
    long[] a = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    double med = a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2.0;
    put(key + ".med", String.format("%.2f", med / 1e6));
    put(key + ".min", String.format("%.2f", a[0] / 1e6));
    put(key + ".max", String.format("%.2f", a[a.length - 1] / 1e6));
  }

  private static int positive(String s) {
    int n = Integer.parseInt(s);
    if (n < 1) {
      throw new IllegalArgumentException("expected a positive count, got " + s);
    }
    return n;
  }

  private static int nonNegative(String s) {
    int n = Integer.parseInt(s);
    if (n < 0) {
      throw new IllegalArgumentException("expected a count of 0 or more, got " + s);
    }
    return n;
  }

  private static void check(boolean ok, String problem) {
    if (!ok) {
      throw new IllegalStateException(problem);
    }
  }
}
