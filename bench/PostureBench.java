import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakglass.custody.directory.AppRegistration;
import dev.breakglass.custody.directory.AuthMethod;
import dev.breakglass.custody.directory.ConditionalAccessPolicy;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.custody.directory.DirectoryReader;
import dev.breakglass.custody.directory.DirectoryUser;
import dev.breakglass.custody.directory.Domain;
import dev.breakglass.custody.directory.Fido2Policy;
import dev.breakglass.custody.directory.RoleSchedule;
import dev.breakglass.custody.ledger.Custodian;
import dev.breakglass.custody.ledger.Identity;
import dev.breakglass.custody.ledger.IdentityKind;
import dev.breakglass.custody.ledger.ItemKind;
import dev.breakglass.custody.ledger.KeyOwner;
import dev.breakglass.custody.ledger.Ledger;
import dev.breakglass.custody.ledger.NewCa;
import dev.breakglass.custody.ledger.NewCertificate;
import dev.breakglass.custody.ledger.NewItem;
import dev.breakglass.custody.ledger.NewKey;
import dev.breakglass.custody.ledger.NewPassword;
import dev.breakglass.custody.ledger.ReviewRequest;
import dev.breakglass.custody.ledger.Safe;
import dev.breakglass.custody.ledger.TestClock;
import dev.breakglass.custody.posture.Posture;
import dev.breakglass.custody.posture.PostureCheck;
import dev.breakglass.custody.posture.PostureReport;
import dev.breakglass.entra.EntraConnection;
import dev.breakglass.entra.EntraSettings;
import dev.breakglass.entra.FakeTokens;
import dev.breakglass.entra.GraphTestServer;
import dev.breakglass.entra.RecordingSleeper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Benchmark of {@code bg posture}'s work (bench/README.md, "Posture"): {@link Posture#check} through
 * the Graph adapter ({@code EntraConnection}, the real Microsoft Graph SDK) against {@code
 * GraphTestServer} serving a generated tenant with 500 Conditional Access policies and 5,000 groups.
 *
 * <pre>
 * java -cp CP PostureBench run key=value...     the driver: builds the tenant and ledger, runs every row, prints the table
 * java -cp CP 'PostureBench$Cold' URL HOME TOKEN_FILE NOW_EPOCH_SECONDS
 *                                               one posture run in a fresh JVM (started by the driver)
 * </pre>
 *
 * Everything in the table comes from the run. Progress goes to stderr.
 */
public final class PostureBench {
  private PostureBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !args[0].equals("run")) {
      System.err.println("usage: PostureBench run key=value...  (see bench/posture.sh)");
      System.exit(2);
    }
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("expected key=value, got " + args[i]);
      }
      opts.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    new Driver(opts).run();
  }

  // ================================================================================= fresh-JVM run

  /**
   * One {@code bg posture} in a fresh JVM, as the command does it: open the ledger read-only, open
   * the connection with an access-token file, {@link Posture#check}, exit. Prints one line of
   * key=value (milliseconds) on stdout. References only the kit's main classes.
   */
  static final class Cold {
    private Cold() {}

    public static void main(String[] args) throws Exception {
      long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
      long mainAt = System.currentTimeMillis();
      long t0 = System.nanoTime();
      URI url = URI.create(args[0]);
      Path home = Path.of(args[1]);
      Path token = Path.of(args[2]);
      Clock clock = Clock.fixed(Instant.ofEpochSecond(Long.parseLong(args[3])), ZoneOffset.UTC);
      try (Ledger ledger = Ledger.openReadOnly(home, clock)) {
        long t1 = System.nanoTime();
        EntraSettings settings = new EntraSettings(Optional.empty(), Optional.empty(), url,
            new EntraSettings.Auth.AccessToken(token));
        try (EntraConnection c = EntraConnection.open(settings, clock)) {
          long t2 = System.nanoTime();
          TimedDirectory first = new TimedDirectory(c.directory());
          PostureReport r = Posture.check(ledger, first, clock);
          long t3 = System.nanoTime();
          System.out.printf(Locale.ROOT, "main=%d ledger=%.3f open=%.3f first=%.3f firstcall=%s check=%.3f"
              + " classes=%d rows=%d notpass=%d%n", mainAt - jvmStart, ms(t1 - t0), ms(t2 - t1),
              ms(first.firstNanos), first.firstCall, ms(t3 - t2),
              ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount(), r.rows().size(), notPass(r));
        }
      }
    }
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }

  static long notPass(PostureReport r) {
    return r.rows().stream().filter(c -> c.status() != PostureCheck.Status.PASS).count();
  }

  /** Times each directory call; remembers the first one (the first Graph request of the run). */
  static final class TimedDirectory implements DirectoryReader {
    interface Call<T> {
      T run() throws DirectoryException;
    }

    final DirectoryReader d;
    final Map<String, long[]> calls = new LinkedHashMap<>();
    String firstCall;
    long firstNanos;

    TimedDirectory(DirectoryReader d) {
      this.d = d;
    }

    private <T> T time(String name, Call<T> c) throws DirectoryException {
      long t0 = System.nanoTime();
      try {
        return c.run();
      } finally {
        long dt = System.nanoTime() - t0;
        long[] a = calls.computeIfAbsent(name, k -> new long[2]);
        a[0]++;
        a[1] += dt;
        if (firstCall == null) {
          firstCall = name;
          firstNanos = dt;
        }
      }
    }

    @Override
    public Optional<DirectoryUser> user(String idOrUpn) throws DirectoryException {
      return time("user", () -> d.user(idOrUpn));
    }

    @Override
    public List<Domain> domains() throws DirectoryException {
      return time("domains", d::domains);
    }

    @Override
    public List<ConditionalAccessPolicy> conditionalAccessPolicies() throws DirectoryException {
      return time("conditionalAccessPolicies", d::conditionalAccessPolicies);
    }

    @Override
    public Set<String> transitiveGroupIds(String userId) throws DirectoryException {
      return time("transitiveGroupIds", () -> d.transitiveGroupIds(userId));
    }

    @Override
    public List<RoleSchedule> roleSchedules(String principalId) throws DirectoryException {
      return time("roleSchedules", () -> d.roleSchedules(principalId));
    }

    @Override
    public List<AuthMethod> authenticationMethods(String userId) throws DirectoryException {
      return time("authenticationMethods", () -> d.authenticationMethods(userId));
    }

    @Override
    public Fido2Policy fido2Policy() throws DirectoryException {
      return time("fido2Policy", d::fido2Policy);
    }

    @Override
    public Optional<AppRegistration> application(String appId) throws DirectoryException {
      return time("application", () -> d.application(appId));
    }
  }

  // ================================================================================= the driver

  static final class Driver {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TENANT = "contoso.onmicrosoft.com";
    static final String[] UPNS = {"bg1@" + TENANT, "bg2@" + TENANT};
    static final String[] USER_IDS = {id(0x0b1a, 1), id(0x0b1a, 2)};
    static final String OTHER_USER = id(0x0b1a, 99);
    static final String APP = "3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01";
    static final String APP_OBJECT = id(0xa99a, 1);
    static final String APP_KEY_ID = id(0xce27, 1);
    static final String GLOBAL_ADMIN = RoleSchedule.GLOBAL_ADMINISTRATOR;
    static final String SECURITY_ADMIN = "194ae4cb-b126-40b2-bd5b-6091b380977d";
    /** YubiKey 5 Series. */
    static final UUID YUBIKEY = UUID.fromString("cb69481e-8ff7-4039-93ec-0a2729a154a8");
    static final String VERIFIER =
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    static final String CA_PATH = "identity/conditionalAccess/policies";

    final Path tmp;
    final int policies;
    final int caPage;
    final int groups;
    final int memberOf;
    final int memberPage;
    final int runs;
    final int warmup;
    final int coldRuns;
    final int bgRuns;
    final Optional<Path> bg;
    final String bgSkipped;
    final Path cpDir;
    final Path bgJar;
    final String java;
    final Path sqliteLib;
    final Instant start;
    final Instant now;
    final Clock clock;
    final Path home;
    final Path tokenFile;
    final String jwt;
    final byte[] certDer;
    GraphTestServer server;
    /** Rows by number; each row's lines in order. */
    final Map<Integer, List<String[]>> table = new TreeMap<>();

    Driver(Map<String, String> o) {
      tmp = Path.of(req(o, "tmp"));
      policies = num(o, "policies", 500);
      caPage = num(o, "capage", 100);
      groups = num(o, "groups", 5000);
      memberOf = num(o, "memberof", 50);
      memberPage = num(o, "memberpage", 999);
      runs = num(o, "runs", 30);
      warmup = num(o, "warmup", 10);
      coldRuns = num(o, "cold", 5);
      bgRuns = num(o, "bgruns", 5);
      String b = o.getOrDefault("bg", "");
      bg = b.startsWith("/") ? Optional.of(Path.of(b)) : Optional.empty();
      bgSkipped = b.startsWith("/") ? "" : b;
      cpDir = Path.of(req(o, "cpdir"));
      bgJar = Path.of(req(o, "bgjar"));
      java = req(o, "java");
      sqliteLib = Path.of(o.getOrDefault("sqlitelib", "/nonexistent"));
      if (memberOf > groups) {
        throw new IllegalArgumentException("memberof " + memberOf + " is more than groups " + groups);
      }
      // Anchored a day before the real time, so that ./bg posture (system clock) judges it like the rest.
      start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofDays(1));
      now = start.plus(Duration.ofDays(1));
      clock = Clock.fixed(now, ZoneOffset.UTC);
      home = tmp.resolve("home");
      tokenFile = tmp.resolve("token.jwt");
      jwt = GraphTestServer.fakeJwt(Instant.now().plus(Duration.ofHours(6)));
      Random r = new Random(42);
      certDer = new byte[870]; // made-up bytes in a certificate's place; only their SHA-1 matters here
      r.nextBytes(certDer);
      certDer[0] = 0x30;
      certDer[1] = (byte) 0x82;
    }

    static String req(Map<String, String> o, String k) {
      String v = o.get(k);
      if (v == null) {
        throw new IllegalArgumentException("missing " + k + "=");
      }
      return v;
    }

    static int num(Map<String, String> o, String k, int dflt) {
      int v = Integer.parseInt(o.getOrDefault(k, Integer.toString(dflt)));
      if (v < (k.equals("warmup") ? 0 : 1)) {
        throw new IllegalArgumentException(k + " must be at least " + (k.equals("warmup") ? 0 : 1) + ", got " + v);
      }
      return v;
    }

    static String id(int kind, int n) {
      return String.format(Locale.ROOT, "%08x-0000-4000-8000-%012d", kind, n);
    }

    static void say(String s) {
      System.err.println("bench: " + s);
    }

    void run() throws Exception {
      say("building the ledger and the tenant (" + policies + " CA policies, " + groups + " groups)");
      buildLedger();
      Files.writeString(tokenFile, jwt);
      Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
      server = GraphTestServer.start("graph/posture-bench-has-no-fixtures");
      try {
        putTenant(memberOf);
        URI url = server.url();
        try (Ledger ledger = Ledger.openReadOnly(home, clock)) {
          // 1. requests
          say("row 1: the requests of one run");
          server.clearRequests();
          RecordingSleeper sleeper = new RecordingSleeper();
          PostureReport report;
          try (EntraConnection c = EntraConnection.withTokens(url, FakeTokens.of(jwt), clock, sleeper)) {
            report = Posture.check(ledger, c.directory(), clock);
          }
          requireAllPass(report);
          List<GraphTestServer.Recorded> recorded = server.requests();
          Map<String, Long> bytes = new LinkedHashMap<>();
          replay(url, recorded, bytes); // once for the sizes
          rowRequests(report, recorded, bytes, sleeper);

          // 2. warm
          say("row 2: " + warmup + " warm-up and " + runs + " timed runs in this JVM");
          Warm w = warm(ledger, url, runs, warmup);
          rowWarm(w, recorded, url);

          // 3 and 5. fresh JVMs
          cold(url);

          // 6. ./bg posture
          bgPosture(url, recorded.size());

          // 7. variants
          say("row 7: all " + policies + " policies in one page");
          server.pageSize(CA_PATH, policies);
          List<GraphTestServer.Recorded> onePage = requestsOfOneRun(ledger, url);
          Warm w1 = warm(ledger, url, runs, warmup);
          add(7, "Variants, Posture.check in a warm JVM", "", "median (min-max) of " + runs + " runs after "
              + warmup + " untimed, each");
          add(7, "all " + fmt(policies) + " policies in one page",
              stat(w1.total), n(onePage.size(), "request", "requests") + "; conditionalAccessPolicies "
                  + f1(median(w1.perCall.get("conditionalAccessPolicies"))) + " ms a run");
          server.pageSize(CA_PATH, caPage);
          say("row 7: each break-glass user in all " + groups + " groups");
          putMemberships(groups);
          List<GraphTestServer.Recorded> many = requestsOfOneRun(ledger, url);
          Warm w2 = warm(ledger, url, runs, warmup);
          long groupPages = many.stream().filter(q -> q.path().contains("transitiveMemberOf")).count();
          add(7, "each break-glass user in all " + fmt(groups) + " groups", stat(w2.total), n(many.size(), "request",
              "requests") + ", of which " + groupPages + " transitiveMemberOf pages of up to " + memberPage
              + "; transitiveGroupIds " + f1(median(w2.perCall.get("transitiveGroupIds"))) + " ms a run");
        }
      } finally {
        server.close();
      }
      // 4. jars (no server needed)
      jars();
      print();
    }

    // ------------------------------------------------------------------------------- the ledger

    void buildLedger() throws Exception {
      TestClock tc = new TestClock(start);
      try (Ledger l = Ledger.init(home, "admin", tc)) {
        l.addSafe(new Safe("hq-safe", "HQ, room 4.12", false), "admin");
        l.addSafe(new Safe("branch-safe", "Branch office", false), "admin");
        l.addCustodian(new Custodian("Alice", "+44 20 7946 0001"), "admin");
        l.addCustodian(new Custodian("Bob", "+44 20 7946 0002"), "admin");
        for (int n = 1; n <= UPNS.length; n++) {
          String upn = UPNS[n - 1];
          String label = "bg" + n + "-key";
          String seal = "SEAL-" + n;
          l.addIdentity(new Identity(IdentityKind.USER, upn, Optional.empty(), Optional.of("Break glass " + n)),
              "admin");
          l.addItem(new NewItem(label, ItemKind.FIDO2_KEY, Optional.of("YK-" + n), Optional.of(upn),
              n % 2 == 1 ? "hq-safe" : "branch-safe", Optional.of(seal)), "admin");
          l.recordKey(new NewKey(KeyOwner.item(label), "credential-" + n, "handle-" + n, "cose-" + n, YUBIKEY,
              Optional.of("YubiKey 5 Series"), "packed", "BASIC", true, List.of("usb"), 0, true, "AA", "AA"),
              "Alice", Optional.empty());
          l.review(new ReviewRequest(label, "Alice", Optional.empty(), Optional.of(seal), Optional.empty(),
              Optional.empty()));
          l.recordPassword(new NewPassword(upn, 1, 64, 419, "single", Optional.empty(), VERIFIER), "admin");
          l.recordPasswordSet(upn, 1, "entra", "admin");
        }
        l.addIdentity(new Identity(IdentityKind.APP, APP, Optional.empty(), Optional.of("break-glass app")), "admin");
        l.addItem(new NewItem("app-cert", ItemKind.CERTIFICATE_MEDIA, Optional.empty(), Optional.of(APP), "hq-safe",
            Optional.of("SEAL-APP")), "admin");
        l.review(new ReviewRequest("app-cert", "Bob", Optional.empty(), Optional.of("SEAL-APP"), Optional.empty(),
            Optional.empty()));
        // Made-up fingerprints for the CA; the certificate's SHA-1 is that of the app's keyCredential.
        l.recordCa(new NewCa("01", "CN=BreakGlass Kit Root", "rsa-4096", start.minus(Duration.ofDays(1)),
            start.plus(Duration.ofDays(3650)), "b".repeat(64), "B".repeat(40)), "admin");
        l.recordCertificate(new NewCertificate("0A", "01", APP, "CN=bg-app", "rsa-2048", start,
            start.plus(Duration.ofDays(365)), HexFormat.of().withUpperCase().formatHex(sha1(certDer)),
            "c".repeat(64), Optional.empty()), "admin");
        l.recordCertificateAttached("0A", APP_KEY_ID, "admin");
      }
    }

    static byte[] sha1(byte[] b) throws Exception {
      return MessageDigest.getInstance("SHA-1").digest(b);
    }

    // ------------------------------------------------------------------------------- the tenant

    /** Every document the posture run reads, plus the groups; shapes as the contoso fixtures. */
    void putTenant(int memberships) throws Exception {
      String changed = start.plusSeconds(30).toString(); // Entra stamps the change just after the kit set it
      ObjectNode users = collection("users");
      for (int n = 0; n < UPNS.length; n++) {
        users.withArray("value").add(user(USER_IDS[n], UPNS[n], "Break Glass " + (n + 1), null, changed));
      }
      users.withArray("value").add(user(OTHER_USER, "AdeleV@contoso.com", "Adele Vance", true,
          "2026-06-14T17:22:08Z"));
      put("users", users);

      ObjectNode domains = collection("domains");
      domains.withArray("value").add(domain(TENANT, "Managed", true));
      domains.withArray("value").add(domain("contoso.com", "Federated", false));
      put("domains", domains);

      ObjectNode g = collection("groups");
      for (int i = 0; i < groups; i++) {
        g.withArray("value").add(group(i));
      }
      put("groups", g);
      putMemberships(memberships);

      ObjectNode ca = collection("identity/conditionalAccess/policies");
      for (int i = 0; i < policies; i++) {
        ca.withArray("value").add(policy(i));
      }
      put(CA_PATH, ca);
      server.pageSize(CA_PATH, caPage);

      ObjectNode assigned = collection("roleManagement/directory/roleAssignmentSchedules");
      ObjectNode eligible = collection("roleManagement/directory/roleEligibilitySchedules");
      for (String u : USER_IDS) {
        assigned.withArray("value").add(schedule(u, GLOBAL_ADMIN, "noExpiration", true));
      }
      for (int i = 0; i < 120; i++) { // other admins, so that the $filter has something to filter out
        assigned.withArray("value").add(schedule(id(0x5eed, i), i % 3 == 0 ? GLOBAL_ADMIN : SECURITY_ADMIN,
            "noExpiration", true));
        eligible.withArray("value").add(schedule(id(0x5eed, i), SECURITY_ADMIN, "afterDateTime", false));
      }
      put("roleManagement/directory/roleAssignmentSchedules", assigned);
      put("roleManagement/directory/roleEligibilitySchedules", eligible);

      for (int n = 0; n < USER_IDS.length; n++) {
        ObjectNode m = collection("users('" + USER_IDS[n] + "')/authentication/methods");
        m.withArray("value").addObject().put("@odata.type", "#microsoft.graph.passwordAuthenticationMethod")
            .put("id", "28c10230-6103-485e-b985-444c6000149" + n).putNull("password")
            .put("createdDateTime", start.toString());
        m.withArray("value").addObject().put("@odata.type", "#microsoft.graph.fido2AuthenticationMethod")
            .put("id", "-2_GRUg2-HYz6_1YG4YRAQ" + n).put("displayName", "bg" + (n + 1) + "-key")
            .put("createdDateTime", start.toString()).put("aaGuid", YUBIKEY.toString())
            .put("model", "YubiKey 5 Series").put("attestationLevel", "attested")
            .putArray("attestationCertificates").add("dbe793efdf1945e2df65b3ab2d5a6a6ff3c9d0f4");
        put("users/" + USER_IDS[n] + "/authentication/methods", m);
      }

      ObjectNode apps = collection("applications");
      ObjectNode app = apps.withArray("value").addObject().put("id", APP_OBJECT).put("appId", APP)
          .put("displayName", "Break-glass app").put("signInAudience", "AzureADMyOrg")
          .put("createdDateTime", start.toString());
      app.putArray("identifierUris");
      app.putArray("tags");
      app.putArray("keyCredentials").addObject()
          .put("customKeyIdentifier", Base64.getEncoder().encodeToString(sha1(certDer)))
          .put("displayName", "CN=bg-app").put("endDateTime", start.plus(Duration.ofDays(365)).toString())
          .put("key", Base64.getEncoder().encodeToString(certDer)).put("keyId", APP_KEY_ID)
          .put("startDateTime", start.toString()).put("type", "AsymmetricX509Cert").put("usage", "Verify");
      app.putArray("passwordCredentials");
      for (int i = 0; i < 20; i++) {
        ObjectNode other = apps.withArray("value").addObject().put("id", id(0xa99b, i)).put("appId", id(0xa99c, i))
            .put("displayName", "Line-of-business app " + i).put("signInAudience", "AzureADMyOrg");
        other.putArray("keyCredentials");
        other.putArray("passwordCredentials");
      }
      put("applications", apps);

      // Shape of v1.0 fido2authenticationmethodconfiguration-get.md; enabled, an allow list with the custody model.
      ObjectNode fido2 = JSON.createObjectNode().put("@odata.context",
          "https://graph.microsoft.com/v1.0/$metadata#authenticationMethodConfigurations/$entity")
          .put("@odata.type", "#microsoft.graph.fido2AuthenticationMethodConfiguration").put("id", "Fido2")
          .put("state", "enabled").put("isSelfServiceRegistrationAllowed", true).put("isAttestationEnforced", true);
      fido2.putObject("keyRestrictions").put("isEnforced", true).put("enforcementType", "allow")
          .putArray("aaGuids").add(YUBIKEY.toString());
      fido2.putArray("includeTargets").addObject().put("targetType", "group").put("id", "all_users")
          .put("isRegistrationRequired", false);
      fido2.putArray("excludeTargets");
      put("policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2", fido2);
    }

    /** Each user's transitiveMemberOf: {@code n} groups (overlapping between the two) and a directory role. */
    void putMemberships(int n) throws Exception {
      for (int u = 0; u < USER_IDS.length; u++) {
        ObjectNode m = JSON.createObjectNode().put("@odata.context",
            "https://graph.microsoft.com/v1.0/$metadata#directoryObjects");
        ArrayNode v = m.putArray("value");
        v.addObject().put("@odata.type", "#microsoft.graph.directoryRole").put("id", id(0xd17e, u))
            .put("displayName", "Global Administrator").put("roleTemplateId", GLOBAL_ADMIN);
        int first = n == groups ? 0 : (u * n / 2);
        for (int i = 0; i < n; i++) {
          v.add(group((first + i) % groups));
        }
        String key = "users/" + USER_IDS[u] + "/transitiveMemberOf";
        put(key, m);
        // Graph: 100 a page by default, up to 999 with $top (the adapter asks for 999).
        server.pageSize(key, memberPage);
      }
    }

    void put(String key, ObjectNode doc) throws Exception {
      server.put(key, JSON.writeValueAsString(doc));
    }

    static ObjectNode collection(String what) {
      ObjectNode c = JSON.createObjectNode().put("@odata.context", "https://graph.microsoft.com/v1.0/$metadata#" + what);
      c.putArray("value");
      return c;
    }

    static ObjectNode user(String id, String upn, String name, Boolean synced, String changed) {
      ObjectNode u = JSON.createObjectNode().put("id", id).put("userPrincipalName", upn).put("displayName", name)
          .put("accountEnabled", true);
      if (synced == null) {
        u.putNull("onPremisesSyncEnabled");
      } else {
        u.put("onPremisesSyncEnabled", synced);
      }
      u.put("lastPasswordChangeDateTime", changed).putNull("mail").putNull("jobTitle");
      u.putArray("businessPhones");
      return u;
    }

    static ObjectNode domain(String id, String type, boolean initial) {
      ObjectNode d = JSON.createObjectNode().put("authenticationType", type).putNull("availabilityStatus")
          .put("id", id).put("isAdminManaged", true).put("isDefault", !initial).put("isInitial", initial)
          .put("isRoot", true).put("isVerified", true).put("passwordNotificationWindowInDays", 14)
          .put("passwordValidityPeriodInDays", 2147483647);
      d.putArray("supportedServices").add("Email").add("OfficeCommunicationsOnline");
      return d;
    }

    static String groupId(int i) {
      return id(0x9a0a, i);
    }

    static ObjectNode group(int i) {
      ObjectNode g = JSON.createObjectNode().put("@odata.type", "#microsoft.graph.group").put("id", groupId(i))
          .put("displayName", i == 0 ? "Break-glass CA exclusion" : "Group " + i)
          .put("createdDateTime", "2025-01-01T00:00:00Z").put("securityEnabled", true).put("mailEnabled", false)
          .put("mailNickname", "group" + i).putNull("description");
      g.putArray("groupTypes");
      return g;
    }

    /**
     * Policy {@code i}: 60% enabled, 20% report-only, 20% disabled; 60% All users, 20% two groups
     * (some of the users' own), 20% roles; every one that can target the break-glass users excludes
     * them directly; one in 50 names another user only.
     */
    ObjectNode policy(int i) {
      String state = i % 10 < 6 ? "enabled" : i % 10 < 8 ? "enabledForReportingButNotEnforced" : "disabled";
      ObjectNode p = JSON.createObjectNode().put("id", id(0xca00, i)).putNull("templateId")
          .put("displayName", String.format(Locale.ROOT, "CA%03d %s", i, i % 2 == 0 ? "Require MFA" : "Block legacy"))
          .put("createdDateTime", "2026-01-02T10:00:00.0000000Z").putNull("modifiedDateTime").put("state", state)
          .putNull("sessionControls");
      ObjectNode c = p.putObject("conditions");
      c.putArray("userRiskLevels");
      c.putArray("signInRiskLevels");
      c.putArray("clientAppTypes").add("all");
      c.putNull("platforms");
      c.putNull("locations");
      c.putNull("devices");
      ObjectNode apps = c.putObject("applications");
      apps.putArray("includeApplications").add("All");
      apps.putArray("excludeApplications");
      apps.putArray("includeUserActions");
      apps.putArray("includeAuthenticationContextClassReferences");
      ObjectNode u = c.putObject("users");
      ArrayNode includeUsers = u.putArray("includeUsers");
      ArrayNode excludeUsers = u.putArray("excludeUsers");
      ArrayNode includeGroups = u.putArray("includeGroups");
      ArrayNode excludeGroups = u.putArray("excludeGroups");
      ArrayNode includeRoles = u.putArray("includeRoles");
      u.putArray("excludeRoles");
      u.putNull("includeGuestsOrExternalUsers");
      u.putNull("excludeGuestsOrExternalUsers");
      if (i % 50 == 49) {
        includeUsers.add(OTHER_USER);
      } else {
        for (String b : USER_IDS) {
          excludeUsers.add(b);
        }
        switch (i % 5) {
          case 3 -> includeGroups.add(groupId((i * 7) % groups)).add(groupId((i * 13 + 1) % groups));
          case 4 -> includeRoles.add(GLOBAL_ADMIN).add(SECURITY_ADMIN);
          default -> includeUsers.add("All");
        }
        if (i % 3 == 0) {
          excludeGroups.add(groupId(0));
        }
      }
      ObjectNode grant = p.putObject("grantControls").put("operator", "OR");
      grant.putArray("builtInControls").add(i % 2 == 0 ? "mfa" : "block");
      grant.putArray("customAuthenticationFactors");
      grant.putArray("termsOfUse");
      return p;
    }

    ObjectNode schedule(String principal, String role, String expiration, boolean assignment) {
      ObjectNode s = JSON.createObjectNode().put("id", UUID.nameUUIDFromBytes((principal + role + assignment)
          .getBytes(StandardCharsets.UTF_8)).toString()).put("principalId", principal).put("roleDefinitionId", role)
          .put("directoryScopeId", "/").putNull("appScopeId").put("createdDateTime", start.toString())
          .putNull("modifiedDateTime").put("status", "Provisioned").put("memberType", "Direct");
      ObjectNode info = s.putObject("scheduleInfo").put("startDateTime", start.toString());
      info.putNull("recurrence");
      ObjectNode exp = info.putObject("expiration").put("type", expiration);
      if (expiration.equals("noExpiration")) {
        exp.putNull("endDateTime");
      } else {
        exp.put("endDateTime", start.plus(Duration.ofDays(180)).toString());
      }
      exp.putNull("duration");
      if (assignment) {
        s.put("assignmentType", "Assigned");
      }
      return s;
    }

    static void requireAllPass(PostureReport r) {
      if (notPass(r) != 0 || r.rows().size() != 20) {
        StringBuilder b = new StringBuilder("the fixture tenant should pass every one of 20 checks; got:\n");
        for (PostureCheck c : r.rows()) {
          b.append("  ").append(c.status()).append(' ').append(c.check()).append(' ').append(c.subject())
              .append(": ").append(c.evidence()).append('\n');
        }
        throw new IllegalStateException(b.toString());
      }
    }

    // ------------------------------------------------------------------------------- row 1

    /** The requests of one Posture.check, which must pass every check. */
    List<GraphTestServer.Recorded> requestsOfOneRun(Ledger ledger, URI url) throws Exception {
      server.clearRequests();
      try (EntraConnection c = EntraConnection.withTokens(url, FakeTokens.of(jwt), clock, new RecordingSleeper())) {
        requireAllPass(Posture.check(ledger, c.directory(), clock));
      }
      return server.requests();
    }

    String endpoint(GraphTestServer.Recorded r) {
      String p = r.path();
      for (int n = 0; n < UPNS.length; n++) {
        p = p.replace(USER_IDS[n], "{id}").replace(UPNS[n], "{upn}");
      }
      return r.method() + " " + p.replace(APP, "{appId}");
    }

    void rowRequests(PostureReport report, List<GraphTestServer.Recorded> recorded, Map<String, Long> bytes,
        RecordingSleeper sleeper) {
      Map<String, List<GraphTestServer.Recorded>> by = new LinkedHashMap<>();
      for (GraphTestServer.Recorded r : recorded) {
        by.computeIfAbsent(endpoint(r), k -> new ArrayList<>()).add(r);
      }
      long total = bytes.values().stream().mapToLong(Long::longValue).sum();
      add(1, "Requests of one Posture.check (" + report.rows().size() + " checks, all PASS)",
          n(recorded.size(), "request", "requests") + ", " + mb(total) + " received",
          n(sleeper.waits().size(), "throttling wait", "throttling waits") + "; 2 users, 1 app");
      for (Map.Entry<String, List<GraphTestServer.Recorded>> e : by.entrySet()) {
        List<GraphTestServer.Recorded> rs = e.getValue();
        long b = rs.stream().mapToLong(r -> bytes.getOrDefault(key(r), 0L)).sum();
        long firstPages = rs.stream().filter(r -> !r.query().containsKey("$skiptoken")).count();
        String note;
        if (e.getKey().contains("conditionalAccess")) {
          note = fmt(policies) + " policies, " + caPage + " a page";
        } else if (e.getKey().contains("transitiveMemberOf")) {
          note = memberOf + " groups + 1 role each, $top=999, " + memberPage + " a page";
        } else if (rs.size() > firstPages) {
          note = (rs.size() / firstPages) + " pages each";
        } else {
          note = "";
        }
        String q = rs.get(0).query().keySet().stream().filter(k -> !k.equals("$skiptoken")).sorted()
            .reduce((a, c) -> a + "," + c).map(s -> " (" + s + ")").orElse("");
        add(1, "`" + e.getKey() + "`" + q, n(rs.size(), "request", "requests") + ", " + kb(b), note);
      }
    }

    static String key(GraphTestServer.Recorded r) {
      return r.path() + "?" + r.rawQuery().orElse("");
    }

    /** Sends the recorded GETs again with the JDK client, one after another; returns the nanoseconds. */
    long replay(URI url, List<GraphTestServer.Recorded> recorded, Map<String, Long> bytes) throws Exception {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      long t0 = System.nanoTime();
      for (GraphTestServer.Recorded r : recorded) {
        URI u = new URI("http", null, url.getHost(), url.getPort(), r.path(), null, null);
        String full = u.toASCIIString() + r.rawQuery().map(q -> "?" + q).orElse("");
        HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(URI.create(full)).header("Authorization",
            "Bearer " + jwt).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() != 200) {
          throw new IllegalStateException("replay of " + full + " answered " + resp.statusCode());
        }
        bytes.put(key(r), (long) resp.body().length);
      }
      return System.nanoTime() - t0;
    }

    // ------------------------------------------------------------------------------- row 2

    /** Per timed run: the total, each directory call's time (its calls together), and the rest. */
    record Warm(List<Long> total, Map<String, List<Long>> perCall, Map<String, Long> callCounts, List<Long> rest) {}

    Warm warm(Ledger ledger, URI url, int n, int warm) throws Exception {
      List<Long> total = new ArrayList<>();
      Map<String, List<Long>> per = new TreeMap<>();
      Map<String, Long> counts = new TreeMap<>();
      List<Long> rest = new ArrayList<>();
      for (int i = 0; i < warm + n; i++) {
        long t0 = System.nanoTime();
        TimedDirectory d;
        PostureReport r;
        try (EntraConnection c = EntraConnection.withTokens(url, FakeTokens.of(jwt), clock, new RecordingSleeper())) {
          d = new TimedDirectory(c.directory());
          r = Posture.check(ledger, d, clock);
        }
        long dt = System.nanoTime() - t0;
        requireAllPass(r);
        if (i >= warm) {
          total.add(dt);
          long calls = 0;
          for (Map.Entry<String, long[]> e : d.calls.entrySet()) {
            per.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()[1]);
            counts.put(e.getKey(), e.getValue()[0]);
            calls += e.getValue()[1];
          }
          rest.add(dt - calls);
        }
      }
      return new Warm(total, per, counts, rest);
    }

    void rowWarm(Warm w, List<GraphTestServer.Recorded> recorded, URI url) throws Exception {
      add(2, "Posture.check, warm JVM (a new EntraConnection each run)", stat(w.total),
          "median (min-max) of " + runs + " runs after " + warmup + " untimed");
      Map<String, Long> perCallRequests = new HashMap<>();
      for (GraphTestServer.Recorded r : recorded) {
        perCallRequests.merge(callOf(r), 1L, Long::sum);
      }
      List<Map.Entry<String, List<Long>>> calls = new ArrayList<>(w.perCall.entrySet());
      calls.sort((a, b) -> Double.compare(median(b.getValue()), median(a.getValue())));
      for (Map.Entry<String, List<Long>> e : calls) {
        double m = median(e.getValue());
        add(2, e.getKey() + " (" + n(w.callCounts.get(e.getKey()), "call", "calls") + ", "
            + n(perCallRequests.getOrDefault(e.getKey(), 0L), "request", "requests") + ")", f1(m) + " ms",
            "median a run, its calls together");
      }
      add(2, "the rest: opening the connection, ledger reads, the rules", f1(median(w.rest)) + " ms",
          "median a run of its total less its directory calls");
      List<Long> raw = new ArrayList<>();
      for (int i = 0; i < warmup + runs; i++) {
        long t = replay(url, recorded, new HashMap<>());
        if (i >= warmup) {
          raw.add(t);
        }
      }
      add(2, "the same " + recorded.size() + " requests replayed with java.net.http, bodies not parsed", stat(raw),
          "the test server and loopback alone; " + runs + " runs after " + warmup + " untimed");
    }

    static String callOf(GraphTestServer.Recorded r) {
      String p = r.resource();
      if (p.startsWith("identity/conditionalAccess")) {
        return "conditionalAccessPolicies";
      } else if (p.startsWith("domains")) {
        return "domains";
      } else if (p.contains("transitiveMemberOf")) {
        return "transitiveGroupIds";
      } else if (p.startsWith("roleManagement")) {
        return "roleSchedules";
      } else if (p.contains("authentication/methods")) {
        return "authenticationMethods";
      } else if (p.startsWith("applications")) {
        return "application";
      } else if (p.startsWith("policies/authenticationMethodsPolicy")) {
        return "fido2Policy";
      } else if (p.startsWith("users/")) {
        return "user";
      }
      return p;
    }

    // ------------------------------------------------------------------------------- rows 3 and 5

    void cold(URI url) throws Exception {
      String cp = System.getProperty("java.class.path");
      List<String> bgFlags = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
      if (Files.isRegularFile(sqliteLib)) {
        bgFlags.add("-Dorg.sqlite.lib.path=" + sqliteLib.getParent());
        bgFlags.add("-Dorg.sqlite.lib.name=" + sqliteLib.getFileName());
      }
      Path jsa = tmp.resolve("posture.jsa");
      say("row 3: training an AppCDS archive with one posture run");
      List<String> train = new ArrayList<>(bgFlags);
      train.add("-XX:ArchiveClassesAtExit=" + jsa);
      train.add("-Xlog:cds=off");
      train.add("-Xlog:cds+dynamic=off");
      child(train, cp, url);
      List<String> cds = new ArrayList<>(bgFlags);
      cds.addAll(List.of("-XX:SharedArchiveFile=" + jsa, "-Xshare:on", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
      Map<String, List<String>> flavours = new LinkedHashMap<>();
      flavours.put("plain `java -cp`, no options", List.of());
      flavours.put("`./bg`'s options (C1 only, serial GC, unpacked SQLite library)", bgFlags);
      if (Files.isRegularFile(jsa)) {
        flavours.put("`./bg`'s options + an AppCDS archive trained by one posture run", cds);
      }
      Map<String, List<Map<String, Double>>> results = new LinkedHashMap<>();
      Map<String, List<Long>> walls = new LinkedHashMap<>();
      List<Map<String, Double>> entraFirstCall = new ArrayList<>();
      say("row 3: " + coldRuns + " fresh JVMs for each of " + flavours.size() + " option sets, and " + coldRuns
          + " of entra's FirstCallLatency");
      for (int r = 0; r < coldRuns; r++) {
        for (Map.Entry<String, List<String>> f : flavours.entrySet()) {
          long t0 = System.nanoTime();
          Map<String, Double> m = child(f.getValue(), cp, url);
          walls.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(System.nanoTime() - t0);
          results.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(m);
        }
        entraFirstCall.add(firstCallLatency(cp, url));
      }
      List<String> firstCalls = new ArrayList<>();
      for (String f : flavours.keySet()) {
        List<Map<String, Double>> rs = results.get(f);
        Function<String, String> med = k -> f1(medianD(rs.stream().map(x -> x.get(k)).toList()));
        add(3, "Fresh JVM, " + f + ": process wall time", stat(walls.get(f)),
            "JVM start to main " + med.apply("main") + " ms; Ledger.openReadOnly " + med.apply("ledger")
                + " ms; EntraConnection.open " + med.apply("open") + " ms; Posture.check " + med.apply("check")
                + " ms, of which its first request (a user read) " + med.apply("first") + " ms; "
                + fmt(Math.round(medianD(rs.stream().map(x -> x.get("classes")).toList()))) + " classes loaded;"
                + " medians of " + coldRuns);
        firstCalls.add(f1(medianD(rs.stream().map(x -> x.get("open") + x.get("first")).toList())) + " ms "
            + shortName(f));
      }
      Function<String, String> e = k -> f1(medianD(entraFirstCall.stream().map(x -> x.get(k)).toList()));
      add(5, "First-call latency, fresh JVM: EntraConnection.open + the first request (a user read)",
          String.join("; ", firstCalls), "medians of row 3's runs (each in its own JVM)");
      add(5, "cross-check: entra's FirstCallLatency (test-jar), plain `java -cp`, same server",
          f1(medianD(entraFirstCall.stream().map(x -> x.get("open") + x.get("first")).toList())) + " ms",
          "open " + e.apply("open") + " ms + first call " + e.apply("first") + " ms; second call " + e.apply("second")
              + " ms; JVM start to main " + e.apply("main") + " ms; " + fmt(Math.round(medianD(entraFirstCall.stream()
              .map(x -> x.get("classes")).toList()))) + " classes; medians of " + coldRuns);
    }

    /** entra's own first-call probe: "jvm-to-main N ms, open N ms, first call N ms, second call N ms, classes N". */
    Map<String, Double> firstCallLatency(String cp, URI url) throws Exception {
      String out = run(List.of(java, "-Djava.io.tmpdir=" + tmp.resolve("java-tmp"), "-cp", cp,
          "dev.breakglass.entra.FirstCallLatency", url.toString(), tokenFile.toString()));
      Matcher m = Pattern.compile("jvm-to-main (\\d+) ms, open (\\d+) ms, first call"
          + " (\\d+) ms, second call (\\d+) ms, classes (\\d+)").matcher(out);
      if (!m.find()) {
        throw new IllegalStateException("FirstCallLatency printed: " + out);
      }
      Map<String, Double> r = new HashMap<>();
      String[] keys = {"main", "open", "first", "second", "classes"};
      for (int i = 0; i < keys.length; i++) {
        r.put(keys[i], Double.parseDouble(m.group(i + 1)));
      }
      return r;
    }

    String run(List<String> cmd) throws Exception {
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor();
      if (code != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " exited " + code + ": " + out);
      }
      return out;
    }

    static String shortName(String flavour) {
      if (flavour.startsWith("plain")) {
        return "(plain)";
      }
      return flavour.contains("AppCDS") ? "(`./bg`'s options + AppCDS)" : "(`./bg`'s options)";
    }

    Map<String, Double> child(List<String> flags, String cp, URI url) throws Exception {
      List<String> cmd = new ArrayList<>();
      cmd.add(java);
      cmd.add("-Djava.io.tmpdir=" + tmp.resolve("java-tmp"));
      cmd.addAll(flags);
      cmd.addAll(List.of("-cp", cp, "PostureBench$Cold", url.toString(), home.toString(), tokenFile.toString(),
          Long.toString(now.getEpochSecond())));
      String out = run(cmd);
      Map<String, Double> m = new HashMap<>();
      String line = out.strip();
      for (String kv : line.split(" ")) {
        int eq = kv.indexOf('=');
        if (eq > 0 && !kv.startsWith("firstcall=")) {
          m.put(kv.substring(0, eq), Double.parseDouble(kv.substring(eq + 1)));
        }
      }
      if (!line.contains("firstcall=user ") || m.get("notpass") != 0 || m.get("rows") != 20) {
        throw new IllegalStateException("fresh JVM: unexpected result " + line);
      }
      return m;
    }

    // ------------------------------------------------------------------------------- row 6

    void bgPosture(URI url, int requestsPerRun) throws Exception {
      String what = "`./bg posture`, the whole command (process wall time)";
      if (bg.isEmpty()) {
        add(6, what, "not run", bgSkipped);
        return;
      }
      say("row 6: ./bg posture, 1 untimed and " + bgRuns + " timed runs, and 1 more counting classes");
      List<String> cmd = List.of(bg.get().toString(), "posture", "--home", home.toString(), "--graph-url",
          url.toString(), "--access-token-file", tokenFile.toString());
      String stamp = stamp(bgJar);
      List<Long> walls = new ArrayList<>();
      List<Integer> reqs = new ArrayList<>();
      Path classLog = tmp.resolve("bg-classes.log");
      for (int i = 0; i <= bgRuns + 1; i++) {
        boolean logClasses = i == bgRuns + 1;
        Optional<Path> newer = newerThanJar();
        if (newer.isPresent()) {
          add(6, what, "not run", "skipped: " + newer.get() + " changed during the benchmark, and ./bg would"
              + " have rebuilt bg.jar");
          return;
        }
        server.clearRequests();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("BG_HOME", tmp.resolve("no-such-home").toString());
        if (logClasses) {
          pb.environment().put("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classLog);
        }
        long t0 = System.nanoTime();
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        int code = p.waitFor();
        long dt = System.nanoTime() - t0;
        String text = new String(out, StandardCharsets.UTF_8);
        if (code != 0 || !text.contains("20 PASS, 0 WARN, 0 FAIL")) {
          throw new IllegalStateException("./bg posture exited " + code + " without 20 PASS:\n" + text);
        }
        if (i > 0 && !logClasses) {
          walls.add(dt);
          reqs.add(server.requests().size());
        }
      }
      if (!stamp.equals(stamp(bgJar))) {
        add(6, what, "discarded", "cli/target/bg.jar changed while it ran (another build)");
        return;
      }
      long classes = 0;
      long shared = 0;
      long sdk = 0;
      long sdkShared = 0;
      for (String l : Files.readAllLines(classLog)) {
        Matcher m = Pattern.compile("\\[class,load\\] (\\S+) source: (.*)$").matcher(l);
        if (!m.find()) {
          continue;
        }
        classes++;
        boolean fromCds = m.group(2).startsWith("shared objects file");
        shared += fromCds ? 1 : 0;
        if (m.group(1).matches("(com\\.microsoft|com\\.azure|okhttp3|okio|kotlin|reactor|io\\.opentelemetry)\\..*")) {
          sdk++;
          sdkShared += fromCds ? 1 : 0;
        }
      }
      add(6, what, stat(walls), "median (min-max) of " + bgRuns + " after 1 untimed; exit 0, 20 PASS; "
          + n(reqs.get(0), "request", "requests") + " a run (Posture.check alone: " + requestsPerRun + "); "
          + fmt(classes) + " classes loaded, " + fmt(shared) + " of them from bg.jsa; " + fmt(sdk)
          + " of the Graph SDK stack (com.microsoft, com.azure, okhttp3, okio, kotlin, reactor, opentelemetry), "
          + fmt(sdkShared) + " of those from bg.jsa");
    }

    /** A pom or main source newer than bg.jar, by ./bg's rule for rebuilding it. */
    Optional<Path> newerThanJar() throws IOException {
      Path root = bg.get().getParent();
      long jar = Files.getLastModifiedTime(bgJar).toMillis();
      List<Path> roots = new ArrayList<>(List.of(root.resolve("pom.xml")));
      try (var modules = Files.list(root)) {
        for (Path m : modules.filter(Files::isDirectory).toList()) {
          roots.add(m.resolve("pom.xml"));
          roots.add(m.resolve("src/main"));
        }
      }
      for (Path r : roots) {
        if (!Files.exists(r)) {
          continue;
        }
        try (var files = Files.walk(r)) {
          Optional<Path> n = files.filter(f -> {
            try {
              return Files.getLastModifiedTime(f).toMillis() > jar;
            } catch (IOException e) {
              return false;
            }
          }).findFirst();
          if (n.isPresent()) {
            return Optional.of(root.relativize(n.get()));
          }
        }
      }
      return Optional.empty();
    }

    static String stamp(Path p) throws IOException {
      return Files.exists(p) ? Files.getLastModifiedTime(p) + " " + Files.size(p) : "missing";
    }

    // ------------------------------------------------------------------------------- row 4

    /**
     * The jars the Graph SDK adds to the CLI: those in entra's runtime closure that cli would not have
     * without entra, i.e. not in custody's or cert-tools' closure and not under cli's other direct
     * dependencies in its dependency tree. (The tree alone is not enough: it leaves out a few jars
     * that are on the class path, such as opentelemetry.)
     */
    void jars() throws Exception {
      if (!Files.isRegularFile(cpDir.resolve("cli.cp")) || !Files.isRegularFile(cpDir.resolve("cli.tree"))
          || !Files.isRegularFile(cpDir.resolve("cert-tools.cp"))) {
        add(4, "Jars the Graph SDK adds to the CLI's runtime class path", "not measured", "Maven could not resolve"
            + " cli's dependencies from the local repository (mvn install -DskipTests, then run again)");
        return;
      }
      Map<String, Path> cliJars = new LinkedHashMap<>();
      for (String e : classPath("cli.cp")) {
        cliJars.put(ga(Path.of(e)), Path.of(e));
      }
      Set<String> kept = new HashSet<>(nonEntraNodes(Files.readAllLines(cpDir.resolve("cli.tree"))));
      for (String m : List.of("custody.cp", "cert-tools.cp")) {
        for (String e : classPath(m)) {
          kept.add(ga(Path.of(e)));
        }
      }
      List<Path> sdk = new ArrayList<>();
      for (String e : classPath("entra.cp")) {
        String ga = ga(Path.of(e));
        if (!kept.contains(ga) && !ga.startsWith("dev.breakglass:")) {
          sdk.add(cliJars.getOrDefault(ga, Path.of(e)));
        }
      }
      List<Path> rest = new ArrayList<>(cliJars.values());
      rest.removeAll(sdk);
      long sdkBytes = 0;
      List<long[]> sizes = new ArrayList<>();
      for (int i = 0; i < sdk.size(); i++) {
        long s = Files.size(sdk.get(i));
        sdkBytes += s;
        sizes.add(new long[] {s, i});
      }
      sizes.sort((a, b) -> Long.compare(b[0], a[0]));
      List<String> top = new ArrayList<>();
      for (int i = 0; i < Math.min(6, sizes.size()); i++) {
        Path p = sdk.get((int) sizes.get(i)[1]);
        top.add(p.getParent().getParent().getFileName() + " " + mb(sizes.get(i)[0]));
      }
      Path entraJar = cliJars.get("dev.breakglass:entra");
      add(4, "Jars the Graph SDK adds to the CLI's runtime class path", sdk.size() + " jars, " + mb(sdkBytes),
          "of " + cliJars.size() + " jars on cli's runtime class path; largest: " + String.join(", ", top)
          + "; the kit's own entra jar " + (entraJar == null ? "?" : kb(Files.size(entraJar))));
      if (!Files.isRegularFile(bgJar)) {
        add(4, "cli/target/bg.jar", "not built", "");
        return;
      }
      // Which entries of the shaded jar come from those jars (and from no other jar on the class path).
      Set<String> fromSdk = new HashSet<>();
      for (Path p : sdk) {
        fromSdk.addAll(entryNames(p));
      }
      Set<String> fromRest = new HashSet<>();
      for (Path p : rest) {
        fromRest.addAll(entryNames(p));
      }
      long sdkInJar = 0;
      int sdkEntries = 0;
      int sdkClasses = 0;
      int entries = 0;
      String before = stamp(bgJar);
      try (ZipFile z = new ZipFile(bgJar.toFile())) {
        for (ZipEntry e : Collections.list(z.entries())) {
          entries++;
          if (fromSdk.contains(e.getName()) && !fromRest.contains(e.getName())) {
            int name = e.getName().getBytes(StandardCharsets.UTF_8).length;
            int extra = e.getExtra() == null ? 0 : e.getExtra().length;
            // local header (30) + central directory header (46) + the name twice + extra fields + data
            sdkInJar += e.getCompressedSize() + 30 + 46 + 2L * name + 2L * extra;
            sdkEntries++;
            if (e.getName().endsWith(".class")) {
              sdkClasses++;
            }
          }
        }
      } catch (IOException e) {
        add(4, "cli/target/bg.jar", "not read", "it could not be read (" + e.getMessage() + "); another build?");
        return;
      }
      if (!before.equals(stamp(bgJar))) {
        add(4, "cli/target/bg.jar", "not measured", "it changed while it was read (another build)");
        return;
      }
      long jar = Files.size(bgJar);
      add(4, "cli/target/bg.jar (shaded), with and without those jars' entries", mb(jar) + " with, "
          + mb(jar - sdkInJar) + " without", fmt(sdkEntries) + " of its " + fmt(entries) + " entries ("
          + fmt(sdkClasses) + " classes; " + mb(sdkInJar) + ", " + Math.round(100.0 * sdkInJar / jar)
          + "% of the jar) come only from them; jar of " + Files.getLastModifiedTime(bgJar).toInstant()
          .truncatedTo(ChronoUnit.SECONDS));
    }

    /** group:artifact from a path in the local repository (…/group/dirs/artifact/version/file.jar). */
    static String ga(Path jar) {
      Path artifactDir = jar.getParent().getParent();
      Path groupDir = artifactDir.getParent();
      String full = groupDir.toString().replace('\\', '/');
      int repo = full.indexOf("/repository/");
      String group = (repo >= 0 ? full.substring(repo + "/repository/".length()) : full).replace('/', '.');
      return group + ":" + artifactDir.getFileName();
    }

    List<String> classPath(String file) throws IOException {
      List<String> out = new ArrayList<>();
      for (String e : Files.readString(cpDir.resolve(file)).strip().split(":")) {
        if (!e.isBlank()) {
          out.add(e);
        }
      }
      return out;
    }

    /** group:artifact of every node of {@code mvn dependency:tree} text output that is not entra or under it. */
    static Set<String> nonEntraNodes(List<String> lines) {
      Set<String> out = new HashSet<>();
      boolean inEntra = false;
      boolean sawEntra = false;
      for (String l : lines) {
        int at = 0;
        while (at < l.length() && " |+-\\".indexOf(l.charAt(at)) >= 0) {
          at++;
        }
        String[] coords = l.substring(at).split(":");
        if (at >= l.length() || coords.length < 2) {
          continue;
        }
        String ga = coords[0] + ":" + coords[1];
        int depth = at / 3;
        if (depth <= 1) {
          inEntra = ga.equals("dev.breakglass:entra");
          sawEntra |= inEntra;
        }
        if (!inEntra) {
          out.add(ga);
        }
      }
      if (!sawEntra) {
        throw new IllegalStateException("no dev.breakglass:entra in cli's dependency tree");
      }
      return out;
    }

    static Set<String> entryNames(Path jar) throws IOException {
      Set<String> names = new HashSet<>();
      try (ZipFile z = new ZipFile(jar.toFile())) {
        for (ZipEntry e : Collections.list(z.entries())) {
          if (!e.isDirectory()) {
            names.add(e.getName());
          }
        }
      }
      return names;
    }

    // ------------------------------------------------------------------------------- output

    void add(int row, String measure, String result, String notes) {
      List<String[]> lines = table.computeIfAbsent(row, k -> new ArrayList<>());
      lines.add(new String[] {lines.isEmpty() ? Integer.toString(row) : "", lines.isEmpty() ? measure
          : "&nbsp;&nbsp;" + measure, result, notes});
    }

    static String n(long count, String one, String many) {
      return fmt(count) + " " + (count == 1 ? one : many);
    }

    void print() {
      System.out.printf("Posture benchmark, %s: %s CA policies (%d a page), %s groups (each break-glass user in %d,"
          + " transitiveMemberOf %d a page), 2 break-glass users and 1 app; %s %s, %d cores%n%n",
          Instant.now().truncatedTo(ChronoUnit.SECONDS), fmt(policies), caPage, fmt(groups), memberOf, memberPage,
          System.getProperty("java.vm.name"), System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors());
      System.out.println("| # | Measure | Result | Notes |");
      System.out.println("|---|---|---|---|");
      for (List<String[]> lines : table.values()) {
        for (String[] r : lines) {
          System.out.println("| " + String.join(" | ", r) + " |");
        }
      }
    }

    static double median(List<Long> xs) {
      List<Long> s = new ArrayList<>(xs);
      Collections.sort(s);
      int n = s.size();
      double m = n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
      return m / 1e6;
    }

    static double medianD(List<Double> xs) {
      List<Double> s = new ArrayList<>(xs);
      Collections.sort(s);
      int n = s.size();
      return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
    }

    static String stat(List<Long> nanos) {
      return f1(median(nanos)) + " ms (" + f1(Collections.min(nanos) / 1e6) + "-" + f1(Collections.max(nanos) / 1e6)
          + ")";
    }

    static String f1(double v) {
      return String.format(Locale.ROOT, "%,.1f", v);
    }

    static String fmt(long v) {
      return String.format(Locale.ROOT, "%,d", v);
    }

    static String mb(long bytes) {
      return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    static String kb(long bytes) {
      return bytes >= 1_000_000 ? mb(bytes) : String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
    }
  }
}
