#!/bin/sh
# The house rules docs/design.md states for cmd/, probe/ and report/: no file over 600
# lines, no function over 80 (from the line of its name to its closing brace). A file or
# function that grows past them is split by concern, not excused here.
set -u
cd "$(dirname "$0")/../.." || exit 1
bad=0
for f in cmd/*.[ch] probe/*.[ch] report/*.[ch]; do
	n=$(wc -l <"$f")
	if [ "$n" -gt 600 ]; then
		echo "FAIL: $f has $n lines (at most 600)"
		bad=1
	fi
done
# A function starts at a line that begins with its type and holds '(' and ends at the
# first '}' in column 0 after its opening '{' in column 0 (the layout .clang-format keeps).
long=$(awk '
	FNR == 1 { start = 0 }
	/^[A-Za-z_].*\(/ { sig = $0; sigline = FNR }
	/^\{/ { start = sigline; name = sig }
	/^\}/ && start {
		if (FNR - start + 1 > 80) {
			sub(/\(.*/, "", name); n = split(name, w, /[ *]+/)
			printf "%s:%d %s: %d lines\n", FILENAME, start, w[n], FNR - start + 1
		}
		start = 0
	}' cmd/*.c probe/*.c report/*.c)
if [ -n "$long" ]; then
	echo "FAIL: functions over 80 lines:"
	echo "$long"
	bad=1
fi
[ $bad = 0 ] && echo "files <= 600 lines, functions <= 80 lines"
exit $bad
