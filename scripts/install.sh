#!/usr/bin/env bash
# `make install` / `make uninstall`: the C library for C and C++ programs, where pkg-config
# finds it.
#
#   scripts/install.sh install|uninstall
#
# Environment (make passes them): PREFIX (default /usr/local), DESTDIR (staging root, empty by
# default), LIBDIR (default $PREFIX/lib), INCLUDEDIR ($PREFIX/include), BINDIR ($PREFIX/bin);
# make takes the last three as libdir=, includedir=, bindir=.
# Installs, from scripts/release-lib.sh's build:
#
#   $LIBDIR/libmppoint.so.X.Y.Z           the shared library, soname libmppoint.so.X (the
#   $LIBDIR/libmppoint.so.X               major), with its two symlinks, and on 0.x a link
#   $LIBDIR/libmppoint.so                 libmppoint.so.0.3 (0.3's soname) for programs
#   $LIBDIR/libmppoint.so.0.3             linked against 0.3
#   $LIBDIR/libmppoint.a                  the static library
#   $INCLUDEDIR/mppoint/point.h           the header (`#include "point.h"` with pkg-config's
#                                         cflags, or <mppoint/point.h>)
#   $LIBDIR/pkgconfig/mppoint.pc          Version is the crate's; Libs.private what the static
#                                         library needs
#   $BINDIR/mppoint                       the technician tool (cli/, `mppoint --help`)
#
# uninstall removes exactly those files (and the mppoint include folder once empty).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
CARGO=${CARGO:-cargo}
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
LIBDIR=${LIBDIR:-$PREFIX/lib}
INCLUDEDIR=${INCLUDEDIR:-$PREFIX/include}
BINDIR=${BINDIR:-$PREFIX/bin}

say() { echo "install: $*" >&2; }

version=$(sed -n 's/^#define MP_VERSION "\(.*\)"$/\1/p' include/point.h)
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
soversion=$major
# The sonames of 0.3, the first minor whose successors only add to it: a program linked
# against it asks for libmppoint.so.0.3, which this library serves.
compat_sonames=()
if [ "$major" -eq 0 ]; then
    for ((m = 3; m < minor; m++)); do compat_sonames+=("libmppoint.so.0.$m"); done
fi

lib=$DESTDIR$LIBDIR
inc=$DESTDIR$INCLUDEDIR/mppoint
bin=$DESTDIR$BINDIR
files=("$lib/libmppoint.so.$version" "$lib/libmppoint.so.$soversion" "$lib/libmppoint.so"
    "${compat_sonames[@]/#/$lib/}"
    "$lib/libmppoint.a" "$inc/point.h" "$lib/pkgconfig/mppoint.pc" "$bin/mppoint")

# A path below PREFIX as ${prefix}/..., so pkg-config --define-prefix can relocate it.
under_prefix() {
    case "$1" in
        "$PREFIX"/*) echo "\${prefix}${1#"$PREFIX"}" ;;
        *) echo "$1" ;;
    esac
}

install_all() {
    scripts/release-lib.sh >/dev/null
    local out=target/release
    install -d "$lib/pkgconfig" "$inc"
    install -m 755 "$out/libmppoint.so" "$lib/libmppoint.so.$version"
    ln -sfn "libmppoint.so.$version" "$lib/libmppoint.so.$soversion"
    ln -sfn "libmppoint.so.$soversion" "$lib/libmppoint.so"
    for old in "${compat_sonames[@]}"; do ln -sfn "libmppoint.so.$soversion" "$lib/$old"; done
    install -m 644 "$out/libmppoint.a" "$lib/libmppoint.a"
    install -m 644 include/point.h "$inc/point.h"
    # The paths inside the .pc are the final ones, without DESTDIR.
    {
        echo "prefix=$PREFIX"
        echo "libdir=$(under_prefix "$LIBDIR")"
        echo "includedir=$(under_prefix "$INCLUDEDIR")"
        echo
        echo "Name: mppoint"
        echo "Description: Card payments on Mercado Pago Point terminals (C interface)"
        echo "Version: $version"
        echo "Libs: -L\${libdir} -lmppoint"
        echo "Libs.private: $(cat "$out/mppoint-native-static-libs.txt")"
        echo "Cflags: -I\${includedir}/mppoint"
    } >"$lib/pkgconfig/mppoint.pc"
    chmod 644 "$lib/pkgconfig/mppoint.pc"
    say "libmppoint $version (soname libmppoint.so.$soversion) into $lib, point.h into $inc"
    "$CARGO" build --release -p mppoint-cli --bin mppoint
    install -d "$bin"
    install -m 755 target/release/mppoint "$bin/mppoint"
    say "the mppoint tool into $bin"
}

uninstall_all() {
    local f
    for f in "${files[@]}"; do
        if [ -e "$f" ] || [ -L "$f" ]; then
            rm -f "$f"
            say "removed $f"
        fi
    done
    rmdir "$inc" 2>/dev/null || true
}

case "${1:-}" in
    install) install_all ;;
    uninstall) uninstall_all ;;
    *)
        echo "usage: $0 install|uninstall" >&2
        exit 2
        ;;
esac
