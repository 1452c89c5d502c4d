#!/usr/bin/env bash
# bench/ca.sh: wall time of `bg ca issue` (RSA-3072 leaf) against the equivalent OpenSSL pipeline
# (`openssl req` + `openssl x509 -req`, and that plus `openssl pkcs12 -export`), run alternately.
#
# Prints a table on stdout; progress goes to stderr. Works in a temporary directory it removes on
# exit; never touches ~/.breakglass or $BG_HOME. BENCH_RUNS (default 7) runs of each, medians.
set -euo pipefail
export LC_ALL=C

bench="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(dirname "$bench")"
bg="$root/bg"
runs="${BENCH_RUNS:-7}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_RUNS must be a positive integer" >&2; exit 2; }
command -v openssl >/dev/null || { echo "bench: openssl is needed" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
umask 077
home="$tmp/home"
export BG_HOME="$home"
app=3f1c2a9e-6b1d-4c55-9a57-0b2f6d1c9e01
printf 'correct horse battery staple\n' > "$tmp/ca-pass"
printf 'pfx-password-1\n' > "$tmp/pfx-pass"
cp "$tmp/pfx-pass" "$tmp/pfx-pass-out" # openssl reads one line per use when -passin and -passout share a file

echo "bench: setting up a home and a CA (rsa-3072) ..." >&2
"$bg" init --home "$home" >/dev/null
"$bg" identity add --app "$app" --home "$home" >/dev/null
"$bg" ca init --name "Bench CA" --key rsa-3072 --validity 2y --passphrase-file "$tmp/ca-pass" --home "$home" >/dev/null
ca_dir="$(ls -d "$home"/ca/*/)"
ca_pem="$ca_dir/ca.pem"
# OpenSSL reads the same encrypted root key, so both sides pay for opening it.
ca_key="$ca_dir/ca.key.pem"
cat > "$tmp/leaf.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bg_t=(); ossl_t=(); full_t=()
for i in $(seq 1 "$runs"); do
  echo "bench: run $i/$runs" >&2
  s=$(date +%s%N)
  "$bg" ca issue --identity "$app" --cn "Bench leaf $i" --key rsa-3072 --out "$tmp/bg-$i" \
    --passphrase-file "$tmp/ca-pass" --pfx-password-file "$tmp/pfx-pass" --home "$home" >/dev/null
  bg_t+=("$(ms "$s")")

  s=$(date +%s%N)
  openssl req -new -newkey rsa:3072 -keyout "$tmp/o-$i.key" -passout "file:$tmp/pfx-pass" \
    -subj "/CN=Bench leaf $i" -out "$tmp/o-$i.csr" 2>/dev/null
  openssl x509 -req -in "$tmp/o-$i.csr" -CA "$ca_pem" -CAkey "$ca_key" -passin "file:$tmp/ca-pass" \
    -CAcreateserial -CAserial "$tmp/serial" -days 365 -sha256 -extfile "$tmp/leaf.ext" -out "$tmp/o-$i.pem" 2>/dev/null
  ossl_t+=("$(ms "$s")")

  s=$(date +%s%N)
  openssl req -new -newkey rsa:3072 -keyout "$tmp/f-$i.key" -passout "file:$tmp/pfx-pass" \
    -subj "/CN=Bench leaf $i" -out "$tmp/f-$i.csr" 2>/dev/null
  openssl x509 -req -in "$tmp/f-$i.csr" -CA "$ca_pem" -CAkey "$ca_key" -passin "file:$tmp/ca-pass" \
    -CAcreateserial -CAserial "$tmp/serial" -days 365 -sha256 -extfile "$tmp/leaf.ext" -out "$tmp/f-$i.pem" 2>/dev/null
  openssl pkcs12 -export -inkey "$tmp/f-$i.key" -passin "file:$tmp/pfx-pass" -in "$tmp/f-$i.pem" \
    -certfile "$ca_pem" -passout "file:$tmp/pfx-pass-out" -out "$tmp/f-$i.pfx"
  full_t+=("$(ms "$s")")
  openssl verify -CAfile "$ca_pem" "$tmp/o-$i.pem" >/dev/null
done

b=$(median "${bg_t[@]}"); o=$(median "${ossl_t[@]}"); f=$(median "${full_t[@]}")
echo "BreakGlass Kit CA benchmark - $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "$(openssl version); $(java -version 2>&1 | head -1); runs: $runs, alternating, medians (all runs in ms)"
echo
printf '%-58s %8s %8s\n' "Measure" "ms" "ratio"
printf '%-58s %8s %8s\n' "bg ca issue (RSA-3072 leaf, key + PFX + ledger)" "$b" "1.00"
printf '%-58s %8s %8s\n' "openssl req + x509 -req" "$o" "$(awk "BEGIN {printf \"%.2f\", $b/$o}")"
printf '%-58s %8s %8s\n' "openssl req + x509 -req + pkcs12 -export" "$f" "$(awk "BEGIN {printf \"%.2f\", $b/$f}")"
echo
echo "all runs: bg ${bg_t[*]}; req+x509 ${ossl_t[*]}; +pkcs12 ${full_t[*]}"
echo "(ratio = bg time / openssl time; RSA key generation time varies widely with the primes found)"
