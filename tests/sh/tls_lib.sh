# Sourced by the TLS shell tests: certificates made at run time (tests/fixtures/
# make_tls_certs.sh) and loopback servers under timeout, each remembered in $pids for the
# caller's trap (and in $PIDS, which tests/sh/lib.sh's trap kills). Needs $tmp (a
# directory of the caller's).
fixtures=$(cd "$(dirname "$0")/../fixtures" && pwd)
certs="$tmp/certs"

tls_certs() {
	mkdir -p "$certs" && sh "$fixtures/make_tls_certs.sh" "$certs" >/dev/null 2>&1 ||
		{ echo "FAIL: make_tls_certs.sh"; exit 1; }
}

. "$(dirname "$0")/port_lib.sh"

# serve TEXT CMD: start the command line CMD (eval'd with $port set, under timeout) until it
# prints TEXT; a port someone took between free_port and the bind means another port, up
# to 5 times. Paths in CMD hold no spaces (mktemp -d).
serve() {
	text=$1
	cmd=$2
	for try in 1 2 3 4 5; do
		port=$(free_port)
		out="$tmp/srv_$port.out"
		# exec: $! is timeout itself, which passes the trap's kill on to the server (a
		# subshell left running eval would die alone and leave the server behind).
		eval "exec timeout -k 2 300 $cmd" </dev/null >"$out" 2>&1 &
		pid=$!
		pids="${pids-} $pid"
		PIDS="${PIDS-} $pid"
		i=0
		until grep -q "$text" "$out" 2>/dev/null; do
			kill -0 "$pid" 2>/dev/null || break
			i=$((i + 1)); [ $i -gt 200 ] && break
			sleep 0.1
		done
		grep -q "$text" "$out" 2>/dev/null && return 0
		kill "$pid" 2>/dev/null
	done
	echo "FAIL: server did not start: $cmd: $(cat "$out")"
	exit 1
}

# tls_server NAME [s_server args...]: openssl s_server with leaf NAME on 127.0.0.1; sets
# $port.
tls_server() {
	name=$1
	shift
	serve ACCEPT "openssl s_server -www -accept 127.0.0.1:\$port -cert $certs/$name.pem \
		-key $certs/$name.key $*"
}

# starttls_server PROTO MODE: tests/fixtures/starttls_server.py with the good.test leaf;
# sets $port.
starttls_server() {
	serve READY "python3 $fixtures/starttls_server.py $1 $2 \$port $certs/good.pem \
		$certs/good.key 300"
}

# plain_server MODE: a TCP listener on 127.0.0.1 that answers a ClientHello with an HTTP
# error (MODE http) or never answers at all (MODE silent); sets $port.
plain_server() {
	serve READY "python3 $fixtures/plain_server.py $1 \$port"
}

# enddate_days PEM: floor((notAfter - now) / 86400) from openssl x509 -enddate. portscope
# counts whole seconds and probes before this is measured, so its count is this or, for a
# certificate made less than a second before, one more: days_match GOT WANT accepts those.
enddate_days() {
	end=$(openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//')
	python3 -c 'import sys, time, math, calendar
t = calendar.timegm(time.strptime(sys.argv[1].replace(" GMT", ""), "%b %d %H:%M:%S %Y"))
print(math.floor((t - time.time()) / 86400))' "$end"
}

days_match() {
	[ "$1" = "$2" ] || [ "$1" = "$(($2 + 1))" ]
}
