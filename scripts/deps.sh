#!/bin/sh
# Install what portscope needs from Debian packages: `deps.sh build` for make and make run,
# `deps.sh test` (the default) adds what the tests run against (make lint's analysers
# included: the suite keeps lint clean), `deps.sh lint` only the static analysers,
# `deps.sh fuzz` the compiler of make fuzz. As root it runs apt-get; otherwise it names
# the packages to install and fails.
set -u
what=${1:-test}

need=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v make >/dev/null 2>&1 || need="$need make"
command -v cc >/dev/null 2>&1 || need="$need gcc"
have_pc libmnl || need="$need libmnl-dev"
have_pc jansson || need="$need libjansson-dev"
have_pc openssl || need="$need libssl-dev"
have_pc libmicrohttpd || need="$need libmicrohttpd-dev"
have_pc libnftables || need="$need libnftables-dev"
[ -f /etc/services ] || need="$need netbase"
if [ "$what" = test ]; then
command -v clang >/dev/null 2>&1 || need="$need clang"
command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
have_pc criterion || need="$need libcriterion-dev"
command -v ss >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 || need="$need iproute2"
command -v nft >/dev/null 2>&1 || need="$need nftables"
command -v python3 >/dev/null 2>&1 || need="$need python3"
# JSON Schema draft 2020-12 (tests/sh/test_schema.sh): jsonschema 4.0 or later.
python3 -c 'from jsonschema import Draft202012Validator' >/dev/null 2>&1 ||
	need="$need python3-jsonschema"
command -v openssl >/dev/null 2>&1 || need="$need openssl"
[ -x /usr/bin/time ] || need="$need time"
# Optional packages by request, e.g. PORTSCOPE_EXTRA_DEPS="nmap time" for tests/bench/scan.sh.
command -v promtool >/dev/null 2>&1 || need="$need prometheus"
command -v prometheus-node-exporter >/dev/null 2>&1 || need="$need prometheus-node-exporter"
command -v curl >/dev/null 2>&1 || need="$need curl"
# tests/sh/test_exporter.sh compares /probe with the real blackbox_exporter.
command -v prometheus-blackbox-exporter >/dev/null 2>&1 || need="$need prometheus-blackbox-exporter"
[ -x /usr/lib/nagios/plugins/check_tcp ] || need="$need monitoring-plugins-basic"
fi
if [ "$what" = lint ] || [ "$what" = test ]; then
command -v clang-tidy >/dev/null 2>&1 || need="$need clang-tidy"
command -v cppcheck >/dev/null 2>&1 || need="$need cppcheck"
fi
if [ "$what" = fuzz ]; then
command -v clang >/dev/null 2>&1 || need="$need clang"
fi
for extra in ${PORTSCOPE_EXTRA_DEPS:-}; do
	dpkg -s "$extra" >/dev/null 2>&1 || need="$need $extra"
done

[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "portscope: missing build dependencies; install them with:" >&2
	echo "  sudo apt-get install$need" >&2
	exit 1
fi
echo "portscope: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || { echo "portscope: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $need >/dev/null ||
	{ echo "portscope: apt-get install$need failed" >&2; exit 1; }
