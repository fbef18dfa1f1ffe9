#!/bin/sh
# audit_bench.sh: how long `authguard audit` takes for many domains against a
# real authoritative server. It generates a zone of N domains (default 10000;
# a realistic mix of sending, non-sending and broken ones), starts nsd on a
# free loopback port with it, writes a configuration whose resolver
# (libunbound) forwards to that nsd, runs
#   authguard audit --domains-file FILE --config FILE --json
# once, checks the report covers every domain, prints the wall time, and
# stops nsd. It sends traffic to 127.0.0.1 only.
#
#   bench/audit_bench.sh [N]         AUTHGUARD_BIN=path/to/authguard (default: build/authguard)
#   AUTHGUARD_BENCH_WINDOW=400 ...   passes --max-in-flight 400
#
# docs/PERFORMANCE.md ("Audit") records the figure and the command.
set -eu

N="${1:-10000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${AUTHGUARD_BIN:-$ROOT/build/authguard}"
NSD="$(command -v nsd || echo /usr/sbin/nsd)"
[ -x "$BIN" ] || { echo "audit_bench: no authguard at $BIN (set AUTHGUARD_BIN)" >&2; exit 2; }
[ -x "$NSD" ] || { echo "audit_bench: nsd is not installed (scripts/bootstrap test)" >&2; exit 2; }

WORK="$(mktemp -d /tmp/authguard-audit-bench-XXXXXX)"
NSD_PID=""
cleanup() {
  if [ -n "$NSD_PID" ]; then kill "$NSD_PID" 2>/dev/null || true; wait "$NSD_PID" 2>/dev/null || true; fi
  if [ -n "${AUTHGUARD_BENCH_KEEP:-}" ]; then echo "audit_bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

# A free port on loopback (bound and released).
PORT="$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

# The zone: one TLD "bench" whose children are the audited domains, so each is
# its own organizational domain, as owned domains are. Every fourth domain of
# ten is non-sending, every tenth is broken (no DMARC, SPF over the lookup
# limit), and the sending ones use a shared SPF include and a DKIM key.
python3 - "$N" "$WORK" <<'EOF'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
key = ("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmjVovQamoerrNKlAG9JYNZyyWs4TzDDDnqQByPOiWCctg4aoWPWU2IsGecun"
       "VvzB+ATxR5RFrSw+GJyYUOxkZp27DpXpHWH+ug2IrshS7SWTILo/7XkSgoZMn6/9r/4Zon4ekrzhgISCPjLHpxO0d0rP5mZjuuL8ojGt"
       "Kpjo5C9B1n8xMFxjekN//7q70Hv6E0q9rSrB9daHEYCXAV7/TLHSOvk3UcCAG9AcdzCrcJmsGzC3izqckG8FlWW1/Np1AvOw6+aH4JdHAoVd"
       "kVoAypW1t4mZmTaC/aSiKESnjY5VJ93x4H7mB2GNmgRMSF/KGj2hXs23bGnGL10QpjXJ0QIDAQAB")
dkim = '"v=DKIM1; k=rsa; p=%s" "%s"' % (key[:200], key[200:])
z = ["$ORIGIN bench.", "$TTL 3600",
     "@ IN SOA ns.bench. hostmaster.bench. 1 3600 900 604800 300",
     "@ IN NS ns.bench.", "ns IN A 127.0.0.1",
     '_spf.provider IN TXT "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 -all"',
     '_spf2.provider IN TXT "v=spf1 include:_spf.provider.bench a:mx.provider.bench -all"',
     "mx.provider IN A 198.51.100.25"]
domains = []
for i in range(n):
    d = "d%06d" % i
    kind = "non-sending" if i % 10 in (3, 6, 8) else "sending"
    broken = i % 10 == 9
    domains.append("%s.bench %s" % (d, kind))
    if kind == "non-sending":
        z += ["%s IN MX 0 ." % d, '%s IN TXT "v=spf1 -all"' % d, '_dmarc.%s IN TXT "v=DMARC1; p=reject;"' % d]
        continue
    z += ["%s IN MX 10 mx.provider.bench." % d]
    if broken:
        inc = " ".join("include:_spf2.provider.bench" for _ in range(4))
        z += ['%s IN TXT "v=spf1 %s -all"' % (d, inc)]
    else:
        policy = ("reject", "quarantine", "none")[i % 3]
        z += ['%s IN TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.provider.bench ~all"' % d,
              '_dmarc.%s IN TXT "v=DMARC1; p=%s; rua=mailto:dmarc@%s.bench"' % (d, policy, d),
              "selector1._domainkey.%s IN TXT %s" % (d, dkim)]
open(work + "/bench.zone", "w").write("\n".join(z) + "\n")
open(work + "/domains.txt", "w").write("\n".join(domains) + "\n")
EOF

cat > "$WORK/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1
  port: $PORT
  zonesdir: "$WORK"
  pidfile: "$WORK/nsd.pid"
  database: ""
  xfrdfile: "$WORK/xfrd.state"
  zonelistfile: "$WORK/zone.list"
  logfile: "$WORK/nsd.log"
  username: ""
  chroot: ""
  server-count: 1
  verbosity: 0
  # Response rate limiting would drop most answers of a burst from one
  # client (200 a second per response class, all NXDOMAINs of a zone being
  # one class): a benchmark of the audit, not of RRL, turns it off.
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: "bench"
  zonefile: "bench.zone"
EOF
"$NSD" -d -c "$WORK/nsd.conf" &
NSD_PID=$!

# Wait (up to 10 s) until nsd answers.
i=0
until python3 - "$PORT" <<'EOF'
import socket, sys
q = b"\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05bench\x00\x00\x06\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
try:
    s.recv(512)
except OSError:
    sys.exit(1)
EOF
do
  i=$((i + 1))
  [ "$i" -lt 50 ] || { echo "audit_bench: nsd did not answer" >&2; cat "$WORK/nsd.log" >&2; exit 1; }
  sleep 0.2
done

cat > "$WORK/authguard.toml" <<EOF
[log]
level = "warn"
[dns]
mode = "forward"
forwarders = ["127.0.0.1@$PORT"]
dnssec = false
timeout_ms = 5000
cache_entries = 100000
EOF

WINDOW_ARGS=""
[ -n "${AUTHGUARD_BENCH_WINDOW:-}" ] && WINDOW_ARGS="--max-in-flight $AUTHGUARD_BENCH_WINDOW"
echo "audit_bench: $N domains, nsd on 127.0.0.1@$PORT, $(nproc) cores, $BIN"
echo "audit_bench: $BIN audit --domains-file domains.txt --config authguard.toml --json $WINDOW_ARGS"
# The audit exits 1 (the broken domains have errors); the script checks the report instead.
# shellcheck disable=SC2086
python3 - "$N" "$WORK" "$BIN" $WINDOW_ARGS <<'EOF'
import json, resource, subprocess, sys, time
n, work, binary, extra = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
cmd = [binary, "audit", "--domains-file", work + "/domains.txt", "--config", work + "/authguard.toml",
       "--json"] + extra
start = time.perf_counter()
with open(work + "/report.json", "w") as out:
    rc = subprocess.run(cmd, stdout=out).returncode
secs = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
if rc not in (0, 1):
    sys.exit("audit_bench: authguard exited %d" % rc)
report = json.load(open(work + "/report.json"))
s = report["summary"]
dns_errors = sum(1 for d in report["domains"] for f in d["findings"] if f["id"].endswith(".dns_error"))
assert s["domains"] == n, "report covers %d of %d domains" % (s["domains"], n)
print("audit_bench: %d domains in %.2f s (%.0f domains/s), CPU %.2f s user + %.2f s sys; "
      "findings: %d error, %d warning, %d info; DNS failures: %d"
      % (n, secs, n / secs, usage.ru_utime, usage.ru_stime, s["error"], s["warning"], s["info"],
         dns_errors))
sys.exit(1 if dns_errors else 0)
EOF
