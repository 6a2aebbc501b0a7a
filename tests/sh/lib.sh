# Shared by portscope's shell tests, sourced after their skip checks: P, the binary under
# test ($PORTSCOPE, else build/portscope); TMP, a scratch directory removed on exit; PID
# and PIDS, helper processes killed on exit (and XPID, the exporter exporter_lib.sh
# starts); fail MESSAGE, which ends the test (a test may redefine it to show a log).
P=${PORTSCOPE:-build/portscope}
TMP=$(mktemp -d)
PID=""
PIDS=""
XPID=""
cleanup() {
	for p in $PID $PIDS $XPID; do kill "$p" 2>/dev/null; done
	for p in $PID $PIDS $XPID; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
