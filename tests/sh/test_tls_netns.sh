#!/bin/sh
# TLS across a veth between two network namespaces (198.18.9.1, the prober, and 198.18.9.2,
# two openssl s_server with certificates made at run time): check tls:// verifies and
# reports days_left as openssl x509 -enddate does, an expired leaf fails check, and scan
# --tls hands each open port its handshake and leaves closed ones without. Root only.
set -u
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ "$(id -u)" = 0 ] || { echo "skip: needs root for network namespaces"; exit 77; }
for t in ip openssl python3; do
	command -v $t >/dev/null 2>&1 || { echo "skip: $t not installed"; exit 77; }
done
tmp=$(mktemp -d)
id=$$
p="pstp$id" s="psts$id"
pids=
cleanup() {
	for x in $pids; do kill "$x" 2>/dev/null; done
	for x in $pids; do wait "$x" 2>/dev/null; done
	ns_del "$p" "$s"
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/tls_lib.sh"
. "$(dirname "$0")/netns_lib.sh"
tls_certs
ns_add "$p" "$s" || { echo "skip: cannot create network namespaces"; exit 77; }
ns_veth "$p" "pst$id" 198.18.9.1/24 "$s" "pst${id}s" 198.18.9.2/24 || fail "veth"
for pair in good:443 expired:8443; do
	ip netns exec "$s" timeout -k 2 60 openssl s_server -www -accept "198.18.9.2:${pair#*:}" \
		-cert "$certs/${pair%%:*}.pem" -key "$certs/${pair%%:*}.key" </dev/null \
		>"$tmp/${pair%%:*}.out" 2>&1 &
	pids="$pids $!"
	i=0
	until grep -q ACCEPT "$tmp/${pair%%:*}.out"; do
		i=$((i + 1)); [ $i -gt 100 ] && fail "s_server ${pair%%:*} did not start"; sleep 0.1
	done
done
run() { ip netns exec "$p" timeout -k 2 20 "$bin" "$@"; }

run check --ndjson tls://198.18.9.2:443 --sni good.test --ca "$certs/ca.pem" >"$tmp/good" ||
	fail "check good: exit $?: $(cat "$tmp/good")"
want=$(enddate_days "$certs/good.pem")
python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
t = r["tls"]
assert r["state"] == "open" and r["reason"] == "tls-handshake", r
assert t["verify"] == "ok" and t["days_left"] - int(sys.argv[2]) in (0, 1), t' "$tmp/good" "$want" ||
	fail "check good: $(cat "$tmp/good")"
echo "ok: verified across namespaces, days_left $want as openssl x509 -enddate"
run check --ndjson tls://198.18.9.2:8443 --sni good.test --ca "$certs/ca.pem" >"$tmp/expired"
rc=$?
[ $rc = 1 ] && grep -q '"verify":"expired"' "$tmp/expired" || fail "expired: exit $rc: $(cat "$tmp/expired")"
echo "ok: expired leaf fails check (exit 1)"
run scan 198.18.9.2 -p 443,444,8443 --tls --sni good.test --ca "$certs/ca.pem" --all-states \
	--ndjson >"$tmp/scan" || fail "scan --tls: exit $?"
python3 -c 'import json, sys
rs = {r["port"]: r for r in map(json.loads, open(sys.argv[1]))}
assert rs[443]["tls"]["verify"] == "ok", rs[443]
assert rs[8443]["tls"]["verify"] == "expired", rs[8443]
assert rs[444]["state"] == "closed" and rs[444]["tls"] is None, rs[444]' "$tmp/scan" ||
	fail "scan --tls: $(cat "$tmp/scan")"
echo "ok: scan --tls across namespaces"
echo PASS
