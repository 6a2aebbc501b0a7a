#!/bin/sh
# The exporter's tls module against openssl s_server on loopback with a certificate made
# here (30 days, CN and SAN localhost): the built-in module fails it as self-signed and
# still reports probe_ssl_earliest_cert_expiry (= the certificate's notAfter); a module
# trusting it (ca) succeeds; one asking for 60 days left fails with reason cert-days; a
# closed port fails with reason reset.
set -u
. tests/sh/exporter_lib.sh
for t in openssl curl python3; do
	command -v $t >/dev/null 2>&1 || { echo "skip: no $t"; exit 77; }
done
. "$(dirname "$0")/lib.sh"
fail() { echo "FAIL: $*"; tail -n 5 "$TMP/exporter.log" "$TMP/s_server.log" 2>/dev/null; exit 1; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
	-days 30 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	>/dev/null 2>&1 || fail "openssl req"
TPORT=$(free_port); CLOSED=$(free_port)
timeout -k 2 60 openssl s_server -accept "127.0.0.1:$TPORT" -cert "$TMP/cert.pem" \
	-key "$TMP/key.pem" -quiet -naccept 20 >"$TMP/s_server.log" 2>&1 </dev/null &
PIDS="$PIDS $!"
i=0; until "$P" check "127.0.0.1:$TPORT" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "s_server did not start"; sleep 0.1; done
cat >"$TMP/config.json" <<EOT
{"modules": {
  "tls_ca": {"kind": "tls", "ca": "$TMP/cert.pem", "sni": "localhost"},
  "tls_60d": {"kind": "tls", "ca": "$TMP/cert.pem", "sni": "localhost", "cert_days": 60}
}}
EOT
start_exporter "$TMP/exporter.log" --config "$TMP/config.json" || fail "the exporter did not start"
probe() { curl -s -m 10 "http://127.0.0.1:$XPORT/probe?target=$1&module=$2" >"$TMP/page"; }
has() { grep -q "$1" "$TMP/page" || fail "$2: no '$1' in $(grep -v '^#' "$TMP/page" | tr '\n' ' ')"; }

not_after=$(date -d "$(openssl x509 -in "$TMP/cert.pem" -noout -enddate | cut -d= -f2)" +%s)
probe "127.0.0.1:$TPORT" tls
has '^probe_success 0$' "built-in tls"
has 'portscope_probe_reason{reason="self-signed"} 1' "built-in tls"
has "^probe_ssl_earliest_cert_expiry $not_after\$" "built-in tls"
promtool check metrics <"$TMP/page" || fail "promtool on the tls page"
probe "localhost:$TPORT" tls_ca
has '^probe_success 1$' "tls with ca"
has 'portscope_probe_reason{reason="ok"} 1' "tls with ca"
has '^probe_tls_version_info{version="TLSv1' "tls with ca"
probe "localhost:$TPORT" tls_60d
has '^probe_success 0$' "tls cert_days 60"
has 'portscope_probe_reason{reason="cert-days"} 1' "tls cert_days 60"
probe "127.0.0.1:$CLOSED" tls
has '^probe_success 0$' "tls closed"
has 'portscope_probe_reason{reason="reset"} 1' "tls closed"
exit 0
