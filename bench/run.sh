#!/usr/bin/env bash
# bench/run.sh: start-up and ledger benchmarks for BreakGlass Kit. See bench/README.md.
#
# Prints one table on stdout; progress and diagnostics go to stderr. Works in a new temporary
# directory that it removes on exit; never touches ~/.breakglass or $BG_HOME.
#
# Environment:
#   BENCH_RUNS            timed runs per CLI measurement (default 15); the median is reported
#   BENCH_APPEND_EVENTS   events appended one transaction each through the library (default 2000)
#   BENCH_APPEND_WARMUP   untimed events appended first in the same JVM (default 200)
#   BENCH_CHAIN_EVENTS    length of the chain that is verified (default 100000)
#   BENCH_CHAIN_BATCH     events per write transaction while building that chain (default 10000)
#   BG_JAVA / JAVA_HOME   the java to use, as for ./bg
#   TMPDIR                where the temporary homes go (the file system decides fsync cost)
set -euo pipefail
export LC_ALL=C

bench="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(dirname "$bench")"
bg="$root/bg"
jar="$root/cli/target/bg.jar"
jsa="$root/cli/target/bg.jsa"

runs="${BENCH_RUNS:-15}"
append_events="${BENCH_APPEND_EVENTS:-2000}"
append_warmup="${BENCH_APPEND_WARMUP:-200}"
chain_events="${BENCH_CHAIN_EVENTS:-100000}"
chain_batch="${BENCH_CHAIN_BATCH:-10000}"
. "$bench/lib.sh"
require_positive runs append_events chain_events chain_batch
require_non_negative append_warmup

# The same java as ./bg uses; javac from the same JDK.
find_jdk

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bg-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# Every bg call below passes --home; this only makes sure a forgotten one cannot reach a real home.
export BG_HOME="$tmp/no-such-home"
mkdir "$tmp/java-tmp"
bench_java=("$java" "-Djava.io.tmpdir=$tmp/java-tmp" -cp "$jar" "$bench/LedgerBench.java")

say() { echo "bench: $*" >&2; }

# run_quiet CMD...: runs CMD with its output discarded; on failure shows its stderr and stops.
run_quiet() {
  if ! "$@" >"$tmp/out" 2>"$tmp/err"; then
    echo "bench: command failed: $*" >&2
    cat "$tmp/out" "$tmp/err" >&2
    exit 1
  fi
}

# timed CMD...: runs CMD once (output discarded) and sets $elapsed_ns to its wall time.
elapsed_ns=0
timed() {
  local t0 t1
  t0=$(date +%s%N)
  run_quiet "$@"
  t1=$(date +%s%N)
  elapsed_ns=$((t1 - t0))
}

# stats < nanoseconds, one a line: prints "median min max" in milliseconds.
stats() {
  sort -n | awk '{ a[NR] = $1 }
    END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
          printf "%.1f %.1f %.1f\n", m / 1e6, a[1] / 1e6, a[NR] / 1e6 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }

# bench_run MODE ARGS...: runs LedgerBench and loads its key=value lines into the array r.
declare -A r=()
bench_run() {
  run_quiet "${bench_java[@]}" "$@"
  local key value
  while IFS='=' read -r key value; do
    [ -n "$key" ] && r["$key"]="$value"
  done <"$tmp/out"
}

# --- warm-up: let ./bg build, extract its native library and train its CDS archive if it must ---
say "warming up ./bg (it builds with Maven first only if the sources are newer than the jar)"
run_quiet "$bg" --version

# Is the AppCDS archive ./bg passes actually used? The JVM silently ignores one that does not match the jar.
if [ -f "$jsa" ] && "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:SharedArchiveFile="$jsa" -Xshare:on \
    -jar "$jar" --version >/dev/null 2>&1; then
  cds="in use ($jsa)"
elif [ -f "$jsa" ]; then
  cds="NOT USED: $jsa does not match the jar (older build?); ./bg runs without it"
else
  cds="NOT USED: no $jsa"
fi

# --- 1. JVM hello world -------------------------------------------------------------------------
say "1/5 JVM hello world, $runs runs"
mkdir "$tmp/hello"
cat >"$tmp/hello/Hello.java" <<'EOF'
public class Hello {
  public static void main(String[] args) {
    System.out.println("hello");
  }
}
EOF
run_quiet "$javac" -d "$tmp/hello" "$tmp/hello/Hello.java"
run_quiet "$java" -cp "$tmp/hello" Hello
times=()
for ((i = 0; i < runs; i++)); do
  timed "$java" -cp "$tmp/hello" Hello
  times+=("$elapsed_ns")
done
read -r hello_med hello_min hello_max < <(printf '%s\n' "${times[@]}" | stats)

# --- 2. ./bg status on a small populated home ---------------------------------------------------
say "2/5 ./bg status, $runs runs"
status_home="$tmp/status-home"
run_quiet "$bg" demo --home "$status_home"
run_quiet "$bg" ledger verify --home "$status_home"
status_events="$(sed -n 's/^ledger OK: \([0-9]*\) events.*/\1/p' "$tmp/out")"
run_quiet "$bg" status --home "$status_home"
status_items="$(sed -n 's/^\([0-9]*\) item(s):.*/\1/p' "$tmp/out")"
times=()
for ((i = 0; i < runs; i++)); do
  timed "$bg" status --home "$status_home"
  times+=("$elapsed_ns")
done
read -r status_med status_min status_max < <(printf '%s\n' "${times[@]}" | stats)

# --- 3. ./bg checkout (checked in again, untimed, after each) ----------------------------------
say "3/5 ./bg checkout, $runs runs"
h="$tmp/custody-home"
run_quiet "$bg" init --home "$h"
run_quiet "$bg" safe add hq-safe --location "HQ, room 4.12" --home "$h"
run_quiet "$bg" custodian add Alice --contact "+44 20 7946 0001" --home "$h"
run_quiet "$bg" custodian add Bob --contact "+44 20 7946 0002" --home "$h"
run_quiet "$bg" item add bg1-key --kind other --safe hq-safe --home "$h"
run_quiet "$bg" checkout bg1-key --by Alice --witness Bob --reason "bench warm-up" --home "$h"
run_quiet "$bg" checkin bg1-key --by Alice --witness Bob --home "$h"
times=()
for ((i = 1; i <= runs; i++)); do
  timed "$bg" checkout bg1-key --by Alice --witness Bob --reason "bench run $i" --home "$h"
  times+=("$elapsed_ns")
  run_quiet "$bg" checkin bg1-key --by Alice --witness Bob --home "$h"
done
read -r checkout_med checkout_min checkout_max < <(printf '%s\n' "${times[@]}" | stats)
# 5 set-up events, 2 for the warm-up, 2 per run: the ledger must hold exactly that and verify.
run_quiet "$bg" ledger verify --home "$h"
expected="ledger OK: $((5 + 2 + 2 * runs)) events"
if [[ "$(cat "$tmp/out")" != "$expected"* ]]; then
  echo "bench: the checkout home does not hold what the runs wrote: $(cat "$tmp/out"), expected '$expected'" >&2
  exit 1
fi

# --- 4. events per second through the library API ----------------------------------------------
say "4/5 library append: $append_warmup warm-up + $append_events timed events, one transaction each"
bench_run append "$tmp/append-home" "$append_events" "$append_warmup"

# --- 5. verify a long chain ---------------------------------------------------------------------
say "5/5 building a $chain_events-event chain, then verifying it"
bench_run build "$tmp/chain-home" "$chain_events" "$chain_batch"
bench_run verify "$tmp/chain-home" "$chain_events"
timed "$bg" ledger verify --home "$tmp/chain-home"
cli_verify_s=$(awk -v n="$elapsed_ns" 'BEGIN { printf "%.2f", n / 1e9 }')
grep -q "^ledger OK: $chain_events events" "$tmp/out" || {
  echo "bench: ./bg ledger verify did not report $chain_events good events: $(cat "$tmp/out")" >&2
  exit 1
}

# --- report -------------------------------------------------------------------------------------
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
fs="$(df --output=fstype "$tmp" 2>/dev/null | tail -1 || echo unknown)"
jv="$("$java" -version 2>&1 | head -n 1)"
# num X: X rounded to a whole number, with thousands separators.
num() {
  awk -v v="$1" 'BEGIN { s = sprintf("%.0f", v); o = ""
    while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
    print s o }'
}

row() { printf '%-2s  %-50s  %-38s  %s\n' "$@"; }
echo "BreakGlass Kit benchmark - commit $commit, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "java: $jv; cpus: $(nproc) ${cpu:+($cpu)}"
echo "temp homes on: $fs ($tmp); CLI runs per row: $runs (median, min-max)"
echo "./bg AppCDS archive: $cds"
echo
row "#" "Measure" "Result" "vs hello"
row "--" "--------------------------------------------------" "--------------------------------------" "--------"
row 1 "JVM hello world (plain java -cp)" "$hello_med ms ($hello_min-$hello_max)" "1.0x"
row 2 "./bg status (demo home: ${status_items:-?} items, ${status_events:-?} events)" "$status_med ms ($status_min-$status_max)" \
  "$(ratio "$status_med" "$hello_med")"
row 3 "./bg checkout (two-person safe)" "$checkout_med ms ($checkout_min-$checkout_max)" \
  "$(ratio "$checkout_med" "$hello_med")"
row 4 "Library append, 1 transaction/event ($(num "${r[append.events]}") events)" \
  "$(num "${r[append.per_second]}") events/s (${r[append.ms_per_event]} ms each)" "-"
row 5 "Ledger.verify, $(num "${r[verify.events]}")-event chain" "$(printf '%.2f' "${r[verify.seconds]}") s" "-"
row "" "  building that chain ($(num "${r[build.batch]}") events/transaction)" \
  "$(printf '%.2f' "${r[build.seconds]}") s ($(num "${r[build.per_second]}") events/s)" "-"
row "" "  ./bg ledger verify on it (1 run, wall)" "$cli_verify_s s" "-"
