#!/bin/sh
# Namespaces reached by name, by path and by pid:, and --all-netns. Three namespaces made
# here each hold a listener on port 7101, 7102, 7103: A named (ip netns add), B a process's
# own (unshare -n, reached as /proc/PID/ns/net and pid:PID), C pinned by a bind mount at a
# path of its own (as Docker pins its namespaces under /run/docker/netns). A also holds a
# dual-stack [::]:7104. --all-netns must find each listener once with its netns field;
# check and scan probe from inside a namespace. Needs root.
set -u
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ "$(id -u)" = 0 ] || { echo "skip: needs root for network namespaces"; exit 77; }
for t in ip unshare python3 mount; do
	command -v $t >/dev/null 2>&1 || { echo "skip: no $t"; exit 77; }
done
A=psa-$$
tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	umount "$tmp/c-ns" 2>/dev/null
	ip netns del "$A" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
run() { timeout -k 2 20 "$bin" "$@"; }

# serve PORT... : listeners (a port written "6:N" is a dual-stack [::]:N) for at most 60 s,
# then "$tmp/ready-$1" and the process's pid in "$tmp/pid-$1".
listener='
import socket, sys, os, time
keep = []
for p in sys.argv[2:]:
    if p.startswith("6:"):
        s = socket.socket(socket.AF_INET6); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", int(p[2:])))
    else:
        s = socket.socket(); s.bind(("127.0.0.1", int(p)))
    s.listen(4); keep.append(s)
open(sys.argv[1] + "/pid-" + sys.argv[2], "w").write(str(os.getpid()))
open(sys.argv[1] + "/ready-" + sys.argv[2], "w").close()
time.sleep(60)'
wait_ready() {
	i=0
	until [ -e "$tmp/ready-$1" ]; do
		i=$((i + 1)); [ $i -gt 100 ] && fail "listener $1 did not start"; sleep 0.1
	done
}
ip netns add "$A" || { echo "skip: ip netns add failed"; exit 77; }
ip -n "$A" link set lo up || fail "lo up in $A"
ip netns exec "$A" timeout -k 2 60 python3 -c "$listener" "$tmp" 7101 6:7104 &
pids="$pids $!"
timeout -k 2 60 unshare -n sh -c 'ip link set lo up && exec python3 -c "$1" "$2" 7102' sh \
	"$listener" "$tmp" &
pids="$pids $!"
timeout -k 2 60 unshare -n sh -c 'ip link set lo up && exec python3 -c "$1" "$2" 7103' sh \
	"$listener" "$tmp" &
pids="$pids $!"
for p in 7101 7102 7103; do wait_ready $p; done
bpid=$(cat "$tmp/pid-7102") cpid=$(cat "$tmp/pid-7103")
touch "$tmp/c-ns" && mount --bind "/proc/$cpid/ns/net" "$tmp/c-ns" || fail "bind mount of C"

# ports SPEC ARGS...: the local ports list --ndjson shows, sorted, one a line.
ports() { run list -t -n --ndjson "$@" | sed 's/.*"local_port":\([0-9]*\),.*/\1/' | sort -n; }
[ "$(ports --netns "$A" --port 7101-7104 | tr '\n' ' ')" = "7101 7104 " ] || fail "--netns NAME"
[ "$(ports --netns "/run/netns/$A" --port 7101-7104 | tr '\n' ' ')" = "7101 7104 " ] ||
	fail "--netns /run/netns/NAME"
[ "$(ports --netns "/proc/$bpid/ns/net" --port 7101-7104)" = 7102 ] || fail "--netns /proc/PID/ns/net"
[ "$(ports --netns "pid:$bpid" --port 7101-7104)" = 7102 ] || fail "--netns pid:PID"
[ "$(ports --netns "$tmp/c-ns" --port 7101-7104)" = 7103 ] || fail "--netns PATH (bind mount)"
run list --netns pid:0 >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "pid:0" "$tmp/err" || fail "--netns pid:0: exit $rc $(cat "$tmp/err")"
run list --netns "$tmp" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "not a network namespace" "$tmp/err" || fail "--netns DIR: exit $rc"

# --all-netns: each listener once, with the right namespace.
run list -t --all-netns --port 7101-7104 -o json >"$tmp/all.json" || fail "--all-netns exit $?"
python3 - "$tmp/all.json" "$A" "$bpid" "$cpid" <<'PY' || fail "--all-netns records"
import json, os, sys
socks = json.load(open(sys.argv[1]))["sockets"]
name, bpid, cpid = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ports = sorted(s["local_port"] for s in socks)
assert ports == [7101, 7102, 7103, 7104], ports
by = {s["local_port"]: s for s in socks}
assert by[7101]["netns"]["name"] == name and by[7104]["netns"]["name"] == name, by[7101]
ino = lambda pid: os.stat("/proc/%d/ns/net" % pid).st_ino
assert by[7102]["netns"]["inode"] == ino(bpid) and by[7102]["netns"]["name"] is None, by[7102]
assert by[7103]["netns"]["inode"] == ino(cpid), by[7103]
assert by[7102]["netns"]["pid"] is not None
assert len({by[p]["netns"]["inode"] for p in (7101, 7102, 7103)}) == 3
d = by[7104]
assert d["family"] == "ipv6" and d["v6only"] is False and d["accepts"] == ["ipv4", "ipv6"], d
assert by[7101]["accepts"] == ["ipv4"]
PY
run list -t --all-netns --port 7101-7104 | grep -q "^$A " || fail "the table's NETNS column"
run list --all-netns --netns "$A" >/dev/null 2>&1 && fail "--all-netns with --netns"

# audit and watch take --all-netns; a family ipv4 rule covers the dual-stack listener.
printf '{"allow": [{"port": "7101-7104"}], "require": [{"port": 7104, "family": "ipv4"}]}\n' \
	>"$tmp/policy.json"
run audit -t --all-netns --port 7101-7104 --policy "$tmp/policy.json" -o json >"$tmp/audit" ||
	fail "audit --all-netns: exit $? $(cat "$tmp/audit")"
printf '{"allow": [{"port": "7101-7103"}, {"port": 7104, "family": "ipv6"}]}\n' >"$tmp/p2.json"
run audit -t --all-netns --port 7101-7104 --policy "$tmp/p2.json" -o json >"$tmp/audit" ||
	fail "audit --all-netns (ipv6 rule): exit $?"
run watch -t --all-netns --port 7101-7104 --initial --count 4 -o ndjson >"$tmp/watch" ||
	fail "watch --all-netns exit $?"
[ "$(grep -c '"netns":{' "$tmp/watch")" = 4 ] || fail "watch events: $(cat "$tmp/watch")"

# check and scan from inside a namespace: A's listener answers there, B's does not.
run check --netns "$A" 127.0.0.1:7101 >/dev/null || fail "check --netns $A 7101"
run check --netns "pid:$bpid" --timeout 300 127.0.0.1:7101 >/dev/null && fail "check in B found A's port"
run check --netns "pid:$bpid" 127.0.0.1:7102 >/dev/null || fail "check --netns pid: 7102"
n=$(run scan --netns "$tmp/c-ns" 127.0.0.1 -p 7101-7104 --ndjson | grep -c '"state":"open"')
[ "$n" = 1 ] || fail "scan --netns PATH: $n open ports, expected 1 (7103)"
echo "ok: namespaces by name, path and pid:, --all-netns over three, check and scan inside"
exit 0
