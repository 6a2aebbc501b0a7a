#!/bin/sh
# portscope exporter under a real Prometheus, on loopback: a scrape job for /metrics and a
# relabelled multi-target /probe job (tcp open, tcp closed, udp answered by portscope
# serve, udp closed). After a few scrape intervals Prometheus's HTTP API must show
# probe_success 1 and 0 where expected, portscope_listening series for the sockets the
# test opened, and up 1. The same TCP targets probed by a real blackbox_exporter give the
# same probe_success.
set -u
. tests/sh/exporter_lib.sh
for t in prometheus curl python3; do
	command -v $t >/dev/null 2>&1 || { echo "skip: no $t (Debian package)"; exit 77; }
done
BB=$(command -v prometheus-blackbox-exporter || command -v blackbox_exporter) ||
	{ echo "skip: no prometheus-blackbox-exporter (Debian package)"; exit 77; }
. "$(dirname "$0")/lib.sh"
fail() {
	echo "FAIL: $*"
	for f in "$TMP"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 8 "$f"; }; done
	exit 1
}

# The targets: a TCP listener, a UDP responder (portscope serve), and two free ports.
TOPEN=$(free_port); TCLOSED=$(free_port); UOPEN=$(free_port); UCLOSED=$(free_port)
timeout -k 2 120 "$P" serve --tcp "$TOPEN" --udp "$UOPEN" --bind 127.0.0.1 2>"$TMP/serve.log" &
PIDS="$PIDS $!"
start_exporter "$TMP/exporter.log" || fail "the exporter did not start"
BPORT=$(free_port)
cat >"$TMP/blackbox.yml" <<EOT
modules:
  tcp_connect:
    prober: tcp
    timeout: 2s
EOT
timeout -k 2 120 "$BB" --config.file="$TMP/blackbox.yml" --web.listen-address="127.0.0.1:$BPORT" \
	>"$TMP/blackbox.log" 2>&1 &
PIDS="$PIDS $!"
wait_http "http://127.0.0.1:$BPORT/-/healthy" "$!" || fail "blackbox_exporter did not start"

probe_job() {	# NAME MODULE EXPORTER-PORT TARGET...
	name=$1 module=$2 port=$3; shift 3
	printf '  - job_name: %s\n    metrics_path: /probe\n    params: {module: [%s]}\n' "$name" "$module"
	printf '    static_configs: [{targets: [%s]}]\n' "$(echo "$@" | sed 's/ /, /g')"
	printf '    relabel_configs:\n'
	printf '      - {source_labels: [__address__], target_label: __param_target}\n'
	printf '      - {source_labels: [__param_target], target_label: instance}\n'
	printf '      - {target_label: __address__, replacement: "127.0.0.1:%s"}\n' "$port"
}
{
	printf 'global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n'
	printf '  - job_name: portscope\n    static_configs: [{targets: ["127.0.0.1:%s"]}]\n' "$XPORT"
	probe_job probe_tcp tcp "$XPORT" "127.0.0.1:$TOPEN" "127.0.0.1:$TCLOSED"
	probe_job probe_udp udp "$XPORT" "127.0.0.1:$UOPEN" "127.0.0.1:$UCLOSED"
	probe_job blackbox_tcp tcp_connect "$BPORT" "127.0.0.1:$TOPEN" "127.0.0.1:$TCLOSED"
} >"$TMP/prometheus.yml"
PPORT=$(free_port)
timeout -k 2 120 prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
	--web.listen-address="127.0.0.1:$PPORT" >"$TMP/prometheus.log" 2>&1 &
PPID_=$!
PIDS="$PIDS $PPID_"
i=0
until curl -sf -o /dev/null "http://127.0.0.1:$PPORT/-/ready"; do
	i=$((i + 1)); [ $i -gt 300 ] && fail "prometheus not ready after 30 s"
	kill -0 "$PPID_" 2>/dev/null || fail "prometheus exited"
	sleep 0.1
done

# query PROMQL: "instance value" lines, sorted.
query() {
	curl -sf -G "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json,sys
for r in json.load(sys.stdin)["data"]["result"]:
    m = r["metric"]; print(m.get("instance", ""), m.get("job", ""), r["value"][1])' | sort
}
# Wait (at most 20 s) until every job has been scraped at least twice.
i=0
while :; do
	n=$(query 'count_over_time(up[1m]) >= 2' | wc -l)
	[ "$n" -ge 7 ] && break
	i=$((i + 1)); [ $i -gt 100 ] && fail "targets not scraped twice in 20 s: $(query up)"
	sleep 0.2
done
expect() {	# PROMQL EXPECTED-LINES
	got=$(query "$1")
	want=$(echo "$2" | sort)
	[ "$got" = "$want" ] || fail "$1: expected
$want
got
$got"
}
expect 'up' "127.0.0.1:$TCLOSED blackbox_tcp 1
127.0.0.1:$TCLOSED probe_tcp 1
127.0.0.1:$TOPEN blackbox_tcp 1
127.0.0.1:$TOPEN probe_tcp 1
127.0.0.1:$UCLOSED probe_udp 1
127.0.0.1:$UOPEN probe_udp 1
127.0.0.1:$XPORT portscope 1"
expect 'probe_success' "127.0.0.1:$TCLOSED blackbox_tcp 0
127.0.0.1:$TCLOSED probe_tcp 0
127.0.0.1:$TOPEN blackbox_tcp 1
127.0.0.1:$TOPEN probe_tcp 1
127.0.0.1:$UCLOSED probe_udp 0
127.0.0.1:$UOPEN probe_udp 1"
# The same TCP verdicts from both exporters, target by target.
for t in "$TOPEN" "$TCLOSED"; do
	a=$(query "probe_success{job=\"probe_tcp\",instance=\"127.0.0.1:$t\"}" | awk '{print $3}')
	b=$(query "probe_success{job=\"blackbox_tcp\",instance=\"127.0.0.1:$t\"}" | awk '{print $3}')
	[ "$a" = "$b" ] || fail "port $t: portscope says $a, blackbox_exporter $b"
done
expect "portscope_probe_reason{instance=\"127.0.0.1:$UCLOSED\"}" "127.0.0.1:$UCLOSED probe_udp 1"
got=$(query "portscope_probe_reason{reason=\"icmp-port-unreachable\"}")
[ -n "$got" ] || fail "no reason icmp-port-unreachable for the closed UDP port"
# The sockets the test opened, in the scrape-time inventory.
for pp in "tcp $TOPEN" "udp $UOPEN" "tcp $XPORT"; do
	set -- $pp
	got=$(query "portscope_listening{job=\"portscope\",proto=\"$1\",port=\"$2\"}")
	[ -n "$got" ] || fail "no portscope_listening series for $1 port $2"
done
got=$(query 'portscope_build_info')
[ -n "$got" ] || fail "no portscope_build_info"
got=$(query 'portscope_exporter_probes_total{module="udp",result="success"} > 0')
[ -n "$got" ] || fail "probes by module not counted"
exit 0
