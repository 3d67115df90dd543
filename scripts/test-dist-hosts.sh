#!/usr/bin/env bash
# Tests dist/delphi/ and dist/vb6/ (make dist-hosts-test): each holds exactly its files, its
# DLLs are the ones of dist/windows for the right machine, its README names every file, the
# sources are the bindings' own (VB6 modules with their CRLF line ends), and the Delphi folder
# alone is enough: bindings/delphi/sale.dpr, built with Free Pascal against dist/delphi/source
# and dist/delphi/linux-x64 only, sells against the simulator. Ends with "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
work=$root/build/dist-hosts-test
passed=0
failed=0
pass() {
    passed=$((passed + 1))
    echo "ok: $*"
}
fail() {
    failed=$((failed + 1))
    echo "FAIL: $*"
}
rm -rf "$work"
mkdir -p "$work/units"
soname=$(scripts/release-lib.sh 2>/dev/null | cut -d' ' -f2)
if ! scripts/dist-hosts.sh >"$work/dist.log" 2>&1; then
    cat "$work/dist.log"
    fail "scripts/dist-hosts.sh"
    echo "$passed passed, $failed failed"
    exit 1
fi

machine() { # FILE: x64, i386 or elf-x86-64
    python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read(4096)
if data[:4] == b"\x7fELF":
    print("elf-x86-64" if data[18] == 62 else "elf-other")
else:
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    print({0x8664: "x64", 0x14C: "i386"}.get(struct.unpack_from("<H", data, pe + 4)[0], "other"))
PY
}

# check_folder DIR "FILE SOURCE MACHINE"...: exactly these files, each a copy of its source.
check_folder() {
    local dir=$1 spec file source want files=() bad=0
    shift
    for spec in "$@"; do
        read -r file source want <<<"$spec"
        files+=("$file")
        if [ "$source" != - ] && ! cmp -s "$dir/$file" "$source"; then
            fail "$dir/$file is not a copy of $source"
            bad=1
        fi
        if [ "$want" != - ] && [ "$(machine "$dir/$file")" != "$want" ]; then
            fail "$dir/$file is not $want"
            bad=1
        fi
        if [ "$file" != README.md ] && ! grep -qF "\`$file\`" "$dir/README.md"; then
            fail "$dir/README.md does not say where $file goes"
            bad=1
        fi
    done
    local got expected
    got=$(cd "$dir" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
    expected=$(printf '%s\n' "${files[@]}" | LC_ALL=C sort)
    if [ "$got" != "$expected" ]; then
        fail "$dir holds other files than expected:"$'\n'"$(diff <(echo "$expected") <(echo "$got"))"
        bad=1
    fi
    [ "$bad" -eq 0 ] && pass "$dir: exactly ${#files[@]} files, each the right copy, each in the README"
}

check_folder dist/delphi "README.md - -" \
    "source/MpPoint.pas bindings/delphi/MpPoint.pas -" "source/MpPointApi.inc bindings/delphi/MpPointApi.inc -" \
    "win32/mppoint.dll dist/windows/x86/mppoint.dll i386" "win32-win7/mppoint.dll dist/windows/x86-win7/mppoint.dll i386" \
    "win64/mppoint.dll dist/windows/x64/mppoint.dll x64" "linux-x64/$soname - elf-x86-64"
if [ "$(readlink dist/delphi/linux-x64/libmppoint.so)" = "$soname" ]; then
    pass "dist/delphi/linux-x64/libmppoint.so links to $soname"
else
    fail "dist/delphi/linux-x64/libmppoint.so does not link to $soname"
fi
check_folder dist/vb6 "README.md - -" \
    "MpPointApi.bas bindings/vb6/MpPointApi.bas -" "MpPoint.bas bindings/vb6/MpPoint.bas -" \
    "x86/mppoint.dll dist/windows/x86/mppoint.dll i386" "x86-win7/mppoint.dll dist/windows/x86-win7/mppoint.dll i386"
if ! grep -qv $'\r$' dist/vb6/MpPointApi.bas dist/vb6/MpPoint.bas && head -n 1 dist/vb6/MpPointApi.bas | grep -q '^Attribute VB_Name = "MpPointApi"'; then
    pass "dist/vb6: the modules have CRLF line ends and MpPointApi.bas starts with its VB_Name"
else
    fail "dist/vb6: a module lacks CRLF line ends or its VB_Name line"
fi

# The Delphi folder alone builds and sells (Free Pascal on Linux).
if ! command -v fpc >/dev/null 2>&1; then
    scripts/ensure-fpc.sh || fail "fpc could not be installed"
fi
lib=$root/dist/delphi/linux-x64
if fpc -Mdelphi -l- -vw -Fu"$root/dist/delphi/source" -Fi"$root/dist/delphi/source" -Fl"$lib" -k-rpath="$lib" \
    -FE"$work" -FU"$work/units" bindings/delphi/sale.dpr >"$work/fpc.log" 2>&1; then
    if MP_POLL_INTERVAL_MS=50 scripts/with-sim.sh 100 "$work/sale" 1500 dist-delphi >"$work/sale.log" 2>&1 &&
        grep -qx "payment state: approved" "$work/sale.log"; then
        pass "dist/delphi alone: sale.dpr built with its source/ and linux-x64/ sold (approved)"
    else
        sed 's/^/    /' "$work/sale.log"
        fail "dist/delphi: the sample built from it did not sell"
    fi
else
    cat "$work/fpc.log"
    fail "dist/delphi: sale.dpr does not build with source/ and linux-x64/ alone"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
