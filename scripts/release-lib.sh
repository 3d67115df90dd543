#!/usr/bin/env bash
# Builds the Linux release library once for everything that ships it (`make install`, the
# Python wheel, the NuGet package): target/release/libmppoint.so (fat LTO, with the soname
# below) and target/release/libmppoint.a from one `cargo rustc`, and writes beside them
# mppoint-native-static-libs.txt (what a C program linking the .a needs, as rustc prints it).
# Cargo skips the build when nothing changed.
#
#   scripts/release-lib.sh            builds, then prints the version and the soname
#
# The soname names one major.minor while the major is 0 (libmppoint.so.0.4 for 0.4.x), one major
# from 1.0 on (libmppoint.so.1). While the major is 0 that is stricter than the bindings' ABI
# guard, which from 0.4 on also accepts a newer minor of the same major (a minor only adds): a
# program linked against libmppoint.so.0.4 does not find a libmppoint.so.0.5 by its soname.
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
if [ "$major" -eq 0 ]; then soversion=0.$minor; else soversion=$major; fi
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
