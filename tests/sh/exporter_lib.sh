# Shared by the exporter's shell tests (sourced): a free loopback port, a bounded wait
# for an HTTP endpoint, and starting portscope exporter on loopback.
. "$(dirname "$0")/port_lib.sh"
# wait_http URL PID: up to 10 s for URL to answer 2xx while PID lives.
wait_http() {
	i=0
	while [ $i -lt 100 ]; do
		curl -sf -o /dev/null "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		i=$((i + 1)); sleep 0.1
	done
	return 1
}
# start_exporter LOG ARGS...: sets XPORT, XPID (timeout(1), to wait for) and XREAL (the
# exporter itself, for signals: timeout would pass them on and then arm its -k kill).
start_exporter() {
	log=$1; shift
	for try in 1 2 3; do
		XPORT=$(free_port)
		timeout -k 2 300 "$P" exporter --listen "127.0.0.1:$XPORT" "$@" 2>"$log" &
		XPID=$!
		if wait_http "http://127.0.0.1:$XPORT/-/healthy" "$XPID"; then
			XREAL=$(tr -d ' ' <"/proc/$XPID/task/$XPID/children")
			return 0
		fi
		kill "$XPID" 2>/dev/null; wait "$XPID" 2>/dev/null; XPID=""
	done
	return 1
}
