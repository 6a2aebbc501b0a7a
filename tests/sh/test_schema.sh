#!/bin/sh
# Real output of every command, validated against its JSON Schema in docs/schema (python3
# with python3-jsonschema): list, check, scan (and its --progress=ndjson), audit (and --init), watch and serve's log on
# loopback against sockets this test opens, TLS results against openssl s_server;
# broadcast in a pair of network namespaces on 198.18.0.0/15 with serve on the far side
# (root only; skipped with a message otherwise); host discovery's records on loopback.
# Every schema must also refuse a record that breaks it, so a schema that accepts anything
# fails here too. Every run is bounded by timeout.
set -u
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
here=$(cd "$(dirname "$0")" && pwd)
check="$here/schema_check.py"
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
python3 -c 'from jsonschema import Draft202012Validator' 2>/dev/null ||
	{ echo "skip: python3-jsonschema (draft 2020-12) not installed"; exit 77; }
[ -x "$bin" ] || { echo "FAIL: no $bin"; exit 1; }

tmp=$(mktemp -d)
id=$$
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	ns_del "pss$id-p" "pss$id-s"
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/netns_lib.sh"
# valid SCHEMA FILE [ndjson [MIN]]; invalid SCHEMA FILE [ndjson]: the schema must refuse
# it. Checks are collected and run in one python3 at the end (each start costs ~0.3 s).
valid() { echo "valid $*" >>"$tmp/checks"; }
invalid() { echo "invalid $*" >>"$tmp/checks"; }
validate() { python3 "$check" --list "$tmp/checks" || fail "output does not match docs/schema"; }
run() { timeout -k 2 20 "$bin" "$@"; }

# Loopback sockets held for at most 60 s by a process whose name needs escaping (a
# control character and a non-ASCII letter): a TCP listener with one connection accepted,
# a bound UDP socket, a free port (closed) and one for watch to see open and close.
timeout -k 2 60 python3 -c '
import ctypes, socket, sys, time
ctypes.CDLL(None).prctl(15, b"ps-sch\x1bem\xc3\xa9", 0, 0, 0)  # PR_SET_NAME
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(8)
c = socket.create_connection(t.getsockname()); a, _ = t.accept()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
f = socket.socket(); f.bind(("127.0.0.1", 0)); free = f.getsockname()[1]; f.close()
w = socket.socket(); w.bind(("127.0.0.1", 0)); later = w.getsockname()[1]; w.close()
with open(sys.argv[1] + "/ports.tmp", "w") as o:
    o.write("%d %d %d %d\n" % (t.getsockname()[1], u.getsockname()[1], free, later))
import os; os.rename(sys.argv[1] + "/ports.tmp", sys.argv[1] + "/ports")
time.sleep(60)' "$tmp" &
pids="$pids $!"
i=0
until [ -s "$tmp/ports" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "loopback sockets did not open"; sleep 0.1
done
read -r tport uport closed later <"$tmp/ports"

# list: the document and the stream, every state (the accepted pair has a peer).
run list -a -o json >"$tmp/list.json" || fail "list -o json exit $?"
valid list.json "$tmp/list.json"
run list -a --ndjson >"$tmp/list.ndjson" || fail "list --ndjson exit $?"
valid socket.json "$tmp/list.ndjson" ndjson 3
run list -u --port "$uport" -o json >"$tmp/list-u.json" || fail "list -u exit $?"
valid list.json "$tmp/list-u.json"

# addrs: the interfaces of this host, the listeners reachable at each address.
run addrs -o json >"$tmp/addrs.json" || fail "addrs -o json exit $?"
valid addrs.json "$tmp/addrs.json"
run addrs --ndjson >"$tmp/addrs.ndjson" || fail "addrs --ndjson exit $?"
valid interface.json "$tmp/addrs.ndjson" ndjson 1

# check: open, closed, UDP closed, a name that does not resolve.
run check -o json "127.0.0.1:$tport" "127.0.0.1:$closed" "udp://127.0.0.1:$closed" \
	no-such-host.invalid:80 >"$tmp/check.json"
rc=$?
[ $rc = 1 ] || fail "check -o json: exit $rc, expected 1"
valid check.json "$tmp/check.json"
run check --ndjson --timeout 300 "tcp://127.0.0.1:$tport" "udp://127.0.0.1:$uport" \
	"[::1]:$closed" >"$tmp/check.ndjson"
valid result.json "$tmp/check.ndjson" ndjson 3

# scan: a range with every state shown and an unresolved host; a stream; UDP.
run scan 127.0.0.1 no-such-host.invalid -p "1-64,$tport" --all-states -o json >"$tmp/scan.json"
valid scan.json "$tmp/scan.json"
run scan 127.0.0.1 -p "$tport,$closed" --all-states --ndjson >"$tmp/scan.ndjson" ||
	fail "scan --ndjson exit $?"
valid result.json "$tmp/scan.ndjson" ndjson 2
run scan -u 127.0.0.1 -p "$uport,$closed" --all-states --timeout 300 --ndjson >"$tmp/scan-u.ndjson"
valid result.json "$tmp/scan-u.ndjson" ndjson 2
# The status lines of --progress=ndjson (stderr): one a second, then the final one.
run scan 127.0.0.1 -p 1-300 --rate 200 --progress=ndjson -o json >/dev/null \
	2>"$tmp/progress.ndjson" || fail "scan --progress=ndjson exit $?"
valid scan-progress.json "$tmp/progress.ndjson" ndjson 2
# A CIDR with a scoped literal (the address keeps %lo), and a scan stopped by SIGINT.
run scan 127.0.0.0/30 'fe80::1%lo' -p "$tport" --all-states -o json >"$tmp/scan-cidr.json"
valid scan.json "$tmp/scan-cidr.json"
timeout --foreground --preserve-status -s INT 1 "$bin" scan 127.0.0.1 -p 1-2000 --rate 200 --all-states -o json \
	>"$tmp/scan-int.json"
[ $? = 130 ] || fail "interrupted scan: exit, expected 130"
grep -q '"interrupted": true' "$tmp/scan-int.json" || fail "interrupted scan: summary"
valid scan.json "$tmp/scan-int.json"
# Host discovery (loopback answers everywhere): the discover document and records, up only
# and with every host; the per-host summary of a scan that ran discovery.
run scan 127.0.0.1-3 --discover-only -o json >"$tmp/discover.json" || fail "scan -sn -o json exit $?"
valid discover.json "$tmp/discover.json"
run scan 127.0.0.0/30 no-such-host.invalid -sn --all-states --ndjson >"$tmp/discover.ndjson"
valid host.json "$tmp/discover.ndjson" ndjson 5
run scan 127.0.0.1-2 -p "$tport,$closed" -o json >"$tmp/scan-hosts.json" || fail "scan hosts exit $?"
valid scan.json "$tmp/scan-hosts.json"

# TLS: a verified handshake, a failed verification and a closed port in one scan; a check
# document with the tls object (certificates made at run time, openssl s_server).
if command -v openssl >/dev/null 2>&1; then
	. "$here/tls_lib.sh"
	tls_certs
	tls_server good
	run scan 127.0.0.1 -p "$port,$closed" --tls --ca "$certs/ca.pem" --all-states --ndjson \
		>"$tmp/scan-tls.ndjson" || fail "scan --tls exit $?"
	valid result.json "$tmp/scan-tls.ndjson" ndjson 2
	run check -o json "tls://127.0.0.1:$port" "tls://localhost:$port" --ca "$certs/ca.pem" \
		>"$tmp/check-tls.json"
	valid check.json "$tmp/check-tls.json"
	python3 -c '
import json, sys
d = sys.argv[1]
x = json.load(open(d + "/check-tls.json")); x["results"][0]["tls"]["verify"] = "fine"
json.dump(x, open(d + "/bad-tls1.json", "w"))
x = json.load(open(d + "/check-tls.json")); del x["results"][0]["tls"]["days_left"]
json.dump(x, open(d + "/bad-tls2.json", "w"))
x = json.loads(open(d + "/scan-tls.ndjson").readline()); del x["tls"]
open(d + "/bad-tls3.ndjson", "w").write(json.dumps(x) + "\n")
' "$tmp" || fail "tls mutations"
	invalid check.json "$tmp/bad-tls1.json"
	invalid check.json "$tmp/bad-tls2.json"
	invalid result.json "$tmp/bad-tls3.ndjson" ndjson
fi

# audit: one allowed listener, the others unexpected, two rules missing; --init's policy.
printf '%s\n' '{' \
	'  "allow": [ {"proto": "tcp", "address": "127.0.0.1", "port": '"$tport"',' \
	'              "exposure": "loopback"} ],' \
	'  "require": [ {"proto": "tcp", "port": 1, "comment": "nobody"},' \
	'               {"family": "ipv6", "port": "ssh", "user": 0, "command": "nothing"} ]' \
	'}' >"$tmp/policy.json"
valid policy.json "$tmp/policy.json"
run audit --policy "$tmp/policy.json" -o json >"$tmp/audit.json"
rc=$?
[ $rc = 1 ] || fail "audit: exit $rc, expected 1 (findings)"
valid audit.json "$tmp/audit.json"
run audit --policy "$tmp/policy.json" --ndjson >"$tmp/audit.ndjson"
valid finding.json "$tmp/audit.ndjson" ndjson 2
run audit --init >"$tmp/init.json" || fail "audit --init exit $?"
valid policy.json "$tmp/init.json"

# watch: the current listener, then one opened and closed while it polls.
run watch --initial --port "$tport" --count 1 -o ndjson >"$tmp/watch0.ndjson" ||
	fail "watch --initial exit $?"
valid watch-event.json "$tmp/watch0.ndjson" ndjson 1
run watch -t --port "$later" --interval 50 --count 2 --duration 5000 -o ndjson \
	>"$tmp/watch.ndjson" &
wpid=$!
sleep 0.5
timeout 10 python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(0.5)' "$later" ||
	fail "listener for watch"
wait $wpid || fail "watch exit $?"
valid watch-event.json "$tmp/watch.ndjson" ndjson 2

# serve's NDJSON log on stderr, for a TCP and a UDP peer; SIGINT ends it with status 0.
# The INT comes once the check is done; timeout (which passes it on) only bounds a hang,
# with room for a sanitizer build's exit on a loaded machine.
timeout --foreground -k 10 -s INT --preserve-status 60 "$bin" serve --bind 127.0.0.1 --tcp "$closed" \
	--udp "$closed" --ndjson 2>"$tmp/serve.ndjson" &
spid=$!
i=0
until grep -q '"udp"' "$tmp/serve.ndjson" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "serve did not start"; sleep 0.1
done
run check --banner "127.0.0.1:$closed" "udp://127.0.0.1:$closed" --ndjson >"$tmp/served.ndjson" ||
	fail "check against serve exit $?"
valid result.json "$tmp/served.ndjson" ndjson 2
kill -INT $spid
wait $spid || fail "serve exit $?"
valid serve-log.json "$tmp/serve.ndjson" ndjson 4

# The exporter's NDJSON log: listening, requests (served and refused), stopping.
if command -v curl >/dev/null 2>&1; then
	xport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	timeout -k 2 20 "$bin" exporter --listen "127.0.0.1:$xport" --log-requests --ndjson \
		2>"$tmp/exporter.ndjson" &
	xpid=$!
	i=0
	until curl -sf -o /dev/null "http://127.0.0.1:$xport/-/healthy"; do
		i=$((i + 1)); [ $i -gt 50 ] && fail "the exporter did not start"; sleep 0.1
	done
	curl -s -o /dev/null "http://127.0.0.1:$xport/probe?target=127.0.0.1:$xport&module=tcp"
	curl -s -o /dev/null "http://127.0.0.1:$xport/probe?target=198.18.0.1:1&module=tcp"
	curl -s -o /dev/null "http://127.0.0.1:$xport/probe?target=%1b:1&module=tcp"
	kill -TERM $(cat "/proc/$xpid/task/$xpid/children") 2>/dev/null
	wait "$xpid" || fail "exporter exit $?"
	valid exporter-log.json "$tmp/exporter.ndjson" ndjson 6
	printf '{"time": "2026-01-01T00:00:00Z", "event": "request"}\n' >"$tmp/bad-exporter1.ndjson"
	invalid exporter-log.json "$tmp/bad-exporter1.ndjson" ndjson
fi

# Each schema refuses what breaks it: an extra field, a wrong enum, a missing field.
python3 -c '
import json, sys
d = sys.argv[1]
def load(n):
    return json.load(open(d + "/" + n))
def line(n, i):
    return [json.loads(l) for l in open(d + "/" + n) if l.strip()][i]
def put(n, v):
    with open(d + "/bad-" + n, "w") as f:
        f.write(json.dumps(v) + "\n")
x = load("list.json"); x["sockets"][0]["pid"] = 1; put("list1.json", x)
x = load("list.json"); x["summary"]["proto"]["sctp"] = 0; put("list2.json", x)
x = line("list.ndjson", 0); x["state"] = "LISTEN"; put("socket1.ndjson", x)
x = line("list.ndjson", 0); del x["processes"]; put("socket2.ndjson", x)
x = line("list.ndjson", 0); x["accepts"] = ["inet"]; put("socket3.ndjson", x)
x = line("list.ndjson", 0); x["container"] = {"id": "abc"}; put("socket4.ndjson", x)
x = line("list.ndjson", 0); del x["unit"]; put("socket5.ndjson", x)
x = load("addrs.json"); x["interfaces"][0]["addresses"] = {}; put("addrs1.json", x)
x = line("addrs.ndjson", 0); del x["mtu"]; put("interface1.ndjson", x)
x = load("check.json"); x["results"][0]["port"] = 0; put("check1.json", x)
x = load("check.json"); x["schema"] = "portscope.scan/1"; put("check2.json", x)
x = load("scan.json"); del x["summary"]["open|filtered"]; put("scan1.json", x)
x = line("scan.ndjson", 0); x["state"] = "open/filtered"; put("result1.ndjson", x)
x = load("scan-hosts.json"); x["hosts"][0]["state"] = "unknown"; put("scan2.json", x)
x = load("scan-hosts.json"); del x["hosts"][0]["ports"]["open"]; put("scan3.json", x)
x = load("discover.json"); x["hosts"][0]["rtt_ms"] = None; put("discover1.json", x)
x = load("discover.json"); del x["summary"]["hosts_up"]; put("discover2.json", x)
x = line("discover.ndjson", 0); x["state"] = "alive"; put("host1.ndjson", x)
x = line("discover.ndjson", 0); x["reason"] = "no-response"; put("host2.ndjson", x)
x = line("scan.ndjson", 0); x["family"] = "inet"; put("result2.ndjson", x)
x = load("audit.json"); x["findings"][0]["kind"] = "extra"; put("audit1.json", x)
x = line("audit.ndjson", -1); x["socket"] = None; x["rule"] = None; put("finding1.ndjson", x)
x = load("init.json"); x["deny"] = []; put("policy1.json", x)
x = line("watch.ndjson", 0); x["event"] = "changed"; put("watch1.ndjson", x)
x = line("watch.ndjson", 0); x["time"] = "2026-01-01T00:00:00Z"; put("watch2.ndjson", x)
x = line("serve.ndjson", -1); del x["answered"]; put("serve1.ndjson", x)
x = line("serve.ndjson", 0); x["remote_port"] = 1; put("serve2.ndjson", x)
x = line("progress.ndjson", 0); del x["eta_s"]; put("progress1.ndjson", x)
' "$tmp" || fail "mutations"
for bad in list1.json:list.json list2.json:list.json socket1.ndjson:socket.json \
	socket2.ndjson:socket.json socket3.ndjson:socket.json socket4.ndjson:socket.json \
	socket5.ndjson:socket.json addrs1.json:addrs.json interface1.ndjson:interface.json \
	check1.json:check.json check2.json:check.json \
	scan1.json:scan.json result1.ndjson:result.json result2.ndjson:result.json \
	scan2.json:scan.json scan3.json:scan.json discover1.json:discover.json \
	discover2.json:discover.json host1.ndjson:host.json host2.ndjson:host.json \
	audit1.json:audit.json finding1.ndjson:finding.json policy1.json:policy.json \
	watch1.ndjson:watch-event.json watch2.ndjson:watch-event.json \
	serve1.ndjson:serve-log.json serve2.ndjson:serve-log.json \
	progress1.ndjson:scan-progress.json; do
	f=${bad%%:*}
	case $f in *.ndjson) invalid "${bad#*:}" "$tmp/bad-$f" ndjson ;;
	*) invalid "${bad#*:}" "$tmp/bad-$f" ;; esac
done

# broadcast: a pair of namespaces joined by a veth, 198.18.7.1/24 (the prober) and
# 198.18.7.2/24 (serve), nothing else on the link.
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1; then
	validate
	echo "broadcast: skipped, needs root and ip (iproute2) for network namespaces"
	exit 0
fi
p="pss$id-p" s="pss$id-s"
if ! ns_add "$p" "$s"; then
	validate
	echo "broadcast: skipped, cannot create network namespaces"
	exit 0
fi
ns_veth "$p" "pss$id" "198.18.7.1/24 broadcast 198.18.7.255" \
	"$s" "pss${id}s" "198.18.7.2/24 broadcast 198.18.7.255" || fail "veth"
ip netns exec "$s" timeout --foreground -k 2 -s INT --preserve-status 20 "$bin" serve --udp 7000 --ndjson \
	--answer-broadcast 2>"$tmp/serve-ns.ndjson" &
pids="$pids $!"
i=0
until grep -q '"udp"' "$tmp/serve-ns.ndjson" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "serve in $s did not start"; sleep 0.1
done
ip netns exec "$p" timeout -k 2 20 "$bin" broadcast --port 7000 --wait 500 -o json \
	>"$tmp/broadcast.json" || fail "broadcast -o json exit $?"
valid broadcast.json "$tmp/broadcast.json"
ip netns exec "$p" timeout -k 2 20 "$bin" broadcast --port 7000 --wait 500 --ndjson \
	>"$tmp/broadcast.ndjson" || fail "broadcast --ndjson exit $?"
valid broadcast-result.json "$tmp/broadcast.ndjson" ndjson 1
python3 -c '
import json, sys
d = sys.argv[1]
x = json.load(open(d + "/broadcast.json")); del x["results"][0]["reply_bytes"]
json.dump(x, open(d + "/bad-broadcast1.json", "w"))
x = json.load(open(d + "/broadcast.json")); x["summary"]["hosts"] = 1
json.dump(x, open(d + "/bad-broadcast2.json", "w"))
' "$tmp" || fail "broadcast mutations"
invalid broadcast.json "$tmp/bad-broadcast1.json"
invalid broadcast.json "$tmp/bad-broadcast2.json"
# serve's log with the broadcast peers in it.
valid serve-log.json "$tmp/serve-ns.ndjson" ndjson 3
validate
exit 0
