#!/bin/sh
# When sock_diag is unavailable (a sandbox without netlink), list exits 3 with the reason.
set -u
ps=${PORTSCOPE:-build/portscope}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
${TEST_CC:-cc} -shared -fPIC -o "$dir/nonetlink.so" tests/sh/nonetlink.c -ldl || exit 1
err=$(ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$dir/nonetlink.so" "$ps" list 2>&1 >/dev/null)
rc=$?
[ "$rc" = 3 ] || { echo "exit $rc, want 3: $err"; exit 1; }
case $err in
"portscope: netlink: cannot open sock_diag socket: Address family not supported"*) ;;
*) echo "unexpected message: $err"; exit 1 ;;
esac
[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || { echo "more than one line: $err"; exit 1; }
exit 0
