#!/bin/sh
# No leaks and no invalid accesses under valgrind for the main paths of every command.
# (The AddressSanitizer run skips this: the two tools do not mix.)
set -u
ps=${PORTSCOPE:-build/portscope}
case $ps in *asan*) echo "skip: valgrind does not run sanitized binaries"; exit 77 ;; esac
command -v valgrind >/dev/null || { echo "skip: valgrind not installed"; exit 77; }
fail=0
run() {
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$ps" "$@" \
		>/dev/null 2>"$log"
	if [ $? = 99 ] || grep -q '^==[0-9]*== ' "$log"; then
		echo "valgrind: portscope $*"; cat "$log"; fail=1
	fi
}
log=$(mktemp)
certs=$(mktemp -d)
spid=
trap 'rm -f "$log"; rm -rf "$certs"; [ -n "$spid" ] && kill "$spid" 2>/dev/null' EXIT
run list
run list -a -o json
run list -u --ndjson
run list --port 70000
run list -a --state time-wait,established
run scan 127.0.0.1 -p 1-300 --all-states -o json
run scan 127.0.0.1-4 -p 1-50 -o json
run scan 127.0.0.0/29 -sn --all-states
# The SYN engine (raw sockets: root), several loops.
[ "$(id -u)" = 0 ] && run scan 127.0.0.1-4 -Pn -p 1-100 --syn --all-states -o json
run check 127.0.0.1:1 localhost:1 -o json
run audit --init
# TLS against openssl s_server: a check (--ca), and a scan whose issuer comes from the
# system store's bundle, parsed at the first lookup (SSL_CERT_FILE).
if command -v openssl >/dev/null && command -v python3 >/dev/null &&
	sh "$(dirname "$0")/../fixtures/make_tls_certs.sh" "$certs" >/dev/null 2>&1; then
	. "$(dirname "$0")/port_lib.sh"
	port=$(free_port)
	timeout -k 2 120 openssl s_server -www -accept "127.0.0.1:$port" -cert "$certs/good.pem" \
		-key "$certs/good.key" </dev/null >/dev/null 2>&1 &
	spid=$!
	i=0
	until ss -Hltn "sport = :$port" | grep -q .; do
		i=$((i + 1)); [ $i -gt 50 ] && { echo "valgrind: s_server did not start"; fail=1; break; }
		sleep 0.1
	done
	run check "tls://127.0.0.1:$port" --sni good.test --ca "$certs/ca.pem" -o json
	SSL_CERT_FILE="$certs/ca.pem"
	export SSL_CERT_FILE
	run scan 127.0.0.1 -p "$port" --tls --sni good.test -o json
fi
run watch --duration 200 --initial --ndjson
exit $fail
