#!/bin/sh
# make lint stays clean: cppcheck and clang-tidy with the checked-in configuration find
# nothing in cmd/, probe/ or report/. Run in the first pass of the suite only: the source
# is the same for the sanitizer build.
set -u
case ${PORTSCOPE:-} in
*/asan/*) echo "skip: lint runs once, in the first pass"; exit 77 ;;
esac
for tool in cppcheck clang-tidy; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool not installed (sh scripts/deps.sh lint)"; exit 77; }
done
log=$(mktemp)
trap 'rm -f "$log"' EXIT INT TERM
if env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS timeout 600 make --no-print-directory lint >"$log" 2>&1; then
	tail -n 1 "$log"
	exit 0
fi
echo "FAIL: make lint"
cat "$log"
exit 1
