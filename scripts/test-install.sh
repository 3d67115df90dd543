#!/usr/bin/env bash
# Tests `make install` and `make uninstall` as a C programmer uses them (make install-test):
#
# 1. a staged install (DESTDIR) lays out the files under the prefix, with the soname
#    symlinks, and a mppoint.pc whose paths are the prefix's, not the staging folder's;
# 2. into a temporary prefix: examples/c/sale.c is built with nothing but
#    `pkg-config --cflags --libs mppoint` and sells against the simulator (approved, with its
#    receipt); built again against the static library (`--static`: Libs.private), it needs no
#    libmppoint.so at all and sells too;
# 3. make uninstall leaves the prefix without a file.
#
# Needs the simulator (cargo build -p point-sim) and pkg-config (installed here as root if
# missing). Ends with "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
CC=${CC:-cc}
work=$root/build/install-test
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
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

command -v pkg-config >/dev/null 2>&1 || scripts/apt-install.sh install-test pkg-config || exit 1
version=$(sed -n 's/^#define MP_VERSION "\(.*\)"$/\1/p' include/point.h)
minor=${version#*.}
minor=${minor%%.*}
soversion=${version%%.*}
rm -rf "$work"
mkdir -p "$work"

# ---- 1. staged ------------------------------------------------------------------------------
stage=$work/stage
if ! make --no-print-directory install DESTDIR="$stage" PREFIX=/opt/mppoint >"$work/stage.log" 2>&1; then
    cat "$work/stage.log"
    fail "make install DESTDIR=... failed"
    finish
fi
lib=$stage/opt/mppoint/lib
missing=""
for f in "lib/libmppoint.so.$version" lib/libmppoint.a include/mppoint/point.h lib/pkgconfig/mppoint.pc bin/mppoint; do
    [ -f "$stage/opt/mppoint/$f" ] || missing+=" $f"
done
if [ -z "$missing" ] && [ "$(readlink "$lib/libmppoint.so")" = "libmppoint.so.$soversion" ] &&
    [ "$(readlink "$lib/libmppoint.so.$soversion")" = "libmppoint.so.$version" ]; then
    pass "staged install: libmppoint.so -> .so.$soversion -> .so.$version, libmppoint.a, mppoint/point.h, mppoint.pc, bin/mppoint"
else
    fail "staged install: missing:$missing; symlinks: $(ls -l "$lib" 2>&1 | tr '\n' ' ')"
fi
if [ "${version%%.*}" -eq 0 ] && [ "$minor" -gt 3 ]; then
    if [ "$(readlink "$lib/libmppoint.so.0.3")" = "libmppoint.so.$soversion" ]; then
        pass "libmppoint.so.0.3 (0.3's soname) -> .so.$soversion: a program linked against 0.3 finds this library"
    else
        fail "no libmppoint.so.0.3 -> libmppoint.so.$soversion: $(ls -l "$lib" 2>&1 | tr '\n' ' ')"
    fi
fi
if readelf -d "$lib/libmppoint.so.$version" | grep -q "Library soname: \[libmppoint.so.$soversion\]"; then
    pass "the shared library's soname is libmppoint.so.$soversion"
else
    fail "the shared library's soname is not libmppoint.so.$soversion"
fi
pc_vars="$(PKG_CONFIG_PATH=$lib/pkgconfig pkg-config --variable=libdir mppoint) $(PKG_CONFIG_PATH=$lib/pkgconfig pkg-config --variable=includedir mppoint)"
if [ "$pc_vars" = "/opt/mppoint/lib /opt/mppoint/include" ] && ! grep -q "$stage" "$lib/pkgconfig/mppoint.pc"; then
    pass "mppoint.pc names the prefix, not the staging folder"
else
    fail "mppoint.pc paths: $pc_vars"
fi

# ---- 2. into a prefix, build and sell with pkg-config alone --------------------------------
prefix=$work/prefix
make --no-print-directory install PREFIX="$prefix" >"$work/install.log" 2>&1 || {
    cat "$work/install.log"
    fail "make install PREFIX=$prefix failed"
    finish
}
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
modversion=$(pkg-config --modversion mppoint)
if [ "$modversion" = "$version" ]; then pass "pkg-config --modversion mppoint is $version"; else fail "pkg-config --modversion mppoint is '$modversion', not $version"; fi

# The technician tool, installed beside the library, reads as its own manual.
if "$prefix/bin/mppoint" --help >"$work/tool-help.log" 2>&1 && grep -q "^Exit codes:" "$work/tool-help.log" &&
    [ "$("$prefix/bin/mppoint" --version)" = "mppoint $version" ]; then
    pass "\$BINDIR/mppoint --help documents its commands and exit codes; --version is $version"
else
    sed 's/^/    /' "$work/tool-help.log"
    fail "\$BINDIR/mppoint --help or --version failed"
fi

# run_sale NAME EXE [env...]: an approved sale and its receipt against a fresh simulator.
run_sale() {
    local name=$1 exe=$2
    shift 2
    if env "$@" MP_POLL_INTERVAL_MS=50 scripts/with-sim.sh 100 "$exe" 1500 "install-$name" >"$work/$name.log" 2>&1 &&
        grep -qx "payment state: approved" "$work/$name.log" &&
        grep -q "^receipt last four digits: [0-9]" "$work/$name.log"; then
        pass "$name: the sample built with pkg-config sold (approved, with its receipt)"
    else
        sed 's/^/    /' "$work/$name.log"
        fail "$name: the sample built with pkg-config did not sell"
    fi
}

# shellcheck disable=SC2046 # pkg-config's output is a list of flags
if $CC -std=c99 -Wall -Werror -o "$work/sale" examples/c/sale.c $(pkg-config --cflags --libs mppoint) 2>"$work/cc.log"; then
    pass "cc examples/c/sale.c \$(pkg-config --cflags --libs mppoint)"
    if readelf -d "$work/sale" | grep -q "Shared library: \[libmppoint.so.$soversion\]"; then
        pass "the program needs libmppoint.so.$soversion (the soname), not a file name"
    else
        fail "the program does not record libmppoint.so.$soversion: $(readelf -d "$work/sale" | grep NEEDED | tr '\n' ' ')"
    fi
    run_sale shared "$work/sale" LD_LIBRARY_PATH="$prefix/lib"
else
    cat "$work/cc.log"
    fail "cc examples/c/sale.c \$(pkg-config --cflags --libs mppoint)"
fi

# Static: -lmppoint resolved to the archive, the rest from Libs.private.
static_flags=$(pkg-config --static --libs mppoint | sed 's/ -lmppoint / -Wl,-Bstatic -lmppoint -Wl,-Bdynamic /')
# shellcheck disable=SC2046,SC2086
if $CC -std=c99 -o "$work/sale-static" examples/c/sale.c $(pkg-config --cflags mppoint) $static_flags 2>"$work/cc-static.log"; then
    if readelf -d "$work/sale-static" | grep -q "libmppoint"; then
        fail "the static build still needs libmppoint.so"
    else
        pass "cc ... \$(pkg-config --static --libs mppoint) links the static library (Libs.private is enough)"
    fi
    run_sale static "$work/sale-static"
else
    cat "$work/cc-static.log"
    fail "the static build with \$(pkg-config --static --libs mppoint) did not link"
fi

# ---- 3. uninstall ---------------------------------------------------------------------------
make --no-print-directory uninstall PREFIX="$prefix" >"$work/uninstall.log" 2>&1 || fail "make uninstall failed"
left=$(find "$prefix" ! -type d)
if [ -z "$left" ]; then pass "make uninstall removes every installed file"; else fail "make uninstall left: $left"; fi
make --no-print-directory uninstall DESTDIR="$stage" PREFIX=/opt/mppoint >/dev/null 2>&1
finish
