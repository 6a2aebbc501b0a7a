#!/bin/sh
# Run every benchmark script in tests/bench (make bench).
set -u
dir=$(dirname "$0")
rc=0
for b in "$dir"/*.sh; do
	case $(basename "$b") in run.sh|lib.sh) continue ;; esac
	echo "== $(basename "$b")"
	sh "$b" || rc=1
done
exit $rc
