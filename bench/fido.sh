#!/usr/bin/env bash
# bench/fido.sh: FIDO2 key ceremony benchmarks for BreakGlass Kit. See bench/README.md, "FIDO2 ceremonies".
#
# Prints one table on stdout; progress and diagnostics go to stderr. Works in a new temporary
# directory that it removes on exit; never touches ~/.breakglass or $BG_HOME.
#
# Environment:
#   BENCH_RUNS              timed runs per ./bg command in row 5 (default 15)
#   BENCH_FIDO_SAMPLES      timed registrations and timed verifications in rows 1 and 2 (default 50)
#   BENCH_FIDO_WARMUP       untimed registrations and verifications before those (default 30)
#   BENCH_FIDO_THROUGHPUT   consecutive verifications of one key in row 3 (default 500)
#   BENCH_COLD_RUNS         fresh JVMs in row 4 (default 5)
#   BG_JAVA / JAVA_HOME     the java to use, as for ./bg (javac is taken from the same JDK)
#   TMPDIR                  where the temporary homes go (the file system decides fsync cost)
set -euo pipefail
export LC_ALL=C

bench="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(dirname "$bench")"
bg="$root/bg"
jar="$root/cli/target/bg.jar"
jsa="$root/cli/target/bg.jsa"
tests_jar="$root/custody/target/custody-0.1.0-SNAPSHOT-tests.jar"

runs="${BENCH_RUNS:-15}"
samples="${BENCH_FIDO_SAMPLES:-50}"
warmup="${BENCH_FIDO_WARMUP:-30}"
throughput="${BENCH_FIDO_THROUGHPUT:-500}"
cold_runs="${BENCH_COLD_RUNS:-5}"
. "$bench/lib.sh"
require_positive runs samples throughput cold_runs
require_non_negative warmup

# The same java as ./bg uses; javac from the same JDK.
find_jdk

say() { echo "bench: $*" >&2; }

# --- build: the shaded jar and the custody test-jar (SoftAuthenticator, Fixture) ----------------
# ./bg only looks at main sources; the test-jar also depends on custody's test sources.
if [ ! -f "$jar" ] || [ ! -f "$tests_jar" ] || [ -n "$(find "$root/pom.xml" "$root"/*/pom.xml "$root"/*/src \
    -newer "$jar" -print -quit 2>/dev/null)" ] || [ -n "$(find "$root/pom.xml" "$root"/*/pom.xml \
    "$root/custody/src" -newer "$tests_jar" -print -quit 2>/dev/null)" ]; then
  say "building cli/target/bg.jar and the custody test-jar with Maven (sources newer than the jars)"
  (cd "$root" && mvn -q -B -Dstyle.color=never -DskipTests package -pl cli -am) >&2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bg-fido-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
case "$tmp" in
  *[[:space:]]*)
    echo "bench: the temporary directory '$tmp' contains white space; set TMPDIR to a path without any" >&2
    exit 2
    ;;
esac
# Every bg call below passes --home; this only makes sure a forgotten one cannot reach a real home.
export BG_HOME="$tmp/no-such-home"
mkdir "$tmp/java-tmp" "$tmp/classes"

# run_quiet CMD...: runs CMD with its output in $tmp/out and $tmp/err; on failure shows them and stops.
run_quiet() {
  if ! "$@" >"$tmp/out" 2>"$tmp/err"; then
    echo "bench: command failed: $*" >&2
    cat "$tmp/out" "$tmp/err" >&2
    exit 1
  fi
}

# stats < nanoseconds, one a line: prints "median min max" in milliseconds.
stats() {
  sort -n | awk '{ a[NR] = $1 }
    END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
          printf "%.1f %.1f %.1f\n", m / 1e6, a[1] / 1e6, a[NR] / 1e6 }'
}

# --- warm-up: let ./bg extract its native library and train its CDS archive if it must ---------
say "warming up ./bg"
run_quiet "$bg" --version

# ./bg's JVM options, for the fresh JVMs of row 4 (see ./bg; not 'bg ca', so C1 only).
jvm_opts=(-XX:+UseSerialGC -Xshare:auto -XX:TieredStopAtLevel=1)
case "$OSTYPE/$HOSTTYPE" in
  linux*/x86_64) arch="Linux/x86_64" ;;
  linux*/aarch64) arch="Linux/aarch64" ;;
  *) arch="" ;;
esac
lib="$root/cli/target/native/org/sqlite/native/$arch/libsqlitejdbc.so"
if [ -n "$arch" ] && [ -f "$lib" ]; then
  jvm_opts+=("-Dorg.sqlite.lib.path=${lib%/*}" "-Dorg.sqlite.lib.name=libsqlitejdbc.so")
fi
if [ -f "$jsa" ]; then
  jvm_opts+=(-XX:SharedArchiveFile="$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
fi

jar_stamp() { stat -c '%n %y %s' "$jar" "$tests_jar" 2>/dev/null || echo missing; }
stamp="$(jar_stamp)"

say "compiling bench/FidoBench.java"
cp="$jar:$tests_jar:$tmp/classes" # bg.jar first: the CDS archive holds a prefix of the class path
run_quiet "$javac" -d "$tmp/classes" -cp "$jar:$tests_jar" "$bench/FidoBench.java"

# Is ./bg's AppCDS archive used, by ./bg and by row 4's class path (which appends to bg.jar)?
cds_probe() {
  [ -f "$jsa" ] && "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:SharedArchiveFile="$jsa" -Xshare:on \
    "$@" >/dev/null 2>&1
}
if cds_probe -jar "$jar" --version; then cds_bg="used"; else cds_bg="NOT USED"; fi
# FidoBench with no arguments prints its usage and exits 2; a VM that cannot map the archive exits 1.
set +e
cds_probe -cp "$cp" FidoBench
probe=$?
set -e
if [ "$probe" = 2 ]; then cds_cold="used"; else cds_cold="NOT USED"; fi

declare -A r=()
# fido_run ARGS...: runs FidoBench with the JVM's default flags and loads its key=value lines into r.
fido_run() {
  run_quiet "$java" "-Djava.io.tmpdir=$tmp/java-tmp" -cp "$cp" FidoBench "$@"
  local key value
  while IFS='=' read -r key value; do
    [ -n "$key" ] && r["$key"]="$value"
  done <"$tmp/out"
}

# --- rows 1-3: one warm JVM ---------------------------------------------------------------------
say "1-3/5 $warmup+$samples registrations, $warmup+$samples verifications, $throughput consecutive verifications"
fido_run warm "$tmp/warm" "$samples" "$warmup" "$throughput"

# --- row 4: fresh JVMs ---------------------------------------------------------------------------
say "4/5 $cold_runs fresh JVMs, one registration and one verification each (then a second of each)"
# One untimed run first that logs which classes the fresh JVM loads.
fido_run cold-driver "$tmp/cold-classes" 1 "$java" "-Djava.io.tmpdir=$tmp/java-tmp" "${jvm_opts[@]}" \
  "-Xlog:class+load=info:file=$tmp/cold-classes.log"
cold_classes="$(awk '/ source: /{ n++ } /shared objects file/{ s++ } /com\.yubico\./{ y++ }
  /com\.fasterxml\.jackson\.databind\./{ d++ } END { printf "%d %d %d %d", n, s, y, d }' "$tmp/cold-classes.log")"
fido_run cold-driver "$tmp/cold" "$cold_runs" "$java" "-Djava.io.tmpdir=$tmp/java-tmp" "${jvm_opts[@]}"

# --- row 5: ./bg start-up with and without keys ---------------------------------------------------
say "5/5 ./bg status and ./bg key list, $runs runs each, home without keys and with 2"
h0="$tmp/home-no-keys"
h2="$tmp/home-2-keys"
fido_run inventory "$h2"
cp -a "$h2" "$h0" # the same home as it was before its keys were registered
fido_run keys "$h2"
run_quiet "$bg" key list --json --home "$h2"
[ "$(grep -o '"credentialId"' "$tmp/out" | wc -l)" = 2 ] || {
  echo "bench: ./bg key list does not show the 2 keys: $(cat "$tmp/out")" >&2
  exit 1
}
run_quiet "$bg" key list --json --home "$h0"
[ "$(grep -c '"credentialId"' "$tmp/out")" = 0 ] || { echo "bench: $h0 has keys" >&2; exit 1; }

cmds=("status --home $h0" "status --home $h2" "key list --home $h0" "key list --home $h2")
declare -A times=() classes=()
for c in "${cmds[@]}"; do
  # shellcheck disable=SC2086 # $tmp has no white space (checked above)
  run_quiet "$bg" $c # untimed first run
  # Which classes the command loads: all, from the CDS archive, of webauthn-server-core, of Jackson databind.
  rm -f "$tmp/classes.log"
  # shellcheck disable=SC2086
  JAVA_TOOL_OPTIONS="-Xlog:class+load=info:file=$tmp/classes.log" run_quiet "$bg" $c
  classes["$c"]="$(awk '/ source: /{ n++ } /shared objects file/{ s++ } /com\.yubico\./{ y++ }
    /com\.fasterxml\.jackson\.databind\./{ d++ } END { printf "%d %d %d %d", n, s, y, d }' "$tmp/classes.log")"
done
# Interleaved, so that a change in the machine's load hits all four alike.
for ((i = 0; i < runs; i++)); do
  for c in "${cmds[@]}"; do
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    run_quiet "$bg" $c
    t1=$(date +%s%N)
    times["$c"]+="$((t1 - t0)) "
  done
done

# ./bg rebuilds the jar when a source is newer, even in the middle of a timed run.
if [ "$(jar_stamp)" != "$stamp" ]; then
  echo "bench: cli/target/bg.jar or the custody test-jar changed during the run (rebuilt by ./bg or by" \
    "another Maven run): the numbers mix builds and include a build; run bench/fido.sh again" >&2
  exit 1
fi

# --- report -------------------------------------------------------------------------------------
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
fs="$(df --output=fstype "$tmp" 2>/dev/null | tail -1 || echo unknown)"
jv="$("$java" -version 2>&1 | head -n 1)"
load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

ms() { echo "${r[$1.med]} ms (${r[$1.min]}-${r[$1.max]})"; }
cli() {
  local med min max
  read -r med min max < <(tr ' ' '\n' <<<"${times[$1]}" | grep . | stats)
  echo "$med ms ($min-$max)"
}
cls() {
  local n s y d
  read -r n s y d <<<"${classes[$1]}"
  echo "$n classes ($s from CDS), $y webauthn, $d Jackson databind"
}
row() { printf '%-2s  %-72s  %-26s  %s\n' "$@"; }

echo "BreakGlass Kit FIDO2 benchmark - $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "java: $jv; cpus: $(nproc) ${cpu:+($cpu)}; load average at the end: $load"
echo "temp homes on: $fs ($tmp); rows 1-2: $samples timed after $warmup warm-up; row 4: $cold_runs JVMs;" \
  "row 5: $runs runs. Times: median (min-max)"
echo "rows 1-3: one JVM, default flags. row 4: ./bg's flags; AppCDS archive $cds_cold. row 5: ./bg; archive $cds_bg"
echo
row "#" "Measure" "Result" "Notes"
row "--" "$(printf '%072d' 0 | tr 0 -)" "--------------------------" "-----"
row 1 "Registration, server side: answer JSON to key recorded" "$(ms reg.total)" "KeyCeremonies.finishRegistration"
row "" "  parse the answer (PublicKeyCredential.parseRegistrationResponseJson)" "$(ms reg.parse)" "webauthn-server-core"
row "" "  verify it (RelyingParty.finishRegistration, packed + x5c)" "$(ms reg.rp)" "webauthn-server-core"
row "" "  the rest: policy, Ledger.recordKey (1 fsync'd transaction), re-read" \
  "$(awk -v t="${r[reg.total.med]}" -v p="${r[reg.parse.med]}" -v v="${r[reg.rp.med]}" \
    'BEGIN { printf "%.2f ms", t - p - v }')" "median total - parse - verify"
row 2 "Verification, server side: finishVerification + recordKeyVerification" "$(ms ver.total)" \
  "key in its safe, counter +1"
row "" "  finishVerification (parse + RelyingParty.finishAssertion)" "$(ms ver.finish)" ""
row "" "  Ledger.recordKeyVerification (1 fsync'd transaction)" "$(ms ver.record)" ""
row 3 "Verifications/s: ${r[tp.count]} in a row of one key (start + finish + record)" \
  "${r[tp.server_per_second]}/s (${r[tp.ms_each]} ms each)" \
  "${r[tp.wall_per_second]}/s with the authenticator; counter ${r[tp.counter]}"
row "" "  of which startVerification + options JSON" "${r[tp.start_ms_each]} ms each" "reads the keys, new RelyingParty"
row 4 "Fresh JVM: open home, register 2 keys, verify each; JVM wall time" "$(ms cold.wall)" \
  "$(ms cold.wall_server) without waiting for the authenticator"
classes["cold"]="$cold_classes"
row "" "  classes that JVM loads" "" "$(cls cold)"
row "" "  Ledger.open + AttestationTrust.load + new KeyCeremonies" "$(ms cold.open)" "in-JVM"
row "" "  first registration, server side (start + finish)" "$(ms cold.reg1)" "in-JVM"
row "" "  first verification, server side (start + finish + record)" "$(ms cold.ver1)" "in-JVM"
row "" "  second registration in the same JVM" "$(ms cold.reg2)" "in-JVM"
row "" "  second verification in the same JVM" "$(ms cold.ver2)" "in-JVM"
row 5 "./bg status, home without keys" "$(cli "${cmds[0]}")" "$(cls "${cmds[0]}")"
row "" "./bg status, the same home with 2 registered keys" "$(cli "${cmds[1]}")" "$(cls "${cmds[1]}")"
row "" "./bg key list, home without keys" "$(cli "${cmds[2]}")" "$(cls "${cmds[2]}")"
row "" "./bg key list, the same home with 2 registered keys" "$(cli "${cmds[3]}")" "$(cls "${cmds[3]}")"
