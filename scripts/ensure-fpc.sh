#!/usr/bin/env bash
# Makes sure the Free Pascal compiler and its run-time units exist, for the Delphi binding's
# tests (bindings/delphi/test.sh). Installs the two Debian packages it needs when run as
# root; otherwise names them and fails. Safe to run repeatedly: it does nothing when fpc can
# already compile a program that uses SysUtils.
#
#   scripts/ensure-fpc.sh
#
# The `fpc` metapackage pulls in ~150 packages; the compiler and the RTL are enough here.
set -euo pipefail

packages=(fp-compiler-3.2.2 fp-units-rtl-3.2.2)

# fpc is usable when it compiles a program with SysUtils (the RTL units are a separate package).
fpc_works() {
    command -v fpc >/dev/null 2>&1 || return 1
    local dir status
    dir=$(mktemp -d "${TMPDIR:-/tmp}/ensure-fpc.XXXXXX")
    printf 'program probe;\nuses SysUtils;\nbegin\n  WriteLn(IntToStr(1));\nend.\n' >"$dir/probe.pas"
    status=0
    fpc -Mdelphi -FE"$dir" "$dir/probe.pas" >"$dir/log" 2>&1 || status=1
    rm -rf "$dir"
    return "$status"
}

if fpc_works; then
    exit 0
fi

"$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" ensure-fpc "${packages[@]}"

if ! fpc_works; then
    echo "ensure-fpc: fpc was installed but cannot compile a program that uses SysUtils" >&2
    exit 1
fi
