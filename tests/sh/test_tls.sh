#!/bin/sh
# check and scan with TLS on loopback, against openssl s_server and python3 servers with
# certificates made at run time: every verify value, days_left against openssl x509
# -enddate, STARTTLS SMTP and IMAP, the exit codes (a failed handshake is open and fails
# check unless --insecure), the table's escaping, -o prom through promtool, and bad input
# (exit 2 naming the token). Every server runs under timeout.
set -u
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
for t in openssl python3; do
	command -v $t >/dev/null 2>&1 || { echo "skip: $t not installed"; exit 77; }
done
tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/tls_lib.sh"
run() { timeout -k 2 20 "$bin" "$@"; }
# tls_field FILE KEY: the tls object's KEY of the first NDJSON line of FILE.
tls_field() {
	python3 -c 'import json, sys
r = json.loads(open(sys.argv[1]).readline())
k = sys.argv[2]
v = r[k] if k in ("reason", "state") else r["tls"][k]
print("null" if v is None else str(v).lower() if isinstance(v, bool) else v)' "$1" "$2"
}
# expect_tls LABEL WANT_VERIFY WANT_REASON WANT_EXIT check-args...
expect_tls() {
	label=$1 want=$2 reason=$3 code=$4
	shift 4
	run check --ndjson "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	got=$(tls_field "$tmp/out" verify) || fail "$label: no tls object: $(cat "$tmp/out" "$tmp/err")"
	[ "$got" = "$want" ] || fail "$label: verify $got, expected $want: $(cat "$tmp/out")"
	[ "$(tls_field "$tmp/out" reason)" = "$reason" ] || fail "$label: reason: $(cat "$tmp/out")"
	[ "$(tls_field "$tmp/out" state)" = open ] || fail "$label: not open: $(cat "$tmp/out")"
	[ $rc = "$code" ] || fail "$label: exit $rc, expected $code"
	echo "ok: $label: verify $got, exit $rc"
}

tls_certs
ca="--ca $certs/ca.pem"

tls_server good
good=$port
expect_tls "valid leaf" ok tls-handshake 0 "tls://127.0.0.1:$good" $ca
expect_tls "valid leaf, --tls and --sni" ok tls-handshake 0 "127.0.0.1:$good" --tls --sni good.test $ca
expect_tls "no --ca" untrusted tls-handshake 1 "tls://127.0.0.1:$good"
expect_tls "no --ca, --insecure" untrusted tls-handshake 0 "tls://127.0.0.1:$good" --insecure
# The system store, where SSL_CERT_DIR and SSL_CERT_FILE put it: a hashed directory alone,
# a file alone, and a directory with no hashed name (then the default bundle, without the
# test CA).
mkdir "$tmp/hashed" "$tmp/nohash"
cp "$certs/ca.pem" "$tmp/hashed/" && cp "$certs/ca.pem" "$tmp/nohash/" &&
	openssl rehash "$tmp/hashed" || fail "openssl rehash"
(unset SSL_CERT_FILE; export SSL_CERT_DIR="$tmp/hashed"
	expect_tls "SSL_CERT_DIR, hashed" ok tls-handshake 0 "tls://127.0.0.1:$good") || exit 1
(export SSL_CERT_FILE="$certs/ca.pem" SSL_CERT_DIR="$tmp/nohash"
	expect_tls "SSL_CERT_FILE" ok tls-handshake 0 "tls://127.0.0.1:$good") || exit 1
(unset SSL_CERT_FILE; export SSL_CERT_DIR="$tmp/nohash"
	expect_tls "SSL_CERT_DIR, not hashed" untrusted tls-handshake 1 "tls://127.0.0.1:$good") || exit 1
# A probe never resumes a session, so its ClientHello asks for no ticket (RFC 5077).
tls_server good -tlsextdebug
run check --ndjson "tls://127.0.0.1:$port" --sni good.test $ca >/dev/null || fail "ticket: exit $?"
i=0
until grep -q 'TLS client extension "key share"' "$tmp/srv_$port.out"; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "no ClientHello logged: $(cat "$tmp/srv_$port.out")"
	sleep 0.1
done
! grep -q 'TLS client extension "session ticket"' "$tmp/srv_$port.out" ||
	fail "the ClientHello asks for a session ticket"
echo "ok: no session ticket asked for"
expect_tls "wrong name" hostname-mismatch tls-handshake 1 "tls://127.0.0.1:$good" --sni other.test $ca
# days_left and not_after against openssl x509 -enddate of the same certificate.
run check --ndjson "tls://127.0.0.1:$good" $ca >"$tmp/good.ndjson" || fail "good: exit $?"
want=$(enddate_days "$certs/good.pem")
got=$(tls_field "$tmp/good.ndjson" days_left)
days_match "$got" "$want" || fail "days_left $got, openssl x509 -enddate says $want"
echo "ok: days_left $got = openssl x509 -enddate $want"
[ "$(tls_field "$tmp/good.ndjson" subject)" = "O=portscope,CN=good.test" ] ||
	fail "subject: $(cat "$tmp/good.ndjson")"
grep -q '"san":\["DNS:good.test","IP:127.0.0.1","email:ops@good.test"\]' "$tmp/good.ndjson" ||
	fail "san: $(cat "$tmp/good.ndjson")"

tls_server expired
expect_tls "expired leaf" expired tls-handshake 1 "tls://127.0.0.1:$port" --sni good.test $ca
run check --ndjson "tls://127.0.0.1:$port" --sni good.test $ca >"$tmp/exp.ndjson"
want=$(enddate_days "$certs/expired.pem")
days_match "$(tls_field "$tmp/exp.ndjson" days_left)" "$want" || fail "expired days_left: want $want"
[ "$(tls_field "$tmp/exp.ndjson" not_after)" = "2021-01-01T00:00:00Z" ] || fail "expired not_after"
expect_tls "expired leaf, --insecure" expired tls-handshake 0 "tls://127.0.0.1:$port" \
	--sni good.test $ca --insecure
expired=$port
# One run, one TLS context: a chain verified once gives its verdict again only for the
# same chain and the same name (the verification cache, probe/tls_vcache.h).
run check --ndjson "tls://127.0.0.1:$good" "tls://127.0.0.1:$expired" "tls://127.0.0.1:$good" \
	"tls://127.0.0.1:$expired" --sni good.test $ca >"$tmp/cache.ndjson"
run check --ndjson "tls://127.0.0.1:$good" "tls://localhost:$good" "tls://127.0.0.1:$good" \
	"tls://localhost:$good" $ca >>"$tmp/cache.ndjson"
python3 -c 'import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
rs = [r for r in rs if r["address"] == "127.0.0.1"]
got = [(r["target"].split("//")[1].rsplit(":", 1)[0], r["port"], r["tls"]["verify"]) for r in rs]
good, exp = int(sys.argv[2]), int(sys.argv[3])
want = [("127.0.0.1", good, "ok"), ("127.0.0.1", exp, "expired")] * 2 + \
    [("127.0.0.1", good, "ok"), ("localhost", good, "hostname-mismatch")] * 2
assert sorted(got) == sorted(want), got' "$tmp/cache.ndjson" "$good" "$expired" ||
	fail "one context, several chains and names: $(cut -c1-120 "$tmp/cache.ndjson")"
echo "ok: one context: each chain and name keeps its own verdict"
tls_server future
expect_tls "not yet valid" not-yet-valid tls-handshake 1 "tls://127.0.0.1:$port" --sni good.test $ca
tls_server self
expect_tls "self-signed" self-signed tls-handshake 1 "tls://127.0.0.1:$port" $ca
tls_server chained -cert_chain "$certs/inter.pem"
expect_tls "chain" ok tls-handshake 0 "tls://127.0.0.1:$port" --sni good.test $ca
run check --ndjson "tls://127.0.0.1:$port" --sni good.test $ca >"$tmp/chain.ndjson"
want=$(enddate_days "$certs/inter.pem")
days_match "$(tls_field "$tmp/chain.ndjson" chain_days_left)" "$want" ||
	fail "chain_days_left: want $want (intermediate): $(cat "$tmp/chain.ndjson")"
want=$(enddate_days "$certs/chained.pem")
[ "$(tls_field "$tmp/chain.ndjson" days_left)" = "$want" ] || fail "chained leaf days_left: want $want"
echo "ok: chain: leaf $want days, chain_days_left from the intermediate"
tls_server good -alpn h2,http/1.1
expect_tls "alpn" ok tls-handshake 0 "tls://127.0.0.1:$port" --alpn h2 $ca
[ "$(tls_field "$tmp/out" alpn)" = h2 ] || fail "alpn: $(cat "$tmp/out")"

plain_server http
expect_tls "not TLS" handshake-failed tls-handshake-failed 1 "tls://127.0.0.1:$port" $ca
expect_tls "not TLS, --insecure" handshake-failed tls-handshake-failed 1 "tls://127.0.0.1:$port" --insecure
plain_server silent
expect_tls "no answer" incomplete tls-handshake-failed 1 "tls://127.0.0.1:$port" --timeout 300

for proto in smtp imap; do
	starttls_server $proto ok
	expect_tls "STARTTLS $proto" ok tls-handshake 0 "127.0.0.1:$port" --starttls $proto \
		--sni good.test $ca
	starttls_server $proto refuse
	expect_tls "STARTTLS $proto refused" starttls-refused starttls-refused 1 "127.0.0.1:$port" \
		--starttls $proto $ca
done

# scan --tls: open ports get the handshake, closed ones none; every result has "tls".
closed=$(free_port)
run scan 127.0.0.1 -p "$good,$closed" --tls $ca --all-states --ndjson >"$tmp/scan.ndjson" ||
	fail "scan --tls exit $?"
python3 -c 'import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert len(rs) == 2, rs
for r in rs:
    assert (r["tls"] is not None) == (r["state"] == "open"), r
    assert r["tls"] is None or r["tls"]["verify"] == "ok", r' "$tmp/scan.ndjson" "$good" ||
	fail "scan --tls: $(cat "$tmp/scan.ndjson")"
echo "ok: scan --tls"

# The table: verify, days, subject, escaped.
run check "tls://127.0.0.1:$good" $ca >"$tmp/table" || fail "table exit $?"
grep -q "VERIFY *DAYS *SUBJECT" "$tmp/table" && grep -q "ok *$(enddate_days "$certs/good.pem") *O=portscope,CN=good.test" "$tmp/table" ||
	fail "table: $(cat "$tmp/table")"
printf '\033[31m' >"$tmp/esc"
esc_cn=$(printf 'bad\033[31mname')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$certs/esc.key" \
	-out "$certs/esc.pem" -subj "/CN=$esc_cn" -days 5 -utf8 2>/dev/null || fail "escape cert"
tls_server esc
run check "tls://127.0.0.1:$port" --insecure >"$tmp/table-esc" || fail "escaped table exit $?"
if grep -qF "$(cat "$tmp/esc")" "$tmp/table-esc" || ! grep -q 'CN=bad.*name' "$tmp/table-esc"; then
	fail "table subject not escaped: $(cat -v "$tmp/table-esc")"
fi
echo "ok: table escapes the subject"

# -o prom through promtool.
if command -v promtool >/dev/null 2>&1; then
	run check -o prom "tls://127.0.0.1:$good" "tls://127.0.0.1:$port" $ca >"$tmp/prom"
	promtool check metrics <"$tmp/prom" || fail "promtool: $(cat "$tmp/prom")"
	for m in portscope_tls_cert_not_after_seconds portscope_tls_chain_earliest_not_after_seconds \
		portscope_tls_verify_ok portscope_tls_version_info; do
		grep -q "^$m{" "$tmp/prom" || fail "prom: no $m"
	done
	end=$(python3 -c 'import sys, time, calendar
print(calendar.timegm(time.strptime(sys.argv[1].replace(" GMT", ""), "%b %d %H:%M:%S %Y")))' \
		"$(openssl x509 -in "$certs/good.pem" -noout -enddate | sed 's/^notAfter=//')")
	grep -q "^portscope_tls_cert_not_after_seconds{.*port=\"$good\"} $end\$" "$tmp/prom" ||
		fail "prom not_after, want $end: $(cat "$tmp/prom")"
	grep -q "^portscope_tls_verify_ok{.*port=\"$good\"} 1\$" "$tmp/prom" &&
		grep -q "^portscope_tls_verify_ok{.*port=\"$port\"} 0\$" "$tmp/prom" &&
		grep -q "^portscope_tls_version_info{.*port=\"$good\",version=\"TLSv1.3\"} 1\$" "$tmp/prom" ||
		fail "prom verify/version: $(cat "$tmp/prom")"
	echo "ok: -o prom passes promtool"
else
	echo "promtool not installed: -o prom not checked"
fi

# Bad input: exit 2, one line naming the token.
bad() {
	token=$1
	shift
	run "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] || fail "$*: exit $rc, expected 2"
	[ "$(wc -l <"$tmp/err")" = 1 ] && grep -qF -- "$token" "$tmp/err" ||
		fail "$*: message does not name '$token': $(cat "$tmp/err")"
	echo "ok: bad input: $(cat "$tmp/err")"
}
echo "not a certificate" >"$tmp/notpem"
bad "'5,30'" check "tls://127.0.0.1:$good" --cert-days 5,30
bad "'nope'" check "127.0.0.1:$good" --starttls nope
bad "'nope'" scan 127.0.0.1 -p "$good" --starttls nope
bad "$tmp/notpem" check "tls://127.0.0.1:$good" --ca "$tmp/notpem"
bad "$tmp/notpem" scan 127.0.0.1 -p "$good" --tls --ca "$tmp/notpem"
bad "'ftp'" check "ftp://127.0.0.1:$good"
bad "--sni" check "127.0.0.1:$good" --sni good.test
bad "'udp://127.0.0.1:53'" check udp://127.0.0.1:53 --tls
echo "PASS"
