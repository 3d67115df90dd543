#!/usr/bin/env bash
# Builds the Linux release library once for everything that ships it (`make install`, the
# Python wheel, the NuGet package): target/release/libmppoint.so (fat LTO, with the soname
# below) and target/release/libmppoint.a from one `cargo rustc`, and writes beside them
# mppoint-native-static-libs.txt (what a C program linking the .a needs, as rustc prints it).
# Cargo skips the build when nothing changed.
#
#   scripts/release-lib.sh            builds, then prints the version and the soname
#
# The soname names the major (libmppoint.so.0, libmppoint.so.1): from 0.4 on a minor only adds
# to the interface, so a program linked against 0.4 runs with 0.5, as the bindings' ABI guard
# accepts. Up to 0.3 it named the major.minor (libmppoint.so.0.3): `make install` links that
# name to this library, so a program linked against 0.3 finds it too.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
CARGO=${CARGO:-cargo}

# The crate's version, as build.rs wrote it into the header.
version=$(sed -n 's/^#define MP_VERSION "\(.*\)"$/\1/p' include/point.h)
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
if [ -z "$version" ] || [ -z "$major" ] || [ -z "$minor" ]; then
    echo "release-lib: no MP_VERSION in include/point.h" >&2
    exit 1
fi
soversion=$major
soname=libmppoint.so.$soversion

out=target/release
notes=$out/mppoint-native-static-libs.txt
build() {
    # Without rlib among the crate types, cargo keeps the release profile's fat LTO.
    "$CARGO" rustc --release -p mppoint --lib --crate-type cdylib,staticlib -- \
        -C link-arg=-Wl,-soname,"$soname" --print native-static-libs 2>&1 | tee "$out/.release-lib.log" >&2
    local status=${PIPESTATUS[0]}
    [ "$status" -eq 0 ] || exit "$status"
    # rustc prints the note only when it compiles the crate.
    local libs
    libs=$(sed -n 's/^note: native-static-libs: //p' "$out/.release-lib.log" | tail -n 1)
    [ -n "$libs" ] && echo "$libs" >"$notes"
    rm -f "$out/.release-lib.log"
}
mkdir -p "$out"
build
if [ ! -s "$notes" ]; then
    # Built before this script existed: compile the crate once more to hear rustc's note.
    "$CARGO" clean --release -p mppoint >&2
    build
fi
if ! readelf -d "$out/libmppoint.so" | grep -q "Library soname: \[$soname\]"; then
    echo "release-lib: $out/libmppoint.so lacks the soname $soname" >&2
    exit 1
fi
echo "$version $soname"
