#!/usr/bin/env bash
# Tests the Windows DLLs of dist/windows (`make test-windows` builds them first):
#
# 1. tables, for each flavour (no Wine needed): the export table is exactly the functions of
#    the ABI manifest, as its generated .def files list them (include/windows/: the functions of
#    point.h, plus their NAME_std twins on 32-bit); the import table names only Windows system
#    DLLs (nothing to ship beside the DLL); the Windows 7 DLL imports no Windows 8+/10+ function;
# 2. under Wine, with point-sim running on this Linux host: tests/windows/win_sale.c, built
#    with mingw-w64, runs a whole sale, the 409 and cancel paths, a panic-boundary check and
#    non-ASCII round trips through each DLL: x64, x86 (cdecl), x86 (the _std exports through
#    __stdcall pointers) and x86-win7; and each flavour's mppoint.exe (the technician tool)
#    lists the terminals and makes an approved sale, with --json.
#
# Wine 8 has no bcryptprimitives.dll (ProcessPrng), which the Windows 10+ flavours import: a
# test-only stand-in (tests/windows/bcryptprimitives.c) is put beside their test programs.
# A tool that cannot be installed (e.g. wine32:i386 on a mirror with a broken i386 index) fails
# the flavours that need it, loudly; the others still run. Ends with "N passed, N failed",
# summed over all checks, and exits non-zero on any failure.
#
#   scripts/test-windows.sh [FLAVOUR...]                (default: x64 x86 x86-win7)
#   scripts/test-windows.sh --tables-only [FLAVOUR...]  part 1 only (no Wine)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

STEP_MS=${MPPOINT_WIN_STEP_MS:-300}
build=build/windows
passed=0
failed=0
problems=()

pass() {
    passed=$((passed + 1))
    echo "ok: $*"
}
fail() {
    failed=$((failed + 1))
    problems+=("$*")
    echo "FAIL: $*"
}

# ---- 1. export and import tables -------------------------------------------------------------

# The exports of a .def file, one per line, sorted.
def_exports() { # DEF
    awk '/^EXPORTS$/ { on = 1; next } on && /^    / { print $1 }' "$1" | LC_ALL=C sort
}

expected_exports() { # FLAVOUR
    case "$1" in
        x64) def_exports include/windows/mppoint-x64.def ;;
        *) def_exports include/windows/mppoint-x86.def ;;
    esac
}

# "NAME BYTES" for every function: the stdcall byte count of its twin (from NAME_std@BYTES).
stdcall_bytes() {
    def_exports include/windows/mppoint-x86-implib.def | sed -n 's/^\(.*\)_std@\([0-9]*\)$/\1 \2/p'
}

dll_exports() { # DLL
    x86_64-w64-mingw32-objdump -p "$1" |
        awk '/^\[Ordinal\/Name Pointer\] Table/ { on = 1; next } on && /^\t\[/ { print $NF; next } on { on = 0 }' |
        LC_ALL=C sort
}

dll_imports() { # DLL
    x86_64-w64-mingw32-objdump -p "$1" | awk '/DLL Name:/ { print tolower($3) }' | LC_ALL=C sort -u
}

# Windows system DLLs: on every Windows the flavour supports, never shipped with a program.
SYSTEM_DLLS=" kernel32.dll ntdll.dll advapi32.dll ws2_32.dll userenv.dll bcrypt.dll "
SYSTEM_DLLS+="bcryptprimitives.dll msvcrt.dll crypt32.dll secur32.dll user32.dll shell32.dll "
SYSTEM_DLLS+="ole32.dll api-ms-win-core-synch-l1-2-0.dll "

check_tables() { # FLAVOUR
    local flavour=$1 dll=dist/windows/$1/mppoint.dll diff imports dll_name bad=0
    if [ ! -f "$dll" ]; then
        fail "$flavour: $dll was not built"
        return
    fi
    diff=$(diff <(expected_exports "$flavour") <(dll_exports "$dll"))
    if [ -z "$diff" ]; then
        pass "$flavour: exports are the $(expected_exports "$flavour" | wc -l) exports of the ABI manifest$([ "$flavour" = x64 ] || echo ', the functions and their _std twins')"
    else
        fail "$flavour: exports differ from the ABI manifest (< missing, > extra):"$'\n'"$diff"
    fi
    diff=$(diff <(def_exports "dist/windows/$flavour/mppoint.def") <(dll_exports "$dll"))
    if [ -z "$diff" ]; then pass "$flavour: mppoint.def lists the DLL's exports"; else fail "$flavour: mppoint.def differs from the DLL:"$'\n'"$diff"; fi
    imports=$(dll_imports "$dll")
    for dll_name in $imports; do
        case "$SYSTEM_DLLS" in
            *" $dll_name "*) ;;
            *)
                fail "$flavour: imports $dll_name, which is not a Windows system DLL"
                bad=1
                ;;
        esac
    done
    [ "$bad" -eq 0 ] && pass "$flavour: imports only Windows system DLLs: $(echo $imports)"
    if [ "$flavour" = x86-win7 ]; then
        local newer
        newer=$(x86_64-w64-mingw32-objdump -p "$dll" |
            grep -Eo '\b(ProcessPrng|WaitOnAddress|WakeByAddress[A-Za-z]*|GetSystemTimePreciseAsFileTime)\b' | sort -u)
        if [ -z "$newer" ] && ! grep -qx 'bcryptprimitives.dll\|api-ms-win-core-synch-l1-2-0.dll' <<<"$imports"; then
            pass "$flavour: imports no Windows 8+/10+ function"
        else
            fail "$flavour: imports functions Windows 7 lacks: $(echo $newer)"
        fi
    fi
    [ "$flavour" = x64 ] || check_stack_pops "$flavour"
    # SQLite is compiled in for the journal; the DLL must still stay under 3 MB (3,000,000 bytes).
    local size
    size=$(stat -c %s "$dll")
    if [ "$size" -lt 3000000 ]; then
        pass "$flavour: mppoint.dll is $size bytes, under 3 MB"
    else
        fail "$flavour: mppoint.dll is $size bytes, not under 3 MB (3,000,000 bytes)"
    fi
}

# 32-bit only: how many bytes of arguments each export pops when it returns (the first `ret`
# from its entry point). cdecl functions pop none; a stdcall `_std` twin pops exactly the size
# of its C parameters, as the ABI manifest gives them, or every call from VB6 would corrupt the
# stack.
check_stack_pops() { # FLAVOUR
    local flavour=$1 dll=dist/windows/$1/mppoint.dll table base name rva address ret want bad=0
    local -A bytes=()
    while read -r name want; do bytes[$name]=$want; done < <(stdcall_bytes)
    table=$(i686-w64-mingw32-objdump -p "$dll")
    base=$(awk '/^ImageBase/ { print $2 }' <<<"$table")
    while read -r name rva; do
        address=$((0x$base + 0x$rva))
        ret=$(i686-w64-mingw32-objdump -d --start-address=$address --stop-address=$((address + 8192)) "$dll" |
            grep -m1 -P '\tret' | sed 's/.*\tret *//')
        want=""
        if [[ $name == *_std ]] && [ "${bytes[${name%_std}]:-0}" != 0 ]; then
            want=$(printf '$0x%x' "${bytes[${name%_std}]}")
        fi
        if [ "$ret" != "$want" ]; then
            fail "$flavour: $name returns with 'ret $ret', want 'ret $want'"
            bad=1
        fi
    done < <(paste \
        <(sed -n '/^\[Ordinal\/Name Pointer\] Table/,/^$/p' <<<"$table" | grep -P '^\t\[' | sed 's/.*\] //') \
        <(sed -n '/^Export Address Table -- Ordinal Base/,/^$/p' <<<"$table" | grep -P '^\t\[' | awk '{ print $(NF-2) }'))
    [ "$bad" -eq 0 ] && pass "$flavour: cdecl exports pop no arguments, each _std twin pops its C parameters' size"
}

# bindings/vb6/MpPointApi.bas declares every function of the manifest through its _std twin,
# with parameters whose stdcall sizes add up to the C ones (a wrong one would unbalance the
# stack): a check of the VB6 generator's types, independent of it.
check_vb6() {
    local bas=bindings/vb6/MpPointApi.bas diff
    diff=$(diff <(stdcall_bytes | awk '{ print $1 "_std", $2 }' | LC_ALL=C sort) \
        <(tr -d '\r' <"$bas" | awk '
            /^Public Declare (Function|Sub) .* Lib "mppoint.dll" Alias "mp_[a-z0-9_]+_std"/ {
                name = $0; sub(/.*Alias "/, "", name); sub(/".*/, "", name)
                args = $0; sub(/^[^(]*\(/, "", args); sub(/\).*$/, "", args)
                bytes = 0
                n = split(args, parts, ", ")
                for (i = 1; i <= n; i++)
                    bytes += (parts[i] ~ /^ByVal .* As Currency$/) ? 8 : (parts[i] == "" ? 0 : 4)
                print name, bytes
            }' | LC_ALL=C sort))
    if [ -z "$diff" ]; then
        pass "vb6: MpPointApi.bas declares every _std export with parameters of the right sizes"
    else
        fail "vb6: MpPointApi.bas differs from the manifest (< manifest: NAME_std BYTES, > MpPointApi.bas):"$'\n'"$diff"
    fi
}

# ---- 2. the sale under Wine --------------------------------------------------------------------

# build_test FLAVOUR NAME [CFLAGS...]: compiles win_sale.c into $build/FLAVOUR/NAME.exe beside
# a copy of the DLL (and the bcryptprimitives stand-in for the Windows 10+ flavours).
build_test() {
    local flavour=$1 name=$2 prefix
    shift 2
    case "$flavour" in x64) prefix=x86_64-w64-mingw32 ;; *) prefix=i686-w64-mingw32 ;; esac
    local dir=$build/$flavour
    mkdir -p "$dir"
    cp "dist/windows/$flavour/mppoint.dll" "$dir/"
    rm -f "$dir/bcryptprimitives.dll"
    if [ "$flavour" != x86-win7 ]; then
        "$prefix-gcc" -O1 -Wall -Wextra -Werror -shared -o "$dir/bcryptprimitives.dll" \
            tests/windows/bcryptprimitives.c -ladvapi32 -Wl,--kill-at || return 1
    fi
    "$prefix-gcc" -std=c99 -O1 -Wall -Wextra -Werror -Iinclude "$@" -o "$dir/$name.exe" \
        tests/windows/win_sale.c "dist/windows/$flavour/libmppoint.dll.a" -static
}

wine_env() { # ARCH: win64|win32
    export WINEPREFIX=$root/build/wine/$1 WINEARCH=$1 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=
}

init_prefix() { # ARCH LOADER
    (
        wine_env "$1"
        if [ ! -f "$WINEPREFIX/system.reg" ]; then
            echo "creating Wine prefix build/wine/$1" >&2
            mkdir -p "$WINEPREFIX"
            "$2" wineboot -i >/dev/null 2>&1 || exit 1
            wineserver -w
        fi
    )
}

run_test() { # FLAVOUR NAME ARCH LOADER
    local flavour=$1 name=$2 arch=$3 loader=$4 log=$build/$1/$2.log status=0
    echo "=== $flavour: $name.exe under Wine"
    (
        wine_env "$arch"
        cd "$build/$flavour"
        timeout 300 "$root/scripts/with-sim.sh" "$STEP_MS" "$loader" "$name.exe"
    ) >"$log" 2>&1 || status=$?
    sed 's/^/    /' "$log"
    local line p f
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        p=${line%% passed*}
        f=${line#*passed, }
        f=${f%% failed*}
        passed=$((passed + p))
        failed=$((failed + f))
        [ "$f" -gt 0 ] && problems+=("$flavour $name: $f checks failed")
    fi
    if grep -qi 'panicked\|MPPOINT_TEST_PANIC is set' "$log"; then
        fail "$flavour $name: a caught panic printed to the host's output"
    fi
    if [ "$status" -ne 0 ] || [ -z "$line" ]; then
        fail "$flavour $name: exited with status $status"
    fi
}

# run_tool FLAVOUR ARCH LOADER: the flavour's mppoint.exe against the simulator under Wine.
run_tool() {
    local flavour=$1 arch=$2 loader=$3 dir=$build/$1 log=$build/$1/mppoint-exe.log status=0
    echo "=== $flavour: mppoint.exe under Wine"
    cp "dist/windows/$flavour/mppoint.exe" "$dir/"
    (
        wine_env "$arch"
        cd "$dir"
        # shellcheck disable=SC2016 # expanded by the inner shell, which sees MP_BASE_URL
        timeout 300 "$root/scripts/with-sim.sh" "$STEP_MS" bash -c '
            "$0" mppoint.exe --json devices && "$0" mppoint.exe --json --poll-interval-ms 100 \
                sale 15.00 --device PAX_A910__SMARTPOS1495357742' "$loader"
    ) >"$log" 2>&1 || status=$?
    sed 's/^/    /' "$log"
    if [ "$status" -eq 0 ] && grep -q '"devices":\[' "$log" &&
        grep -q '"state":"FINISHED"' "$log" && grep -q '"state":"approved"' "$log"; then
        pass "$flavour: mppoint.exe lists the terminals and sells (approved) under Wine"
    else
        fail "$flavour: mppoint.exe under Wine exited $status without an approved sale"
    fi
}

# ---- main ------------------------------------------------------------------------------------

tables_only=0
if [ "${1:-}" = --tables-only ]; then
    tables_only=1
    shift
fi
flavours=("$@")
[ "${#flavours[@]}" -gt 0 ] || flavours=(x64 x86 x86-win7)
wants() { [[ " ${flavours[*]} " == *" $1 "* ]]; }
for flavour in "${flavours[@]}"; do
    case "$flavour" in
        x64 | x86 | x86-win7) check_tables "$flavour" ;;
        *)
            echo "test-windows: unknown flavour $flavour (x64, x86, x86-win7)" >&2
            exit 2
            ;;
    esac
done
check_vb6

# Skips part 2 by emptying the list of flavours to run under Wine.
[ "$tables_only" -eq 1 ] && flavours=()

cargo build -q -p point-sim || fail "point-sim did not build"

# x64
if ! wants x64; then
    :
elif scripts/ensure-windows-tools.sh wine64; then
    if build_test x64 win_sale && init_prefix win64 /usr/lib/wine/wine64; then
        run_test x64 win_sale win64 /usr/lib/wine/wine64
        run_tool x64 win64 /usr/lib/wine/wine64
    else
        fail "x64: could not build the test program or the Wine prefix"
    fi
else
    fail "x64: Wine (wine64) could not be installed; see the error above"
fi

# x86, x86 stdcall, x86-win7
runs32=()
wants x86 && runs32+=("x86 win_sale" "x86 win_sale_std -DMP_STDCALL")
wants x86-win7 && runs32+=("x86-win7 win_sale")
if [ "${#runs32[@]}" -eq 0 ]; then
    :
elif scripts/ensure-windows-tools.sh wine32; then
    if init_prefix win32 /usr/lib/wine/wine; then
        for spec in "${runs32[@]}"; do
            set -- $spec
            if build_test "$1" "$2" "${@:3}"; then
                run_test "$1" "$2" win32 /usr/lib/wine/wine
                [ "$2" = win_sale ] && run_tool "$1" win32 /usr/lib/wine/wine
            else
                fail "$1: could not build $2.exe"
            fi
        done
    else
        fail "x86: could not create the 32-bit Wine prefix"
    fi
else
    # Still compile them, so a build error is not hidden behind the missing Wine.
    for spec in "${runs32[@]}"; do
        set -- $spec
        build_test "$1" "$2" "${@:3}" || fail "$1: could not build $2.exe"
        fail "$1 $2.exe: NOT RUN: wine32:i386 could not be installed (apt's error is above)"
    done
fi

echo
if [ "${#problems[@]}" -gt 0 ]; then
    echo "test-windows: failures:"
    printf '  - %s\n' "${problems[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
