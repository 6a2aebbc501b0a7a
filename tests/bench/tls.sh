#!/bin/sh
# TLS at scale: 1,000 TLS endpoints (one nginx, two workers, answering on port 443 for
# 198.18.4.0/22 through a local route inside a network namespace; the probers run in the
# same namespace, so nothing leaves it), each probed for its certificate by
#   portscope scan -Pn --tls        (handshakes in the engine's epoll loop)
#   nmap -sT -Pn --script ssl-cert  (one port, the same 1,000 addresses)
# (-Pn: neither discovers hosts first; the exporter probes each target as asked)
#   prometheus-blackbox-exporter    (a tcp module with tls: true, one /probe per endpoint,
#                                    driven by one curl --parallel, 64 at a time)
#   tests/bench/tls_floor.c         (the least a client on this machine's OpenSSL does:
#                                    connect, handshake, close, two threads per CPU; the
#                                    floor under portscope, which runs on the same library)
# runs interleaved ($1 rounds, default 3), median wall time of each, the ratios, peak
# memory (max RSS of portscope and nmap; the exporter's VmHWM), how many endpoints each
# saw a certificate for, the expiry each reports for 198.18.4.1, and during each run the
# CPU nginx used and the CPU the machine left idle (both cores: the probers and nginx
# share them). Root only; nginx, nmap and the exporter are installed here (apt-get) when
# missing.
set -eu
runs=${1:-3}
n=1000
bin=${PORTSCOPE:-build/portscope}
[ "$(id -u)" = 0 ] || { echo "skip: needs root (network namespace)"; exit 0; }
[ -x "$bin" ] || { echo "no $bin: run make first"; exit 1; }
mkdir -p build/bench
# shellcheck disable=SC2046 # pkg-config prints several words
${CC:-cc} -O2 -Wall -Wextra -o build/bench/tls_floor tests/bench/tls_floor.c \
	$(pkg-config --cflags --libs openssl) -lpthread
if ! command -v nmap >/dev/null || ! command -v prometheus-blackbox-exporter >/dev/null ||
	! [ -x /usr/sbin/nginx ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nmap \
		prometheus-blackbox-exporter nginx-light >/dev/null
fi
tmp=$(mktemp -d)
ns=psbtls$$
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
in_ns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" route add local 198.18.4.0/22 dev lo
mkdir "$tmp/certs"
sh tests/fixtures/make_tls_certs.sh "$tmp/certs" >/dev/null 2>&1
python3 -c 'import sys
n = int(sys.argv[1])
for i in range(1, n + 1):
    print("198.18.%d.%d" % (4 + i // 256, i % 256))' "$n" >"$tmp/hosts"
grep -c . "$tmp/hosts" | grep -qx "$n"
mkdir "$tmp/ngx"
cat >"$tmp/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path $tmp/ngx; proxy_temp_path $tmp/ngx; fastcgi_temp_path $tmp/ngx;
	uwsgi_temp_path $tmp/ngx; scgi_temp_path $tmp/ngx;
	server {
		listen 443 ssl backlog=4096;
		ssl_certificate $tmp/certs/good.pem;
		ssl_certificate_key $tmp/certs/good.key;
		return 200 "ok\\n";
	}
}
CONF
in_ns timeout -k 2 900 /usr/sbin/nginx -c "$tmp/nginx.conf" -p "$tmp" >"$tmp/server.out" 2>&1 &
pids="$pids $!"
cat >"$tmp/bb.yml" <<YML
modules:
  tls:
    prober: tcp
    timeout: 10s
    tcp:
      tls: true
      tls_config:
        insecure_skip_verify: true
        server_name: good.test
YML
in_ns timeout -k 2 900 prometheus-blackbox-exporter --config.file="$tmp/bb.yml" \
	--web.listen-address=127.0.0.1:9115 >"$tmp/bb.out" 2>&1 &
pids="$pids $!"
i=0
until in_ns ss -ltnH "sport = :443" | grep -q . && in_ns curl -s -o /dev/null http://127.0.0.1:9115/; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "servers did not start"; cat "$tmp"/*.out; exit 1; }
	sleep 0.2
done
bbpid=$(in_ns sh -c 'ss -ltnpH "sport = :9115"' | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
: >"$tmp/curl.cfg"
k=0
while read -r h; do
	k=$((k + 1))
	printf 'url = "http://127.0.0.1:9115/probe?module=tls&target=%s:443"\noutput = "%s/bb/%d"\n' \
		"$h" "$tmp" "$k" >>"$tmp/curl.cfg"
done <"$tmp/hosts"

now() { date +%s%N; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# CPU ticks (USER_HZ) the machine left idle, and nginx's workers used, so far.
idle_ticks() { awk '/^cpu / {print $5 + $6}' /proc/stat; }
nginx_ticks() {
	for pid in $(ip netns pids "$ns"); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = nginx ] && cat "/proc/$pid/stat" 2>/dev/null
	done | awk '{t += $14 + $15} END {print t + 0}'
}
tick_ms=$((1000 / $(getconf CLK_TCK)))
# timed FILE CMD...: wall ms appended to FILE.ms, max RSS (KiB) to FILE.rss, and the ms of
# CPU nginx used and the machine left idle meanwhile to FILE.srv and FILE.idle.
timed() {
	f=$1
	shift
	i0=$(idle_ticks); n0=$(nginx_ticks)
	a=$(now)
	/usr/bin/time -f %M -o "$tmp/rss" "$@" >"$tmp/$f.last" 2>"$tmp/$f.err" || true
	b=$(now)
	i1=$(idle_ticks); n1=$(nginx_ticks)
	echo $(((b - a) / 1000000)) >>"$tmp/$f.ms"
	cat "$tmp/rss" >>"$tmp/$f.rss"
	echo $(((n1 - n0) * tick_ms)) >>"$tmp/$f.srv"
	echo $(((i1 - i0) * tick_ms)) >>"$tmp/$f.idle"
}
for r in $(seq "$runs"); do
	timed ps ip netns exec "$ns" "$bin" scan -Pn -p 443 --tls --sni good.test --ca "$tmp/certs/ca.pem" --insecure \
		--timeout 10000 --ndjson $(cat "$tmp/hosts")
	timed nmap ip netns exec "$ns" nmap -sT -Pn -n -p 443 --script ssl-cert -iL "$tmp/hosts" -oN -
	rm -rf "$tmp/bb"; mkdir "$tmp/bb"
	timed bb ip netns exec "$ns" curl -s --parallel --parallel-max 64 -K "$tmp/curl.cfg"
	timed floor ip netns exec "$ns" build/bench/tls_floor "$tmp/hosts" 443 good.test
	echo "round $r: portscope $(tail -1 "$tmp/ps.ms") ms, nmap $(tail -1 "$tmp/nmap.ms") ms," \
		"blackbox $(tail -1 "$tmp/bb.ms") ms, bare OpenSSL client $(tail -1 "$tmp/floor.ms") ms"
done
ps_ms=$(median <"$tmp/ps.ms"); nmap_ms=$(median <"$tmp/nmap.ms"); bb_ms=$(median <"$tmp/bb.ms")
floor_ms=$(median <"$tmp/floor.ms")
ps_certs=$(grep -c '"handshake":true' "$tmp/ps.last" || true)
nmap_certs=$(grep -c 'Not valid after' "$tmp/nmap.last" || true)
bb_certs=$(grep -l '^probe_success 1' "$tmp"/bb/* 2>/dev/null | wc -l)
bb_hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$bbpid/status" 2>/dev/null || echo "?")
echo "endpoints with a certificate: portscope $ps_certs, nmap $nmap_certs, blackbox $bb_certs (of $n);" \
	"bare OpenSSL client: $(cat "$tmp/floor.last")"
printf 'median of %s: portscope %s ms, nmap %s ms, blackbox %s ms, bare OpenSSL client %s ms\n' \
	"$runs" "$ps_ms" "$nmap_ms" "$bb_ms" "$floor_ms"
awk -v a="$ps_ms" -v b="$nmap_ms" -v c="$bb_ms" -v f="$floor_ms" 'BEGIN {
	printf "ratio: portscope/nmap %.3f (goal <= 0.2), portscope/blackbox %.3f (goal <= 0.5)\n", a / b, a / c
	printf "floor: bare OpenSSL client/blackbox %.3f, portscope/bare OpenSSL client %.3f\n", f / c, a / f }'
for f in ps nmap bb floor; do
	printf '%s %s %s\n' "$f" "$(median <"$tmp/$f.srv")" "$(median <"$tmp/$f.idle")"
done | awk '{n[$1] = $2; i[$1] = $3} END {
	printf "during each run (medians): nginx CPU portscope %d ms, nmap %d ms, blackbox %d ms," \
		" bare OpenSSL client %d ms; CPU left idle %d, %d, %d, %d ms\n", n["ps"], n["nmap"],
		n["bb"], n["floor"], i["ps"], i["nmap"], i["bb"], i["floor"] }'
echo "peak memory: portscope $(median <"$tmp/ps.rss") KiB, nmap $(median <"$tmp/nmap.rss") KiB," \
	"blackbox exporter $bb_hwm KiB (VmHWM) + curl $(median <"$tmp/bb.rss") KiB"
# The expiry each tool reports for 198.18.4.1.
ps_exp=$(grep '"address":"198.18.4.1"' "$tmp/ps.last" | sed -n 's/.*"not_after":"\([^"]*\)".*/\1/p')
nmap_exp=$(awk '/report for 198.18.4.1$/ {f = 1} f && /Not valid after/ {print $NF; exit}' "$tmp/nmap.last")
bb_exp=$(in_ns curl -s "http://127.0.0.1:9115/probe?module=tls&target=198.18.4.1:443" |
	awk '/^probe_ssl_earliest_cert_expiry / {printf "%d", $2}')
bb_exp=$(date -u -d "@$bb_exp" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo "$bb_exp")
echo "expiry of 198.18.4.1: portscope not_after $ps_exp, nmap ssl-cert 'Not valid after' $nmap_exp," \
	"blackbox probe_ssl_earliest_cert_expiry $bb_exp"
echo "openssl x509 -enddate: $(openssl x509 -in "$tmp/certs/good.pem" -noout -enddate)"
