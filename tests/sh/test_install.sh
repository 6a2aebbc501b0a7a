#!/bin/sh
# make install puts the binary, the man page and the completion under DESTDIR/PREFIX.
set -eu
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
make --no-print-directory -s install DESTDIR="$dest" PREFIX=/opt/ps BUILD="${PORTSCOPE%/portscope}" >/dev/null
test -x "$dest/opt/ps/bin/portscope"
test -f "$dest/opt/ps/share/man/man1/portscope.1"
test -f "$dest/opt/ps/share/bash-completion/completions/portscope"
"$dest/opt/ps/bin/portscope" --version | grep -q '^portscope '
bash -n "$dest/opt/ps/share/bash-completion/completions/portscope"
