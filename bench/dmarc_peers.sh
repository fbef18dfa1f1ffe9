#!/bin/sh
# dmarc_peers.sh: one DMARC evaluation of examples/messages/contoso-newsletter.eml
# (SPF and aligned DKIM pass for contoso.example, p=reject) by authguard
# (inbound_bench's BM_DmarcEvaluate, in process, Google Benchmark) and by
# libopendmarc (bench/peers/opendmarc_bench.c), alternating in one run,
# printed as evaluations per CPU second and as the ratio. What each side does
# per evaluation, and what differs, is in the header of opendmarc_bench.c and
# in docs/PERFORMANCE.md.
#
#   sh bench/dmarc_peers.sh [REPETITIONS] [SECONDS]
#
# Needs: libopendmarc-dev and publicsuffix (scripts/bootstrap test). The
# optimised tree is build-bench (AUTHGUARD_BENCH_DIR to change it); it is
# configured and built with -j1 when inbound_bench is missing.
set -eu
cd "$(dirname "$0")/.."
REPS=${1:-5}
SECONDS_EACH=${2:-2}
BIN=${AUTHGUARD_BENCH_DIR:-build-bench}
PSL=/usr/share/publicsuffix/public_suffix_list.dat

if [ ! -x "$BIN/bench/inbound_bench" ]; then
  cmake -S . -B "$BIN" -DCMAKE_BUILD_TYPE=Release -DAUTHGUARD_TESTS=OFF -DAUTHGUARD_BENCH=ON >/dev/null
  cmake --build "$BIN" --target inbound_bench -j1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# Debian builds libopendmarc with -O2; the driver gets the same.
cc -O2 -o "$T/opendmarc_bench" bench/peers/opendmarc_bench.c -lopendmarc

# The record OpenDMARC is handed: the TXT text of _dmarc.contoso.example in
# the demo zone, which authguard reads through its cache.
RECORD=$(sed -n 's/^_dmarc\.contoso\.example\.[[:space:]].*TXT[[:space:]]*"\(.*\)"[[:space:]]*$/\1/p' examples/demo.zone)
[ -n "$RECORD" ] || { echo "no _dmarc.contoso.example TXT in examples/demo.zone" >&2; exit 2; }

ours_rate() {
  "$BIN/bench/inbound_bench" --benchmark_filter='^BM_DmarcEvaluate$' \
    --benchmark_min_time="$SECONDS_EACH" --benchmark_format=json 2>/dev/null |
    python3 -c '
import json, sys
b = json.load(sys.stdin)["benchmarks"]
if not b or b[0].get("error_occurred"):
    sys.exit("BM_DmarcEvaluate did not run: " + (b[0].get("error_message", "") if b else "no output"))
print(round(b[0]["evals/s"]))'
}

echo "DMARC evaluations per CPU second (contoso-newsletter.eml, one core), $REPS alternating runs of ${SECONDS_EACH} s"
echo "record: $RECORD"
printf '%-5s %14s %14s %10s\n' run authguard OpenDMARC ratio
: > "$T/rates"
i=1
while [ "$i" -le "$REPS" ]; do
  # Alternate which side goes first, so a change of load hits both alike.
  if [ $((i % 2)) -eq 1 ]; then
    ours=$(ours_rate)
    theirs=$("$T/opendmarc_bench" "$SECONDS_EACH" "$RECORD" "$PSL")
  else
    theirs=$("$T/opendmarc_bench" "$SECONDS_EACH" "$RECORD" "$PSL")
    ours=$(ours_rate)
  fi
  echo "$ours $theirs" >> "$T/rates"
  printf '%-5s %14s %14s %9sx\n' "$i" "$ours" "$theirs" "$(python3 -c "print(\"%.2f\" % ($ours/$theirs))")"
  i=$((i + 1))
done
python3 - "$T/rates" <<'PY'
import statistics, sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
ours = statistics.median(r[0] for r in rows)
theirs = statistics.median(r[1] for r in rows)
ratios = sorted(r[0] / r[1] for r in rows)
print("%-5s %14.0f %14.0f %9.2fx" % ("median", ours, theirs, ours / theirs))
print("per-run ratios from %.2fx to %.2fx (above 1: authguard is faster)" % (ratios[0], ratios[-1]))
if ours < theirs:
    print("OpenDMARC is %.1fx faster on this work (see what differs in the peer's header)" % (theirs / ours))
else:
    print("authguard is %.1fx faster" % (ours / theirs))
PY
