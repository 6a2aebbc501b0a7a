#!/bin/sh
# list, audit and watch with --netns: a namespace made here holds one TCP and one UDP
# listener (python3 inside it); portscope, outside, must see exactly those, with their
# owner found through this host's /proc. Needs root (ip netns add).
set -u
P=${PORTSCOPE:-build/portscope}
case $P in /*) ;; *) P=$PWD/$P ;; esac
[ "$(id -u)" = 0 ] || { echo "skip: needs root for ip netns add"; exit 77; }
command -v ip >/dev/null 2>&1 || { echo "skip: no ip (iproute2)"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }

NS=psm-ns-$$
TMP=$(mktemp -d)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

ip netns add "$NS" || { echo "skip: ip netns add failed (no permission for namespaces?)"; exit 77; }
ip -n "$NS" link set lo up || fail "lo up"
# Bounded: the listener exits by itself after 30 s even if the trap never runs.
ip netns exec "$NS" python3 -c '
import socket, time
t = socket.socket(); t.bind(("127.0.0.1", 8080)); t.listen(4)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 5353))
open("'"$TMP"'/ready", "w").close()
time.sleep(30)' &
PID=$!
i=0
while [ ! -f "$TMP/ready" ]; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "listener in $NS did not start"
	sleep 0.1
done

# list: exactly the two sockets of the namespace, owned by python3 (a host PID).
"$P" list --netns "$NS" -o json >"$TMP/list.json" || fail "list --netns exit $?"
python3 - "$TMP/list.json" <<'PY' || fail "list --netns content"
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((s["proto"], s["local_address"], s["local_port"]) for s in d["sockets"])
assert got == [("tcp", "127.0.0.1", 8080), ("udp", "0.0.0.0", 5353)], got
for s in d["sockets"]:
    assert [p["command"] for p in s["processes"]] == ["python3"], s
PY

# audit: --init inside the namespace round-trips to a clean audit; an empty allow list
# finds both; a require rule for a port only the host has is missing.
"$P" audit --init --netns "$NS" >"$TMP/policy.json" || fail "audit --init exit $?"
"$P" audit --netns "$NS" --policy "$TMP/policy.json" >"$TMP/out" || fail "audit not clean: $(cat "$TMP/out")"
echo '{"allow": [], "require": [{"proto": "tcp", "port": 1}]}' >"$TMP/empty.json"
"$P" audit --netns "$NS" --policy "$TMP/empty.json" -o json >"$TMP/audit.json"
rc=$?
[ $rc = 1 ] || fail "audit with findings exit $rc"
python3 - "$TMP/audit.json" <<'PY' || fail "audit --netns findings"
import json, sys
d = json.load(open(sys.argv[1]))
kinds = sorted(f["kind"] for f in d["findings"])
assert kinds == ["missing", "unexpected", "unexpected"], kinds
PY

# watch: --initial reports the namespace's listeners as opened, then --count ends it.
"$P" watch --netns "$NS" --initial --count 2 --interval 50 --duration 5000 -o ndjson \
	>"$TMP/watch" || fail "watch exit $?"
[ "$(grep -c '"event":"opened"' "$TMP/watch")" = 2 ] || fail "watch: $(cat "$TMP/watch")"
grep -q '"local_port":8080' "$TMP/watch" || fail "watch: no 8080"

# A namespace that does not exist is bad input.
"$P" list --netns psm-no-such-ns-$$ >/dev/null 2>"$TMP/err"
rc=$?
[ $rc = 2 ] || fail "missing namespace exit $rc"
grep -q "psm-no-such-ns-$$" "$TMP/err" || fail "message does not name the namespace"
# A FIFO where a namespace should be: refused at once (exit 2), not a hang on open.
mkfifo "/run/netns/psm-fifo-$$" || fail "mkfifo"
timeout 5 "$P" list --netns "psm-fifo-$$" >/dev/null 2>"$TMP/err"
rc=$?
rm -f "/run/netns/psm-fifo-$$"
[ $rc = 2 ] || fail "FIFO at /run/netns: exit $rc (124: it hung)"
grep -q "not a network namespace" "$TMP/err" || fail "FIFO: $(cat "$TMP/err")"
exit 0
