#!/bin/sh
# dkim_peers.sh: DKIM verification of the same 10 KB message, RSA-2048, warm
# key, by authguard (in process, Google Benchmark), dkimpy and Mail::DKIM, in
# one run, printed as verifications per second and as ratios.
#
#   make bench && sh bench/dkim_peers.sh
set -eu
cd "$(dirname "$0")/.."
BIN=build-release
[ -x "$BIN/bench/dkim_bench" ] || { echo "run 'make bench' first" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/k.pem" 2>/dev/null
P=$(openssl pkey -in "$T/k.pem" -pubout -outform DER | base64 -w0)
python3 - "$T/body.eml" <<'PY'
import random, sys
random.seed(42)
words = "the quarterly report is attached, please review and send comments by Friday. Thanks to everyone who contributed".split()
lines, line = [], []
body = ""
while len(body) < 10240:
    line.append(random.choice(words))
    if len(" ".join(line)) > 68:
        body += " ".join(line) + "\r\n"
        line = []
head = ("From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Quarterly report\r\n"
        "Date: Sun, 30 Nov 2025 06:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\n")
open(sys.argv[1], "w", newline="").write(head + body)
PY
"$BIN/authguard" dkim sign --domain example.com --selector sel --key "$T/k.pem" "$T/body.eml" > "$T/signed.eml"
REC="v=DKIM1; k=rsa; p=$P"
ours=$("$BIN/bench/dkim_bench" --benchmark_filter=BM_VerifyMessage10KB --benchmark_format=json 2>/dev/null |
  python3 -c 'import json,sys; print(round(json.load(sys.stdin)["benchmarks"][0]["items_per_second"]))')
py=$(/usr/bin/python3 bench/peers/dkimpy_verify_loop.py "$T/signed.eml" sel._domainkey.example.com "$REC" 3)
pl=$(perl bench/peers/maildkim_verify_loop.pl "$T/signed.eml" sel._domainkey.example.com "$REC" 3)
echo "verifications/s (10 KB, RSA-2048, warm key; one core)"
echo "  authguard  $ours"
echo "  dkimpy     $py   (authguard is $(python3 -c "print(round($ours/$py,1))")x)"
echo "  Mail::DKIM $pl   (authguard is $(python3 -c "print(round($ours/$pl,1))")x)"
