#!/bin/sh
# Policy files at the edges: out of memory while loading a large policy (ulimit -v) exits 3
# with a reason, not 2 with FILE:-1:-1; an empty file is at 1:1 (not 1:0); an unknown key
# longer than 256 bytes is found where it is (not 1:1).
set -u
bin=${PORTSCOPE:-build/portscope}
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
rules = [{"proto": "tcp", "port": i % 65535 + 1, "comment": "rule %d" % i} for i in range(200000)]
json.dump({"allow": rules}, open(d + "/big.json", "w"))
open(d + "/empty.json", "w").close()
open(d + "/key.json", "w").write('{"allow": [], "' + "k" * 300 + '": 1}\n')
PY
# Address space for the binary and its libraries but not for the policy's tree. Not under
# AddressSanitizer, whose shadow memory alone is more than any such limit.
case $bin in
*/asan/*) ;;
*)
	(ulimit -v 40000 && exec "$bin" audit --policy "$tmp/big.json") >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc = 3 ] || fail "out of memory loading a policy: exit $rc, expected 3: $(cat "$tmp/err")"
	grep -q "out of memory" "$tmp/err" || fail "no reason: $(cat "$tmp/err")"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "not one line: $(cat "$tmp/err")"
	;;
esac
"$bin" audit --policy "$tmp/empty.json" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q "empty.json:1:1: " "$tmp/err" || fail "empty policy: exit $rc, $(cat "$tmp/err")"
"$bin" audit --policy "$tmp/key.json" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q "key.json:1:15: unknown field" "$tmp/err" ||
	fail "over-long key: exit $rc, $(cat "$tmp/err")"
exit 0
