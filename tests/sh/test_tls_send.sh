#!/bin/sh
# --send, --expect and --banner through TLS, in check and scan, on loopback: after the
# handshake they go through the session (plain --tls, tls://, and --starttls), against a
# python3 ssl server that greets and echoes (tests/fixtures/starttls_server.py, mode
# talk) and openssl s_server -www (a real HTTP answer). A failed handshake keeps its TLS
# reason and fails an --expect. Every server runs under timeout.
set -u
for t in openssl python3; do
	command -v $t >/dev/null 2>&1 || { echo "skip: $t not installed"; exit 77; }
done
. "$(dirname "$0")/lib.sh"
case $P in /*) bin=$P ;; *) bin="$(pwd)/$P" ;; esac
tmp=$TMP
. "$(dirname "$0")/tls_lib.sh"
run() { timeout -k 2 20 "$bin" "$@"; }
# field FILE N KEY: KEY of the Nth NDJSON line of FILE ("tls.verify" for the tls object's).
field() {
	python3 -c 'import json, sys
r = json.loads(open(sys.argv[1]).readlines()[int(sys.argv[2])])
for k in sys.argv[3].split("."):
    r = r[k] if r is not None else None
print("null" if r is None else r)' "$1" "$2" "$3"
}
# expect_check LABEL WANT_REASON WANT_BANNER WANT_EXIT check-args...: one result, open,
# verify ok, its reason and its banner ("-": not checked).
expect_check() {
	label=$1 reason=$2 banner=$3 code=$4
	shift 4
	run check --ndjson "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$(field "$tmp/out" 0 state 2>/dev/null)" = open ] ||
		fail "$label: not open: $(cat "$tmp/out" "$tmp/err")"
	[ "$(field "$tmp/out" 0 tls.verify)" = ok ] || fail "$label: verify: $(cat "$tmp/out")"
	[ "$(field "$tmp/out" 0 reason)" = "$reason" ] || fail "$label: reason: $(cat "$tmp/out")"
	[ "$banner" = - ] || [ "$(field "$tmp/out" 0 banner)" = "$(printf "$banner")" ] ||
		fail "$label: banner: $(cat "$tmp/out")"
	[ $rc = "$code" ] || fail "$label: exit $rc, expected $code: $(cat "$tmp/out")"
	echo "ok: $label: $reason, exit $rc"
}

tls_certs
ca="--ca $certs/ca.pem"
starttls_server tls talk
talk=$port
starttls_server tls talk
talk2=$port
tls_server good
www=$port
starttls_server smtp talk
smtp=$port

expect_check "banner through TLS" tls-handshake '220 ready over TLS\r\n' 0 \
	"tls://127.0.0.1:$talk" --banner $ca
expect_check "send and expect through TLS" expect-matched - 0 \
	"tls://127.0.0.1:$talk" --send 'HELLO\r\n' --expect 'ECHO HELLO' $ca
grep -q '"banner":"220 ready over TLS\\r\\nECHO HELLO\\r\\n"' "$tmp/out" ||
	fail "the reply through TLS: $(cat "$tmp/out")"
expect_check "expect mismatch through TLS" expect-mismatch - 1 \
	"tls://127.0.0.1:$talk" --send 'HELLO\r\n' --expect 'NOPE' --timeout 500 $ca
expect_check "--tls with --send to openssl s_server" expect-matched - 0 \
	"127.0.0.1:$www" --tls --sni good.test --send 'GET / HTTP/1.0\r\n\r\n' --expect 'HTTP/1.0 200' $ca
expect_check "--starttls smtp, then --send and --expect" expect-matched - 0 \
	"127.0.0.1:$smtp" --starttls smtp --sni good.test --send 'EHLO portscope\r\n' \
	--expect 'ECHO EHLO portscope' $ca

# A certificate that does not verify gets no --send (unless --insecure); what the server
# says unasked is still read.
run check --ndjson "tls://127.0.0.1:$talk" --send 'HELLO\r\n' --expect 'ECHO' --timeout 500 \
	>"$tmp/out"
rc=$?
[ $rc = 1 ] && [ "$(field "$tmp/out" 0 reason)" = expect-mismatch ] &&
	[ "$(field "$tmp/out" 0 tls.verify)" = untrusted ] &&
	[ "$(field "$tmp/out" 0 banner)" = "$(printf '220 ready over TLS\r\n')" ] ||
	fail "untrusted: exit $rc: $(cat "$tmp/out")"
echo "ok: an untrusted certificate gets no --send"
run check --ndjson "tls://127.0.0.1:$talk" --send 'HELLO\r\n' --expect 'ECHO' --insecure >"$tmp/out" &&
	[ "$(field "$tmp/out" 0 reason)" = expect-matched ] ||
	fail "untrusted, --insecure: $(cat "$tmp/out")"
echo "ok: --insecure sends to it"

# The table shows the reply beside the TLS columns, escaped.
run check "tls://127.0.0.1:$talk" --banner $ca >"$tmp/table" || fail "table exit $?"
grep -q 'tls-handshake .* ok .* 220 ready over TLS\\r\\n$' "$tmp/table" || fail "table: $(cat "$tmp/table")"

# A handshake that fails keeps its reason; there is nothing to match.
plain_server http
run check --ndjson "tls://127.0.0.1:$port" --send 'x' --expect 'HTTP' $ca >"$tmp/out"
rc=$?
[ $rc = 1 ] && [ "$(field "$tmp/out" 0 reason)" = tls-handshake-failed ] &&
	[ "$(field "$tmp/out" 0 banner)" = null ] ||
	fail "failed handshake with --expect: exit $rc: $(cat "$tmp/out")"
echo "ok: a failed handshake with --expect: tls-handshake-failed, exit 1"

# scan: every open port does the handshake, then the exchange, in the event loop.
closed=$(free_port)
run scan 127.0.0.1 -p "$talk,$talk2,$closed" --tls --all-states --send 'HELLO\r\n' \
	--expect 'ECHO HELLO' $ca --ndjson >"$tmp/scan" || fail "scan exit $?"
python3 -c 'import json, sys
rs = {r["port"]: r for r in map(json.loads, open(sys.argv[1]))}
talk, talk2, closed = map(int, sys.argv[2:5])
assert set(rs) == {talk, talk2, closed}, rs
for p in (talk, talk2):
    assert rs[p]["reason"] == "expect-matched" and rs[p]["tls"]["verify"] == "ok", rs[p]
    assert rs[p]["banner"].endswith("ECHO HELLO\r\n"), rs[p]
assert rs[closed]["state"] == "closed" and rs[closed]["tls"] is None, rs[closed]' \
	"$tmp/scan" "$talk" "$talk2" "$closed" || fail "scan --tls --send --expect: $(cat "$tmp/scan")"
echo "ok: scan --tls --send --expect"
run scan 127.0.0.1 -p "$talk" --tls --banner $ca --ndjson >"$tmp/scan2" || fail "scan --banner exit $?"
[ "$(field "$tmp/scan2" 0 banner)" = "$(printf '220 ready over TLS\r\n')" ] ||
	fail "scan --tls --banner: $(cat "$tmp/scan2")"
echo "ok: scan --tls --banner"
echo "PASS"
