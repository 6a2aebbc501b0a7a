#!/bin/sh
# Owners from cgroups: two listeners started inside cgroups this test makes under the
# cgroup v2 mount (portscope-test.slice/fake-web.service and
# system.slice/docker-<64 hex>.scope) show their unit and container in list, as root and as
# an unprivileged user (who sees no process of a root socket, but still its unit); the UNIT
# column of list, audit and watch tables, --unit, --container, audit rules on unit and
# container, the prom unit label.
set -u
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ "$(id -u)" = 0 ] || { echo "skip: needs root to make cgroups"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }
command -v setpriv >/dev/null || { echo "skip: setpriv (util-linux) missing"; exit 77; }
mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$mnt" ] || { echo "skip: cgroup v2 is not mounted"; exit 77; }
cid=$(printf '%s' "portscope-test-$$" | sha256sum | cut -c1-64)
web="$mnt/portscope-test.slice/fake-web.service"
box="$mnt/system.slice/docker-$cid.scope"
made_sys=no
[ -d "$mnt/system.slice" ] || made_sys=yes
tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rmdir "$web" "$mnt/portscope-test.slice" "$box" 2>/dev/null
	[ $made_sys = yes ] && rmdir "$mnt/system.slice" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$web" "$box" || { echo "skip: cannot make cgroups under $mnt"; exit 77; }

# listen DIR NAME: a loopback listener created after its process moved into DIR (a socket
# takes the cgroup of the process that makes it); its port lands in $tmp/NAME.
listen() {
	sh -c 'echo $$ >"$1/cgroup.procs" && exec timeout -k 2 60 python3 -c "
import socket, sys, time, os
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind((\"::\", 0)); s.listen(4)
open(sys.argv[1] + \".tmp\", \"w\").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + \".tmp\", sys.argv[1]); time.sleep(60)" "$2"' sh "$1" "$tmp/$2" &
	pids="$pids $!"
}
listen "$web" web || fail "listener in $web"
listen "$box" box || fail "listener in $box"
i=0
until [ -s "$tmp/web" ] && [ -s "$tmp/box" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "listeners in cgroups did not start"; sleep 0.1
done
wport=$(cat "$tmp/web") bport=$(cat "$tmp/box")

# check AS... : list both ports as JSON (as root, or through setpriv as nobody) and check
# the owner fields.
check() {
	"$@" timeout -k 2 20 "$bin" list -t --port "$wport,$bport" -o json >"$tmp/list.json" ||
		fail "list ($*) exit $?"
	python3 - "$tmp/list.json" "$wport" "$bport" "$cid" "$1" <<'PY' || fail "owner fields ($*)"
import json, sys
doc = json.load(open(sys.argv[1]))
web, box, cid = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
by = {s["local_port"]: s for s in doc["sockets"]}
assert set(by) == {web, box}, by
w, b = by[web], by[box]
assert w["cgroup"].endswith("/portscope-test.slice/fake-web.service"), w
assert w["unit"] == "fake-web.service" and w["container"] is None, w
assert b["cgroup"].endswith("/system.slice/docker-%s.scope" % cid), b
assert b["container"] == {"runtime": "docker", "id": cid}, b
assert b["unit"] is None, b
for s in (w, b):
    assert s["accepts"] == ["ipv4", "ipv6"], s
if sys.argv[5] == "setpriv":
    assert w["processes"] == [] and b["processes"] == [], "nobody sees no owner process"
PY
}
check env
if python3 -c 'from jsonschema import Draft202012Validator' 2>/dev/null; then
	python3 "$(dirname "$0")/schema_check.py" list.json "$tmp/list.json" ||
		fail "list with unit and container does not match docs/schema"
fi
check setpriv --reuid=65534 --regid=65534 --clear-groups

# The table's UNIT column: the unit, else the container id cut to 12 characters.
run() { timeout -k 2 20 "$bin" "$@"; }
run list -t --port "$wport,$bport" >"$tmp/table" || fail "list table"
grep -q '^PROTO .* UNIT  *PROCESS$' "$tmp/table" || fail "no UNIT column: $(cat "$tmp/table")"
grep -q "fake-web.service" "$tmp/table" || fail "unit not in the table"
short=$(printf '%s' "$cid" | cut -c1-12)
grep -q " $short " "$tmp/table" || fail "short container id not in the table"
grep -q "$cid" "$tmp/table" && fail "the table shows the whole container id"

# Filters.
n=$(run list -t --unit fake-web --ndjson | grep -c "\"local_port\":$wport,")
[ "$n" = 1 ] || fail "--unit fake-web: $n records for $wport"
run list -t --unit fake-web --ndjson | grep -q "\"local_port\":$bport," && fail "--unit kept $bport"
n=$(run list -t --container "$short" --ndjson | grep -c "\"local_port\":$bport,")
[ "$n" = 1 ] || fail "--container $short: $n records"
[ "$(run list -t --container "$short" --ndjson | wc -l)" = 1 ] || fail "--container kept others"

# Audit rules on unit and container; a family ipv4 rule covers the dual-stack listeners.
printf '{"allow": [{"unit": "fake-web.service", "family": "ipv4"}, {"container": "%s"}],
 "require": [{"unit": "fake-web"}, {"container": "%s", "family": "ipv4"}]}\n' \
	"$short" "$cid" >"$tmp/policy.json"
run audit -t --port "$wport,$bport" --policy "$tmp/policy.json" -o json >"$tmp/audit.json" ||
	fail "audit with unit and container rules: exit $? $(cat "$tmp/audit.json")"
printf '{"allow": [{"unit": "other.service"}]}\n' >"$tmp/policy2.json"
run audit -t --port "$wport,$bport" --policy "$tmp/policy2.json" --ndjson >"$tmp/audit2" &&
	fail "audit: a unit rule matched another unit"
[ "$(grep -c unexpected "$tmp/audit2")" = 2 ] || fail "audit: $(cat "$tmp/audit2")"
# audit's table has list's UNIT column too.
run audit -t --port "$wport,$bport" --policy "$tmp/policy2.json" >"$tmp/audit3" &&
	fail "audit table: a unit rule matched another unit"
grep -q '^KIND .* UNIT  *PROCESS  *RULE$' "$tmp/audit3" || fail "audit: no UNIT: $(cat "$tmp/audit3")"
grep -q " fake-web.service " "$tmp/audit3" || fail "audit table without the unit"
grep -q " $short " "$tmp/audit3" || fail "audit table without the short container id"

# Prometheus: the unit label.
run list -t --port "$wport" -o prom | grep -q "unit=\"fake-web.service\"} 1" ||
	fail "prom has no unit label"
# watch events carry the owner fields.
run watch -t --initial --port "$bport" --count 1 -o ndjson >"$tmp/watch" || fail "watch exit $?"
grep -q "\"container\":{\"runtime\":\"docker\",\"id\":\"$cid\"}" "$tmp/watch" ||
	fail "watch event without its container: $(cat "$tmp/watch")"
# and watch's, its columns fixed by the listeners it starts with.
run watch -t --initial --port "$wport" --count 1 >"$tmp/watch2" || fail "watch table exit $?"
grep -q '^TIME .* UNIT  *PROCESS$' "$tmp/watch2" || fail "watch: no UNIT: $(cat "$tmp/watch2")"
grep -q " fake-web.service " "$tmp/watch2" || fail "watch table without the unit"
echo "ok: unit and container from cgroups under $mnt, as root and as nobody"
exit 0
