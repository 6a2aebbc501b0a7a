#!/bin/sh
# The bash completion and the man page's option lists are generated from cmd/'s option
# tables (make docs): regenerate them into a temporary directory and fail when the files
# in the tree differ. And every option of every table appears in its command's --help,
# and in the man page.
set -u
ps=${PORTSCOPE:-build/portscope}
gen=$(dirname "$ps")/gen-docs
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$gen" ] || { echo "$gen not built (make check builds it)"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$gen" completion >"$TMP/portscope.bash" || fail "gen-docs completion"
"$gen" man man/portscope.1 >"$TMP/portscope.1" || fail "gen-docs man"
diff -u completion/portscope.bash "$TMP/portscope.bash" ||
	fail "completion/portscope.bash is not what the option tables say: run make docs"
diff -u man/portscope.1 "$TMP/portscope.1" ||
	fail "man/portscope.1 options are not what the option tables say: run make docs"

"$gen" options >"$TMP/options" || fail "gen-docs options"
[ "$(wc -l <"$TMP/options")" -gt 50 ] || fail "too few options: $(cat "$TMP/options")"
while read -r cmd opt; do
	[ -f "$TMP/help.$cmd" ] || "$ps" "$cmd" --help >"$TMP/help.$cmd" || fail "$cmd --help"
	case $opt in
	--*) pat="^ .*$opt\\( \\|\$\\|\\[=\\)" ;;
	*) pat="^  $opt\\(, \\| \\)" ;;
	esac
	grep -q -- "$pat" "$TMP/help.$cmd" || fail "$cmd --help does not show $opt"
done <"$TMP/options"

# What list does not take is not offered: -o nagios is check's alone.
sed -n '/^\tlist)/,/^\t\topts=/p' completion/portscope.bash | grep -q nagios &&
	fail "completion offers -o nagios to list"
bash -n completion/portscope.bash || fail "completion is not valid bash"
exit 0
