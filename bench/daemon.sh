#!/usr/bin/env bash
# bench/daemon.sh: what the vault-daemon costs and how fast it alerts. See bench/README.md, "Daemon".
#
# Starts the real `bg daemon run` (cli/target/bg.jar, in its own JVM with the systemd unit's options)
# against GraphTestServer with a 1-second poll interval and a webhook receiver, both in the harness
# JVM (bench/DaemonBench.java). Measures alert latency, Graph requests per poll, and the daemon's CPU,
# RSS and heap while idle and while 100,000 unrelated sign-ins are in the fake tenant. Prints one table
# and the machine on stdout; progress and diagnostics go to stderr. Works in a new temporary directory
# that it removes on exit (the daemon is stopped first); never touches ~/.breakglass or $BG_HOME.
# About 2.5 minutes.
#
# Environment:
#   BENCH_DAEMON_SAMPLES       sign-ins timed to their alert on the idle tenant (default 20)
#   BENCH_DAEMON_BULK_SAMPLES  the same with the unrelated sign-ins in the log (default 10)
#   BENCH_DAEMON_WINDOW        seconds of each CPU/RSS/heap window (default 30)
#   BENCH_DAEMON_BULK          unrelated sign-ins added to the log (default 100000)
#   BENCH_DAEMON_INTERVAL      the daemon's poll.interval-seconds (default 1)
#   BENCH_DAEMON_REPLAYS       timed replays of the daemon's queries against the server (default 20)
#   BENCH_DAEMON_JAVA_OPTS     the daemon's JVM options (default: deploy/systemd's, -XX:+UseSerialGC -Xmx256m)
#   BENCH_NO_BUILD=1           use the jars as they are, even when the sources are newer
#   BG_JAVA / JAVA_HOME        the java to use, as for ./bg (javac and jcmd are taken from the same JDK)
#   TMPDIR                     where the temporary directory goes
set -euo pipefail
export LC_ALL=C

bench="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(dirname "$bench")"
v=0.1.0-SNAPSHOT
bg_jar="$root/cli/target/bg.jar"
entra_tests="$root/entra/target/entra-$v-tests.jar"

samples="${BENCH_DAEMON_SAMPLES:-20}"
bulk_samples="${BENCH_DAEMON_BULK_SAMPLES:-10}"
window="${BENCH_DAEMON_WINDOW:-30}"
bulk="${BENCH_DAEMON_BULK:-100000}"
interval="${BENCH_DAEMON_INTERVAL:-1}"
replays="${BENCH_DAEMON_REPLAYS:-20}"
daemon_opts="${BENCH_DAEMON_JAVA_OPTS:--XX:+UseSerialGC -Xmx256m}"
. "$bench/lib.sh"
require_positive samples bulk_samples window bulk interval replays
find_jdk
java="$(readlink -f "$(command -v "$java")")"
# jcmd for the live heap (it runs a command in the daemon); jstat for the heap each second (it only
# reads the daemon's perf-data file).
for tool in jcmd jstat; do
  t="$(dirname "$java")/$tool"
  [ -x "$t" ] || t="$(dirname "$javac")/$tool"
  if [ ! -x "$t" ]; then
    echo "bench: $tool not found next to $java or $javac; a full JDK is needed" >&2
    exit 2
  fi
  printf -v "$tool" '%s' "$t"
done
if [ ! -r /proc/self/stat ]; then
  echo "bench: /proc is needed to read the daemon's CPU time and RSS (Linux only)" >&2
  exit 2
fi
clk="$(getconf CLK_TCK)"

say() { echo "bench: $*" >&2; }

# --- build: bg.jar and entra's test-jar, when missing or older than their sources -----------------
stale=""
if [ ! -f "$bg_jar" ]; then
  stale="cli/target/bg.jar is missing"
elif [ ! -f "$entra_tests" ]; then
  stale="${entra_tests#$root/} is missing"
elif [ "${BENCH_NO_BUILD:-}" != 1 ]; then
  newer="$(find "$root/pom.xml" "$root"/*/pom.xml "$root"/*/src/main -newer "$bg_jar" -type f -print -quit 2>/dev/null)"
  [ -z "$newer" ] && newer="$(find "$root/entra/src/test" -newer "$entra_tests" -type f -print -quit 2>/dev/null)"
  [ -n "$newer" ] && stale="${newer#$root/} is newer than the jars"
fi
if [ -n "$stale" ]; then
  say "building ($stale): mvn -B -q -DskipTests install"
  if ! (cd "$root" && mvn -B -q -Dstyle.color=never -DskipTests install) >&2; then
    echo "bench: the build failed (sources being edited?); try again, or BENCH_NO_BUILD=1 to use the jars as they are" >&2
    exit 1
  fi
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bg-daemon-bench.XXXXXX")"
harness=""
cleanup() {
  # The harness stops the daemon itself; this is for a harness that was killed or never got to it.
  if [ -n "$harness" ] && kill -0 "$harness" 2>/dev/null; then
    kill "$harness" 2>/dev/null || true
    wait "$harness" 2>/dev/null || true
  fi
  if [ -f "$tmp/daemon.pid" ]; then
    local pid
    pid="$(cat "$tmp/daemon.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      sleep 2
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
case "$tmp" in
  *[[:space:]]*)
    echo "bench: the temporary directory '$tmp' contains white space; set TMPDIR to a path without any" >&2
    exit 2
    ;;
esac
export BG_HOME="$tmp/no-such-home"
mkdir "$tmp/classes" "$tmp/jars" "$tmp/java-tmp"

# The jars are copied first: other work may rebuild them while the benchmark runs.
for j in "$bg_jar" "$entra_tests"; do
  cp "$j" "$tmp/jars/"
  if ! unzip -tqq "$tmp/jars/${j##*/}" >/dev/null 2>&1; then
    echo "bench: ${j#$root/} changed while it was copied (another build?); run the benchmark again" >&2
    exit 1
  fi
done
for c in dev/breakglass/daemon/HealthServer.class dev/breakglass/cli/daemon/DaemonRunCommand.class; do
  if ! unzip -l "$tmp/jars/bg.jar" "$c" >/dev/null 2>&1; then
    echo "bench: cli/target/bg.jar has no $c: rebuild it (mvn -B -q -DskipTests install)" >&2
    exit 1
  fi
done
# bg.jar first: it holds Jackson, which GraphTestServer uses.
cp="$tmp/jars/bg.jar:$tmp/jars/${entra_tests##*/}"

say "compiling bench/DaemonBench.java"
"$javac" -encoding UTF-8 -d "$tmp/classes" -cp "$cp" "$bench/DaemonBench.java" >&2

say "running (about 2.5 minutes)"
# -Xmx2g: the test server holds the 100,000 sign-ins as Jackson trees (about 0.5 GB).
"$java" -Xmx2g -Djava.io.tmpdir="$tmp/java-tmp" -cp "$tmp/classes:$cp" DaemonBench run tmp="$tmp" \
  bgjar="$tmp/jars/bg.jar" java="$java" jcmd="$jcmd" jstat="$jstat" clk="$clk" interval="$interval" \
  samples="$samples" bulksamples="$bulk_samples" window="$window" bulk="$bulk" replays="$replays" \
  daemonopts="$daemon_opts" >"$tmp/table" &
harness=$!
wait "$harness"
harness=""

cat "$tmp/table"
echo
echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || echo unknown CPU)),"\
  "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr);"\
  "$("$java" -version 2>&1 | head -1); TMPDIR on $(df -PT "$tmp" | awk 'NR == 2 { print $2 }');"\
  "commit $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$root" && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' (with uncommitted changes)')"
