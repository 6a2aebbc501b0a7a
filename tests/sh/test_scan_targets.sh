#!/bin/bash
# scan's target forms on loopback (127.0.0.0/8 answers everywhere): CIDR, octet range,
# --targets-file from a file and from stdin, --exclude and --exclude-file, the union of 4
# shards against the unsharded scan, the default ports, the bad-input cases (exit 2), and
# a UDP reply that does not match --expect. Every scan is bounded (ports, --rate, timeout).
set -u
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }
. "$(dirname "$0")/lib.sh"

# A TCP listener on 127.0.0.1 and a UDP echo on 127.0.0.1 (bounded: 60 s).
python3 -c '
import os, socket, threading, time
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(64)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
open("'"$TMP"'/ports.tmp", "w").write("%d %d" % (t.getsockname()[1], u.getsockname()[1]))
os.rename("'"$TMP"'/ports.tmp", "'"$TMP"'/ports")
def echo():
    while True:
        d, a = u.recvfrom(2048); u.sendto(d, a)
threading.Thread(target=echo, daemon=True).start()
def acc():
    while True:
        c, _ = t.accept(); c.close()
threading.Thread(target=acc, daemon=True).start()
time.sleep(60)' &
PID=$!
i=0
while [ ! -f "$TMP/ports" ]; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "listener did not start"
	sleep 0.1
done
read -r TPORT UPORT <"$TMP/ports"

# addresses (sorted, unique) of a --all-states NDJSON stream
addrs() { python3 -c '
import json, sys
print(" ".join(sorted({json.loads(l)["address"] for l in sys.stdin if l.strip()},
                      key=lambda a: tuple(int(x) for x in a.split(".")))))'; }

# CIDR: every address once per port, open only where the listener is.
"$P" scan 127.0.0.0/29 -p "1,$TPORT" --all-states --ndjson >"$TMP/cidr" || fail "cidr exit $?"
[ "$(wc -l <"$TMP/cidr")" -eq 16 ] || fail "cidr: $(wc -l <"$TMP/cidr") results, want 16"
[ "$(addrs <"$TMP/cidr")" = "127.0.0.0 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7" ] ||
	fail "cidr addresses: $(addrs <"$TMP/cidr")"
[ "$(grep -c '"state":"open"' "$TMP/cidr")" -eq 1 ] || fail "cidr: open count"
grep '"state":"open"' "$TMP/cidr" | grep -q '"address":"127.0.0.1"' || fail "cidr: open on 127.0.0.1"
grep -q '"target":"127.0.0.0/29"' "$TMP/cidr" || fail "cidr: target text"

# Octet range.
"$P" scan 127.0.0-1.1-2 -p 1 --all-states --ndjson >"$TMP/range" || fail "range exit $?"
[ "$(addrs <"$TMP/range")" = "127.0.0.1 127.0.0.2 127.0.1.1 127.0.1.2" ] || fail "range: $(addrs <"$TMP/range")"

# A target file and stdin, with comments and blank lines.
printf '# hosts\n127.0.0.1\n\n  127.0.0.8/31  # two\n' >"$TMP/targets"
"$P" scan --targets-file "$TMP/targets" -p 1 --all-states --ndjson >"$TMP/file" || fail "file exit $?"
[ "$(addrs <"$TMP/file")" = "127.0.0.1 127.0.0.8 127.0.0.9" ] || fail "file: $(addrs <"$TMP/file")"
"$P" scan -iL - -p 1 --all-states --ndjson <"$TMP/targets" >"$TMP/stdin" || fail "stdin exit $?"
[ "$(addrs <"$TMP/stdin")" = "127.0.0.1 127.0.0.8 127.0.0.9" ] || fail "stdin: $(addrs <"$TMP/stdin")"
printf '127.0.0.1\nnot an address\n' >"$TMP/bad"
"$P" scan -iL "$TMP/bad" -p 1 2>"$TMP/err" && fail "bad file accepted"
grep -q "bad:2:" "$TMP/err" || fail "bad file message: $(cat "$TMP/err")"

# Excludes: a list of forms, and a file.
"$P" scan 127.0.0.0/29 --exclude '127.0.0.2, 127.0.0.4-5' -p 1 --all-states --ndjson >"$TMP/ex" ||
	fail "exclude exit $?"
[ "$(addrs <"$TMP/ex")" = "127.0.0.0 127.0.0.1 127.0.0.3 127.0.0.6 127.0.0.7" ] || fail "exclude: $(addrs <"$TMP/ex")"
printf '127.0.0.0/30\n' >"$TMP/exfile"
"$P" scan 127.0.0.0/29 --exclude-file "$TMP/exfile" -p 1 --all-states --ndjson >"$TMP/exf" ||
	fail "exclude-file exit $?"
[ "$(addrs <"$TMP/exf")" = "127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7" ] || fail "exclude-file: $(addrs <"$TMP/exf")"

# Shards: the union of 4 is the unsharded scan, nothing twice.
key() { python3 -c '
import json, sys
print("\n".join(sorted("%s %s" % (r["address"], r["port"]) for r in map(json.loads, sys.stdin))))'; }
"$P" scan 127.0.0.0/26 -p "1-3,$TPORT" --all-states --ndjson --seed 7 | key >"$TMP/all" || fail "unsharded"
: >"$TMP/union"
for i in 1 2 3 4; do
	"$P" scan 127.0.0.0/26 -p "1-3,$TPORT" --all-states --ndjson --seed 7 --shard "$i/4" | key >>"$TMP/union" ||
		fail "shard $i"
	[ -s "$TMP/union" ] || fail "shard $i empty"
done
[ "$(wc -l <"$TMP/all")" -eq 256 ] || fail "unsharded: $(wc -l <"$TMP/all") results"
sort "$TMP/union" | cmp -s - "$TMP/all" || fail "shards' union differs from the unsharded scan"
[ -z "$(sort "$TMP/union" | uniq -d)" ] || fail "a job in two shards"

# Default ports: 1-1024 and every TCP port the services database names.
want=$(python3 -c '
ports = set(range(1, 1025))
for l in open("/etc/services"):
    f = l.split("#")[0].split()
    if len(f) >= 2 and f[1].endswith("/tcp"):
        ports.add(int(f[1].split("/")[0]))
ports.discard(0)
print(len(ports))')
got=$("$P" scan 127.0.0.2 --all-states -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["total"])')
[ "$got" = "$want" ] || fail "default ports: $got results, want $want"

# Bad input: exit 2, one line naming the token.
bad() {
	"$P" scan "$@" -p 1 >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] || fail "scan $* exit $rc, want 2"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "scan $*: $(cat "$TMP/err")"
}
bad fe80::1; grep -q "needs %IFNAME" "$TMP/err" || fail "link-local message: $(cat "$TMP/err")"
bad 'fe80::1%nosuchif0'; grep -q "unknown interface 'nosuchif0'" "$TMP/err" || fail "$(cat "$TMP/err")"
bad 198.18.0.0/7; grep -q "force" "$TMP/err" || fail "2^24 message: $(cat "$TMP/err")"
bad 127.0.0.1 --shard 0/4
bad 127.0.0.1 --shard 5/4
bad 127.0.0.1 --seed x
bad 127.0.0.300
bad 127.0.0.1/33
"$P" scan 127.0.0.1 --exclude 'x y' -p 1 >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad exclude"
"$P" check '[fe80::1]:22' >/dev/null 2>"$TMP/err"; [ $? -eq 2 ] || fail "check link-local without scope"
grep -q "needs %IFNAME" "$TMP/err" || fail "check link-local message: $(cat "$TMP/err")"
"$P" check '[fe80::1%nosuchif0]:22' >/dev/null 2>&1; [ $? -eq 2 ] || fail "check unknown interface"
"$P" check '[fe80::1%lo]:22' --ndjson | grep -q '"address":"fe80::1%lo"' || fail "check lost the scope"
# ... and a scope is kept in the address.
"$P" scan 'fe80::1%lo' -p 1 --all-states --ndjson | grep -q '"address":"fe80::1%lo"' ||
	fail "address lost its scope"

# check --targets-file: a monitoring list of host:port lines, from a file and stdin.
printf '# monitored\n127.0.0.1:%s\n[::1]:1  # closed\n' "$TPORT" >"$TMP/mon"
"$P" check --targets-file "$TMP/mon" --ndjson >"$TMP/c" && fail "check file: [::1]:1 is closed, exit 0"
[ "$(wc -l <"$TMP/c")" -eq 2 ] || fail "check file: $(cat "$TMP/c")"
"$P" check -iL - "127.0.0.1:$TPORT" --ndjson <"$TMP/mon" | grep -c '"state":"open"' | grep -qx 2 ||
	fail "check stdin plus an argument"

# UDP: a reply that does not match --expect is open, reason expect-mismatch, everywhere.
"$P" check "udp://127.0.0.1:$UPORT" --payload hi --expect nope >"$TMP/c" && fail "check mismatch exit 0"
grep -q "expect-mismatch" "$TMP/c" || fail "check table: $(cat "$TMP/c")"
"$P" check "udp://127.0.0.1:$UPORT" --payload hi --expect nope -j | grep -q '"reason": *"expect-mismatch"' ||
	fail "check json reason"
"$P" check "udp://127.0.0.1:$UPORT" --payload hi --expect hi --ndjson | grep -q '"reason":"expect-matched"' ||
	fail "check ndjson match reason"
"$P" scan -u 127.0.0.1 -p "$UPORT" --payload hi --expect nope --ndjson >"$TMP/s" || fail "scan mismatch exit $?"
grep -q '"state":"open".*"reason":"expect-mismatch"' "$TMP/s" || fail "scan ndjson: $(cat "$TMP/s")"
echo "ok: CIDR, range, file, stdin, excludes, 4 shards, default ports, bad input, expect-mismatch"
