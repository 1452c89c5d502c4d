#!/usr/bin/env bash
# bench/posture.sh: what `bg posture` costs on a large tenant. See bench/README.md, "Posture".
#
# Posture.check through the Graph adapter (the real Microsoft Graph SDK) against GraphTestServer
# serving a generated tenant: 500 Conditional Access policies, 5,000 groups, 2 break-glass users and
# 1 break-glass app. Prints one table on stdout; progress and diagnostics go to stderr. Works in a
# new temporary directory that it removes on exit; never touches ~/.breakglass or $BG_HOME.
#
# Environment:
#   BENCH_POSTURE_RUNS       timed Posture.check runs in one JVM, rows 2 and 7 (default 30)
#   BENCH_POSTURE_WARMUP     untimed runs before those (default 10)
#   BENCH_COLD_RUNS          fresh JVMs per option set in row 3 (default 5)
#   BENCH_RUNS               timed `./bg posture` runs in row 6 (default 5)
#   BENCH_POSTURE_POLICIES   Conditional Access policies (default 500)
#   BENCH_POSTURE_CA_PAGE    policies a page (default 100)
#   BENCH_POSTURE_GROUPS     groups in the tenant (default 5000)
#   BENCH_POSTURE_MEMBER_OF  groups each break-glass user is in (default 50)
#   BG_JAVA / JAVA_HOME      the java to use, as for ./bg (javac is taken from the same JDK)
#   TMPDIR                   where the temporary directory goes
set -euo pipefail
export LC_ALL=C

bench="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(dirname "$bench")"
v=0.1.0-SNAPSHOT
custody_jar="$root/custody/target/custody-$v.jar"
custody_tests="$root/custody/target/custody-$v-tests.jar"
entra_jar="$root/entra/target/entra-$v.jar"
entra_tests="$root/entra/target/entra-$v-tests.jar"
bg_jar="$root/cli/target/bg.jar"

runs="${BENCH_POSTURE_RUNS:-30}"
warmup="${BENCH_POSTURE_WARMUP:-10}"
cold_runs="${BENCH_COLD_RUNS:-5}"
bg_runs="${BENCH_RUNS:-5}"
policies="${BENCH_POSTURE_POLICIES:-500}"
ca_page="${BENCH_POSTURE_CA_PAGE:-100}"
groups="${BENCH_POSTURE_GROUPS:-5000}"
member_of="${BENCH_POSTURE_MEMBER_OF:-50}"
. "$bench/lib.sh"
require_positive runs cold_runs bg_runs policies ca_page groups member_of
require_non_negative warmup
find_jdk
java="$(readlink -f "$(command -v "$java")")"

say() { echo "bench: $*" >&2; }

# --- build: the custody and entra jars and test-jars, when older than their sources ---------------
# Each jar against its own sources only: Maven leaves a jar alone when its classes did not change.
stale=0
for m in custody entra; do
  for kind in main test; do
    j="$root/$m/target/$m-$v.jar"
    [ "$kind" = test ] && j="$root/$m/target/$m-$v-tests.jar"
    if [ ! -f "$j" ] || [ -n "$(find "$root/$m/pom.xml" "$root/$m/src/$kind" -newer "$j" -print -quit 2>/dev/null)" ]; then
      stale=1
    fi
  done
done
if [ "$stale" = 1 ]; then
  say "building custody and entra with their test-jars (mvn install; sources newer than the jars)"
  (cd "$root" && mvn -q -B -Dstyle.color=never -DskipTests install -pl entra -am) >&2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bg-posture-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
case "$tmp" in
  *[[:space:]]*)
    echo "bench: the temporary directory '$tmp' contains white space; set TMPDIR to a path without any" >&2
    exit 2
    ;;
esac
export BG_HOME="$tmp/no-such-home"
mkdir "$tmp/classes" "$tmp/cp" "$tmp/java-tmp" "$tmp/native"

# --- class paths: runtime closures of custody and entra (to run), of cert-tools and cli and cli's
# dependency tree (for row 4; resolved from the local repository, so they may be missing) ----------
say "resolving class paths (mvn dependency:build-classpath dependency:tree)"
(cd "$root" && mvn -q -B -Dstyle.color=never dependency:build-classpath -pl custody,entra -DincludeScope=runtime \
  "-Dmdep.outputFile=$tmp/cp/\${project.artifactId}.cp") >&2
for f in custody.cp entra.cp; do
  [ -s "$tmp/cp/$f" ] || { echo "bench: Maven wrote no $tmp/cp/$f" >&2; exit 1; }
done
if ! (cd "$root" && mvn -q -B -Dstyle.color=never dependency:build-classpath dependency:tree -pl cert-tools,cli \
    -DincludeScope=runtime -Dscope=runtime "-Dmdep.outputFile=$tmp/cp/\${project.artifactId}.cp" \
    "-DoutputFile=$tmp/cp/\${project.artifactId}.tree") >"$tmp/cp/cli.log" 2>&1; then
  say "could not resolve cli's dependencies (row 4 will say so):"
  tail -5 "$tmp/cp/cli.log" >&2
  rm -f "$tmp/cp/cli.cp" "$tmp/cp/cli.tree" "$tmp/cp/cert-tools.cp"
fi
# entra's runtime closure with the module jars from this checkout, the two test-jars and an SLF4J
# binding (sqlite-jdbc and azure-core log through SLF4J; bg.jar has slf4j-nop too).
nop="$(tr ':' '\n' < "$tmp/cp/cli.cp" 2>/dev/null | grep '/slf4j-nop-' | head -1 || true)"
deps="$(tr ':' '\n' < "$tmp/cp/entra.cp" | grep -v '/dev/breakglass/' | paste -sd: -)"
# The kit's jars are copied first: other work may rebuild them while the benchmark runs.
mkdir "$tmp/jars"
for j in "$entra_jar" "$custody_jar" "$entra_tests" "$custody_tests"; do
  cp "$j" "$tmp/jars/"
  if ! unzip -tqq "$tmp/jars/${j##*/}" >/dev/null 2>&1; then
    echo "bench: ${j#$root/} changed while it was copied (another build?); run the benchmark again" >&2
    exit 1
  fi
done
cp="$(printf "$tmp/jars/%s:" "${entra_jar##*/}" "${custody_jar##*/}" "${entra_tests##*/}" "${custody_tests##*/}")"
cp="$cp$deps${nop:+:$nop}"

# sqlite-jdbc's native library unpacked once, as ./bg does, for the fresh JVMs with ./bg's options.
sqlite_jar="$(tr ':' '\n' <<<"$deps" | grep '/sqlite-jdbc-' | head -1)"
sqlite_lib=/nonexistent
case "$OSTYPE/$HOSTTYPE" in
  linux*/x86_64) arch="Linux/x86_64" ;;
  linux*/aarch64) arch="Linux/aarch64" ;;
  *) arch="" ;;
esac
if [ -n "$arch" ] && [ -n "$sqlite_jar" ] && (cd "$tmp/native" && unzip -q "$sqlite_jar" \
    "org/sqlite/native/$arch/libsqlitejdbc.so") 2>/dev/null; then
  sqlite_lib="$tmp/native/org/sqlite/native/$arch/libsqlitejdbc.so"
fi

say "compiling bench/PostureBench.java"
"$javac" -encoding UTF-8 -d "$tmp/classes" -cp "$cp" "$bench/PostureBench.java" >&2
# A jar, not a directory: an AppCDS archive (row 3) accepts only jars on the class path.
jar_tool="$(dirname "$javac")/jar"
[ -x "$jar_tool" ] || jar_tool="$(command -v jar)"
"$jar_tool" cf "$tmp/bench.jar" -C "$tmp/classes" .

# Row 6 runs ./bg only when bg.jar is up to date by ./bg's own rule, so that ./bg does not start a
# Maven build of cli (which other work may be changing) in the middle of the benchmark.
bg_arg="skipped: cli/target/bg.jar is missing"
if [ -f "$bg_jar" ]; then
  if [ -n "$(find "$root/pom.xml" "$root"/*/pom.xml "$root"/*/src/main -newer "$bg_jar" -print -quit 2>/dev/null)" ]; then
    bg_arg="skipped: cli/target/bg.jar is older than the sources (run ./bg once to rebuild it)"
  elif ! unzip -l "$bg_jar" 'dev/breakglass/cli/entra/PostureCommand.class' >/dev/null 2>&1; then
    bg_arg="skipped: cli/target/bg.jar has no posture command"
  else
    bg_arg="$root/bg"
  fi
fi

say "running (about 40 s on 2 cores)"
"$java" -cp "$tmp/bench.jar:$cp" PostureBench run tmp="$tmp" cpdir="$tmp/cp" bgjar="$bg_jar" java="$java" \
  sqlitelib="$sqlite_lib" bg="$bg_arg" runs="$runs" warmup="$warmup" cold="$cold_runs" bgruns="$bg_runs" \
  policies="$policies" capage="$ca_page" groups="$groups" memberof="$member_of"
