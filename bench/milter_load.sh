#!/bin/sh
# milter_load.sh: messages per second through a private Postfix on loopback,
# four ways in one run, alternating: with no milter (Postfix alone, the
# ceiling), with `authguard serve` (the whole inbound verdict: SPF, DKIM,
# DMARC, composite authentication, rules, history and verdict-log writes, our
# Authentication-Results inserted) over a unix socket and over TCP, and with
# OpenDKIM 2.11 in verify mode over a unix socket (the peer: DKIM
# verification and its Authentication-Results only). The same
# message each time, the DKIM-signed examples/messages/contoso-newsletter.eml,
# sent by Postfix's smtp-source over SESSIONS parallel SMTP sessions; Postfix
# relays what it accepts to smtp-sink. Printed: messages/s per variant and
# repetition, medians, and the ratios.
#
#   sh bench/milter_load.sh [MESSAGES] [SESSIONS] [REPETITIONS]
#
# Needs root (Postfix's master), and postfix, nsd and opendkim (scripts/
# bootstrap bench installs them with their services kept stopped). The
# optimised authguard is build-bench (AUTHGUARD_BENCH_DIR to change it),
# built with -j1 when missing.
#
# DNS: both milters ask, through their libunbound, an NSD started here on
# 127.0.0.1 port 53 (which must be free: OpenDKIM's Nameservers option takes
# no port) serving the demo zone's .example records. Both caches are warm
# after the first message. (OpenDKIM's ResolverConfiguration, an unbound
# config file forwarding to another port, made it crash under load here:
# general protection faults in libc, seen in dmesg.)
set -eu
cd "$(dirname "$0")/.."
MESSAGES=${1:-2000}
SESSIONS=${2:-8}
REPS=${3:-3}
BIN=${AUTHGUARD_BENCH_DIR:-build-bench}
[ "$(id -u)" -eq 0 ] || { echo "milter_load.sh: Postfix's master needs root" >&2; exit 2; }
for tool in /usr/sbin/postfix /usr/sbin/smtp-source /usr/sbin/smtp-sink /usr/sbin/nsd /usr/sbin/opendkim; do
  [ -x "$tool" ] || { echo "milter_load.sh: $tool missing (scripts/bootstrap bench)" >&2; exit 2; }
done
if [ ! -x "$BIN/authguard" ]; then
  cmake -S . -B "$BIN" -DCMAKE_BUILD_TYPE=Release -DAUTHGUARD_TESTS=OFF -DAUTHGUARD_BENCH=ON >/dev/null
  cmake --build "$BIN" --target authguard_cli -j1
fi
AUTHGUARD=$(pwd)/$BIN/authguard
ZONEFILE=$(pwd)/examples/demo.zone

T=$(mktemp -d)
chmod 755 "$T"
PIDS=""
cleanup() {
  [ -f "$T/pf/conf/main.cf" ] && postfix -c "$T/pf/conf" stop >/dev/null 2>&1 || true
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  sleep 3
  [ -n "${KEEP:-}" ] && echo "kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
  i=0
  while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "nothing listens on $1" >&2; exit 1; }; sleep 0.1
  done
}

# The message as smtp-source wants it: LF line ends (it sends CRLF).
tr -d '\r' < examples/messages/contoso-newsletter.eml > "$T/message"

# smtp-sink: where Postfix relays. No dumps: it only accepts.
SINK=$(free_port)
smtp-sink -u nobody "127.0.0.1:$SINK" 256 >/dev/null 2>&1 &
PIDS="$PIDS $!"
wait_port "$SINK"

# NSD with the demo zone's .example names as one zone.
DNS=53
python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 53))' 2>/dev/null ||
  { echo "milter_load.sh: 127.0.0.1:53 is taken; NSD needs it for OpenDKIM" >&2; exit 2; }
mkdir -p "$T/nsd"
{
  echo '$TTL 3600'
  echo 'example. 3600 IN SOA ns.example. hostmaster.example. 1 3600 600 86400 60'
  echo 'example. 3600 IN NS ns.example.'
  echo 'ns.example. 3600 IN A 127.0.0.1'
  grep -E '^[^;[:space:]]*\.example\.[[:space:]]' "$ZONEFILE"
} > "$T/nsd/example.zone"
cat > "$T/nsd/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1
  port: $DNS
  username: ""
  zonesdir: "$T/nsd"
  pidfile: "$T/nsd/nsd.pid"
  xfrdfile: "$T/nsd/xfrd.state"
  zonelistfile: "$T/nsd/zone.list"
  database: ""
  logfile: "$T/nsd/nsd.log"
  server-count: 1
remote-control:
  control-enable: no
zone:
  name: "example."
  zonefile: "example.zone"
EOF
nsd -d -c "$T/nsd/nsd.conf" >/dev/null 2>&1 &
PIDS="$PIDS $!"
sleep 1

# OpenDKIM, verifying, asking that NSD.
cat > "$T/opendkim.conf" <<EOF
Mode v
Socket local:$T/opendkim.sock
UMask 000
Syslog no
Background no
AuthservID mx.example.net
AlwaysAddARHeader yes
Nameservers 127.0.0.1
UserID root
PidFile $T/opendkim.pid
EOF
opendkim -f -x "$T/opendkim.conf" >"$T/opendkim.log" 2>&1 &
PIDS="$PIDS $!"
wait_socket() {
  i=0
  while [ ! -S "$1" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "no socket $1" >&2; exit 1; }; sleep 0.1
  done
  chmod 666 "$1"  # Postfix's smtpd runs as postfix
}
wait_socket "$T/opendkim.sock"

# authguard serve, with a state directory of its own, twice: on a unix
# socket and on TCP (the same state directory; each SMTP session opens its
# own store connections).
AG=$(free_port)
mkdir -p "$T/state"
cat > "$T/authguard.toml" <<EOF
authserv_id = "mx.example.net"
accepted_domains = ["ours.example"]
[dns]
mode = "forward"
forwarders = ["127.0.0.1"]
dnssec = false
[keys]
tick_seconds = 0
[log]
level = "warn"
EOF
"$AUTHGUARD" serve --socket "unix:$T/authguard.sock" --config "$T/authguard.toml" --state-dir "$T/state" \
  >"$T/authguard.log" 2>&1 &
PIDS="$PIDS $!"
wait_socket "$T/authguard.sock"
"$AUTHGUARD" serve --socket "inet:$AG@127.0.0.1" --config "$T/authguard.toml" --state-dir "$T/state" \
  >"$T/authguard-inet.log" 2>&1 &
PIDS="$PIDS $!"
wait_port "$AG"

# Postfix: its own config, queue and log under $T; restarted per variant.
SMTP=$(free_port)
mkdir -p "$T/pf/conf" "$T/pf/queue" "$T/pf/data"
chown postfix "$T/pf/data"
{
  echo "127.0.0.1:$SMTP inet n - n - 100 smtpd"
  cat tests/support/postfix-master.cf
} > "$T/pf/conf/master.cf"
start_postfix() {  # $1: smtpd_milters value ("" for none)
  cat > "$T/pf/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $T/pf/queue
data_directory = $T/pf/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.example.net
mydomain = example.net
mydestination =
relay_domains = ours.example
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$SINK
smtpd_milters = $1
milter_default_action = tempfail
milter_protocol = 6
maillog_file_prefixes = $T
maillog_file = $T/pf/maillog
alias_maps =
alias_database =
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
default_process_limit = 100
EOF
  postfix -c "$T/pf/conf" start >/dev/null 2>&1
  wait_port "$SMTP"
}
stop_postfix() {
  postfix -c "$T/pf/conf" stop >/dev/null 2>&1 || true
  sleep 2
}

# One run: MESSAGES messages over SESSIONS sessions; prints messages/s.
run_load() {
  start_postfix "$1"
  # Warm-up: caches, the first DKIM key fetch, Postfix's process pool.
  smtp-source -s 2 -m 20 -F "$T/message" -f news@contoso.example -t alice@ours.example "127.0.0.1:$SMTP"
  t0=$(date +%s.%N)
  smtp-source -s "$SESSIONS" -m "$MESSAGES" -F "$T/message" -f news@contoso.example -t alice@ours.example \
    "127.0.0.1:$SMTP"
  t1=$(date +%s.%N)
  rejected=$(grep -c 'milter-reject' "$T/pf/maillog" 2>/dev/null || true)
  stop_postfix
  : > "$T/pf/maillog"
  [ "${rejected:-0}" -eq 0 ] || { echo "milter_load.sh: $rejected message(s) refused; see the logs" >&2; exit 1; }
  python3 -c "print(round($MESSAGES / ($t1 - $t0), 1))"
}

echo "milter_load: $MESSAGES messages x $SESSIONS sessions, $REPS repetitions, $(nproc) CPU(s)"
none="" ours="" tcp="" peer=""
i=0
while [ $i -lt "$REPS" ]; do
  n=$(run_load "")
  a=$(run_load "unix:$T/authguard.sock")
  t=$(run_load "inet:127.0.0.1:$AG")
  o=$(run_load "unix:$T/opendkim.sock")
  echo "  repetition $((i + 1)): postfix alone $n/s, authguard $a/s (tcp $t/s), opendkim $o/s"
  none="$none $n" ours="$ours $a" tcp="$tcp $t" peer="$peer $o"
  i=$((i + 1))
done
# The verdicts were real: authguard's history holds the passes it recorded.
if grep -q 'error\|tempfail' "$T/authguard.log" "$T/authguard-inet.log"; then
  echo "authguard logged errors:" >&2; cat "$T/authguard.log" "$T/authguard-inet.log" >&2
fi
python3 - "$none" "$ours" "$tcp" "$peer" <<'EOF'
import statistics, sys
none, ours, tcp, peer = (statistics.median(float(x) for x in a.split()) for a in sys.argv[1:5])
print(f"median messages/s: postfix alone {none:.0f}, authguard {ours:.0f} (tcp {tcp:.0f}), opendkim {peer:.0f}")
print(f"authguard / opendkim = {ours / peer:.2f}; authguard / postfix alone = {ours / none:.2f}; "
      f"opendkim / postfix alone = {peer / none:.2f}")
EOF
