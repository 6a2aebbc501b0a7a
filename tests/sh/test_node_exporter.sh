#!/bin/sh
# The node_exporter textfile-collector recipe from the README, end to end: portscope
# writes a temp file and renames it into the collector directory; a real
# prometheus-node-exporter with only the textfile collector, on loopback, serves it;
# curl scrapes it and portscope's metrics are there, with no textfile scrape error.
set -u
NE=$(command -v prometheus-node-exporter || command -v node_exporter) ||
	{ echo "skip: no prometheus-node-exporter (Debian package)"; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "skip: no curl"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }
. "$(dirname "$0")/lib.sh"
fail() { echo "FAIL: $*"; [ -f "$TMP/ne.log" ] && tail -n 5 "$TMP/ne.log"; exit 1; }

mkdir "$TMP/textfile"
# The recipe: never let the collector read a half-written file.
"$P" list -o prom >"$TMP/textfile/.portscope.prom.$$" || fail "list -o prom exit $?"
mv "$TMP/textfile/.portscope.prom.$$" "$TMP/textfile/portscope.prom" || fail "rename"
echo '{"allow": [{}]}' >"$TMP/policy.json"
"$P" audit --policy "$TMP/policy.json" -o prom >"$TMP/textfile/.audit.prom.$$" || fail "audit exit $?"
mv "$TMP/textfile/.audit.prom.$$" "$TMP/textfile/portscope-audit.prom" || fail "rename"

# A free loopback port for the exporter (a few tries: another program may take it).
for try in 1 2 3; do
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$NE" --collector.disable-defaults --collector.textfile \
		--collector.textfile.directory "$TMP/textfile" \
		--web.listen-address "127.0.0.1:$PORT" >"$TMP/ne.log" 2>&1 &
	PID=$!
	i=0
	while [ $i -lt 50 ]; do
		curl -sf "http://127.0.0.1:$PORT/metrics" -o "$TMP/scrape" 2>/dev/null && break 2
		kill -0 "$PID" 2>/dev/null || break
		i=$((i + 1)); sleep 0.1
	done
	kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""
done
[ -n "$PID" ] || fail "node_exporter did not serve on loopback"

# node_exporter re-sorts label names; the values are portscope's.
grep -q '^portscope_listening_sockets{exposure="loopback",proto="tcp"} [0-9]' "$TMP/scrape" ||
	fail "no portscope_listening_sockets in the scrape"
grep -q '^portscope_listening{' "$TMP/scrape" || fail "no portscope_listening in the scrape"
grep -q '^portscope_audit_findings{kind="unexpected"} 0$' "$TMP/scrape" || fail "no audit findings"
grep -q '^# TYPE portscope_listening gauge$' "$TMP/scrape" || fail "no TYPE line"
grep -q '^node_textfile_scrape_error 0$' "$TMP/scrape" || fail "textfile scrape error: $(grep textfile "$TMP/scrape")"
exit 0
