package dev.breakglass.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reads {@code deploy/systemd/bg-vault-daemon.service} and {@code deploy/docker/Dockerfile} as text
 * and checks what a reviewer would: the unit's hardening keys and values, that both command lines
 * run {@code bg daemon run} with the options that command has, and that the image runs as a non-root
 * user.
 *
 * <p>Honest limits: this is a text check. It does not run systemd (the unit was checked with
 * {@code systemd-analyze verify}, see deploy/README.md) or build the image. This module cannot load
 * the CLI's classes, so "options {@code bg} has" is checked against the CLI's sources: the option
 * names must appear in {@code LedgerOptions.java} and {@code DaemonOptions.java}, and the {@code
 * daemon} command must be registered in {@code Bg.java}. A renamed option fails here; a changed
 * meaning does not.
 */
class DeployFilesTest {
  private static final Path ROOT = repositoryRoot();
  private static final Path UNIT = ROOT.resolve("deploy/systemd/bg-vault-daemon.service");
  private static final Path DOCKERFILE = ROOT.resolve("deploy/docker/Dockerfile");
  private static final Path CLI = ROOT.resolve("cli/src/main/java/dev/breakglass/cli");

  /** The module directory (surefire's {@code basedir}) or the working directory, then up to the checkout. */
  private static Path repositoryRoot() {
    Path p = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    while (p != null && !Files.isDirectory(p.resolve("deploy"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("no deploy/ directory above " + System.getProperty("basedir", "."));
    }
    return p;
  }

  /** {@code [Section]} to key to values (a key may repeat), as systemd reads a unit file. */
  static Map<String, Map<String, List<String>>> parseUnit(String text) {
    Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
    Map<String, List<String>> current = null;
    StringBuilder pending = new StringBuilder();
    for (String raw : text.split("\n", -1)) {
      String line = raw.strip();
      if (pending.length() == 0 && (line.isEmpty() || line.startsWith("#") || line.startsWith(";"))) {
        continue;
      }
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      line = pending.append(line).toString();
      pending.setLength(0);
      if (line.startsWith("[") && line.endsWith("]")) {
        current = sections.computeIfAbsent(line.substring(1, line.length() - 1), s -> new LinkedHashMap<>());
        continue;
      }
      int eq = line.indexOf('=');
      if (current == null || eq <= 0) {
        throw new IllegalArgumentException("not a unit file line: " + raw);
      }
      current.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
    }
    return sections;
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  @Test
  void unit_isHardened() throws IOException {
    Map<String, List<String>> service = parseUnit(read(UNIT)).get("Service");
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("User", "breakglass");
    expected.put("Group", "breakglass");
    expected.put("StateDirectory", "breakglass");
    expected.put("StateDirectoryMode", "0700");
    expected.put("Restart", "always");
    expected.put("RestartSec", "10");
    expected.put("UMask", "0077");
    expected.put("NoNewPrivileges", "yes");
    expected.put("CapabilityBoundingSet", "");
    expected.put("ProtectSystem", "strict");
    expected.put("ReadWritePaths", "/var/lib/breakglass");
    expected.put("ProtectHome", "yes");
    expected.put("PrivateTmp", "yes");
    expected.put("PrivateDevices", "yes");
    expected.put("ProtectKernelTunables", "yes");
    expected.put("ProtectKernelModules", "yes");
    expected.put("ProtectKernelLogs", "yes");
    expected.put("ProtectControlGroups", "yes");
    expected.put("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX");
    expected.put("RestrictNamespaces", "yes");
    expected.put("LockPersonality", "yes");
    expected.put("SystemCallArchitectures", "native");
    // The JIT writes code and runs it: MemoryDenyWriteExecute=yes would stop the JVM.
    expected.put("MemoryDenyWriteExecute", "no");
    for (Map.Entry<String, String> e : expected.entrySet()) {
      assertEquals(List.of(e.getValue()), service.get(e.getKey()), e.getKey());
    }
    // A dynamic user would get a new uid, and the ledger home a new owner, at the whim of systemd.
    assertFalse(service.containsKey("DynamicUser"));
  }

  @Test
  void unit_execStartRunsBgDaemonRun_withTheHomeAndCacheTheUnitCreates() throws IOException {
    Map<String, List<String>> service = parseUnit(read(UNIT)).get("Service");
    assertEquals(1, service.get("ExecStart").size());
    List<String> words = Arrays.asList(service.get("ExecStart").get(0).split("\\s+"));
    assertEquals(List.of("/usr/bin/java", "-XX:+UseSerialGC", "-Xmx256m",
        "-Dorg.sqlite.tmpdir=/var/cache/" + service.get("CacheDirectory").get(0),
        "-jar", "/opt/breakglass/bg.jar",
        "daemon", "run", "--home", "/var/lib/" + service.get("StateDirectory").get(0),
        "--config", "/etc/breakglass/daemon.conf"), words);
    bgHasTheseOptions(words.subList(words.indexOf("/opt/breakglass/bg.jar") + 1, words.size()));
  }

  /** The Dockerfile with continuation lines joined and comments dropped, one instruction a line. */
  private static List<String> instructions(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String raw : text.split("\n", -1)) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && pending.length() == 0)) {
        continue;
      }
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      out.add(pending.append(line).toString().replaceAll("\\s+", " ").strip());
      pending.setLength(0);
    }
    return out;
  }

  @Test
  void dockerfile_runsAsNonRootFromTheJreStage() throws IOException {
    List<String> all = instructions(read(DOCKERFILE));
    List<String> froms = all.stream().filter(i -> i.startsWith("FROM ")).toList();
    assertEquals(List.of("FROM maven:3.9-eclipse-temurin-17 AS build", "FROM eclipse-temurin:17-jre"), froms);
    List<String> runtime = all.subList(all.lastIndexOf(froms.get(1)), all.size());

    int entrypoint = indexOfPrefix(runtime, "ENTRYPOINT ");
    int user = indexOfPrefix(runtime, "USER ");
    assertTrue(user >= 0 && user < entrypoint, "a USER line must come before ENTRYPOINT in the runtime stage");
    String who = runtime.get(user).substring("USER ".length()).split(":")[0];
    assertFalse(who.equals("root") || who.equals("0"), "USER " + who);
    assertEquals("USER 10001:10001", runtime.get(user));
    assertEquals(1, runtime.stream().filter(i -> i.startsWith("USER ")).count(), "one USER line");

    assertTrue(runtime.contains("VOLUME /var/lib/breakglass"), runtime.toString());
    assertTrue(runtime.stream().noneMatch(i -> i.startsWith("EXPOSE ")), "the health endpoint is loopback only");
    assertTrue(runtime.contains("COPY --from=build --chown=root:root /src/cli/target/bg.jar /opt/breakglass/bg.jar"));
    String healthcheck = runtime.get(indexOfPrefix(runtime, "HEALTHCHECK "));
    assertTrue(healthcheck.contains("CMD curl -fsS --max-time 4 http://127.0.0.1:9464/healthz || exit 1"), healthcheck);
    assertTrue(runtime.stream().anyMatch(i -> i.startsWith("RUN apt-get update")
        && i.contains("apt-get install -y --no-install-recommends curl")), "curl for the HEALTHCHECK");
    assertTrue(all.contains("RUN mvn -B -q -DskipTests package"), all.toString());
  }

  @Test
  void dockerfile_entrypointRunsBgDaemonRun() throws IOException {
    List<String> all = instructions(read(DOCKERFILE));
    ObjectMapper json = new ObjectMapper();
    List<String> entrypoint = Arrays.asList(json.readValue(
        all.get(indexOfPrefix(all, "ENTRYPOINT ")).substring("ENTRYPOINT ".length()), String[].class));
    List<String> cmd = Arrays.asList(json.readValue(
        all.get(indexOfPrefix(all, "CMD ")).substring("CMD ".length()), String[].class));
    assertEquals(List.of("java", "-XX:+UseSerialGC", "-jar", "/opt/breakglass/bg.jar", "daemon", "run", "--home",
        "/var/lib/breakglass"), entrypoint);
    assertEquals(List.of("--config", "/etc/breakglass/daemon.conf"), cmd);
    List<String> bgArgs = new ArrayList<>(entrypoint.subList(entrypoint.indexOf("/opt/breakglass/bg.jar") + 1,
        entrypoint.size()));
    bgArgs.addAll(cmd);
    bgHasTheseOptions(bgArgs);
  }

  private static int indexOfPrefix(List<String> instructions, String prefix) {
    for (int i = 0; i < instructions.size(); i++) {
      if (instructions.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * {@code daemon run} first ({@code bg} itself has no options but --help and --version; --home
   * belongs to each subcommand), then only options that the CLI's sources declare.
   */
  private static void bgHasTheseOptions(List<String> args) throws IOException {
    assertEquals(List.of("daemon", "run"), args.subList(0, 2), args.toString());
    String bg = read(CLI.resolve("Bg.java"));
    assertTrue(bg.contains("m.put(\"daemon\", dev.breakglass.cli.daemon.DaemonCommand.class);"),
        "Bg.java registers 'daemon'");
    String run = read(CLI.resolve("daemon/DaemonRunCommand.java"));
    assertTrue(run.contains("@Command(name = \"run\""), "DaemonRunCommand is 'run'");
    Map<String, Path> declaredIn = Map.of("--home", CLI.resolve("LedgerOptions.java"),
        "--config", CLI.resolve("daemon/DaemonOptions.java"));
    for (String a : args.subList(2, args.size())) {
      if (!a.startsWith("--")) {
        continue;
      }
      Path source = declaredIn.get(a);
      assertTrue(source != null, a + " is not an option this test knows 'bg daemon run' to have");
      assertTrue(read(source).contains("names = \"" + a + "\""), a + " is not declared in " + source);
      String mixin = source.getFileName().toString().replace(".java", "");
      assertTrue(run.contains("@Mixin " + mixin + " "), "DaemonRunCommand does not mix in " + mixin);
    }
  }
}
