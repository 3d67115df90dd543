#!/usr/bin/env bash
# Builds a stand-in libmppoint.so whose mp_version() reports VERSION (tests/c/fake_version.c),
# for the tests of the bindings' version guards.
#
#   scripts/version-stand-in.sh VERSION DIR [REAL_LIBRARY]
#
# Writes DIR/libmppoint.so. Without REAL_LIBRARY it exports mp_version alone, so a binding
# that calls anything else before its guard refuses the library fails there. With
# REAL_LIBRARY (the libmppoint.so built from this tree) the stand-in depends on it, through a
# symbolic link DIR/libmppoint-real.so found next to the stand-in ($ORIGIN): every other
# export resolves to the real library, so a binding that accepts VERSION works as with the
# real one. Put DIR first on the library path (LD_LIBRARY_PATH), or load DIR/libmppoint.so by
# its path. CC picks the compiler (default cc). Linux (ELF) only.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 VERSION DIR [REAL_LIBRARY]" >&2
    exit 2
fi
version=$1 dir=$2 real=${3:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CC=${CC:-cc}

mkdir -p "$dir"
rm -f "$dir/libmppoint.so" "$dir/libmppoint-real.so"
# --no-as-needed: keep the dependencies although the stand-in calls nothing in them (a linker
# that drops unused ones would leave the real library out), libc included, so that a program
# that links no libc of its own (Free Pascal's) still gets one with the stand-in.
link=(-Wl,--no-as-needed)
if [ -n "$real" ]; then
    if [ ! -f "$real" ]; then
        echo "version-stand-in: $real not found" >&2
        exit 1
    fi
    # Another file name than the stand-in's, or the loader would take the stand-in for it.
    ln -s "$(cd "$(dirname "$real")" && pwd)/$(basename "$real")" "$dir/libmppoint-real.so"
    link+=(-L"$dir" -l:libmppoint-real.so -Wl,-rpath,'$ORIGIN')
fi
"$CC" -shared -fPIC -Wall -Wextra -Werror -DFAKE_VERSION="\"$version\"" \
    -o "$dir/libmppoint.so" "$root/tests/c/fake_version.c" "${link[@]}"
