#!/usr/bin/env bash
# Builds the Python wheels of bindings/python into dist/python/, each with its native library
# inside the package (mppoint/), where the loader finds it without any environment variable:
#
#   linux    py3-none-manylinux_2_N_x86_64  target/release/libmppoint.so (scripts/release-lib.sh;
#                                           N: the newest glibc symbol version it uses), stripped
#   win64    py3-none-win_amd64             dist/windows/x64/mppoint.dll
#   win32    py3-none-win32                 dist/windows/x86-win7/mppoint.dll (runs on Windows
#                                           7 SP1 and later, like Python 3.8 itself)
#
#   scripts/python-wheels.sh [linux] [win64] [win32]     (default: all three)
#
# The Windows DLLs come from `make dist-windows` (this script does not build them). Needs a
# Python with setuptools, wheel and venv: PYTHON, else Debian's python3 (its packages are
# installed when run as root). Prints the path of each wheel.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=${PYTHON:-/usr/bin/python3}
work=build/python-wheels
out=dist/python
platforms=("$@")
[ "${#platforms[@]}" -gt 0 ] || platforms=(linux win64 win32)

say() { echo "python-wheels: $*" >&2; }
die() {
    say "ERROR: $*"
    exit 1
}

has_tools() { "$1" -c 'import setuptools, venv, ensurepip; from wheel import bdist_wheel' >/dev/null 2>&1; }
if ! has_tools "$python"; then
    [ -n "${PYTHON:-}" ] && die "PYTHON=$PYTHON lacks setuptools, wheel or venv"
    scripts/apt-install.sh python-wheels python3 python3-setuptools python3-wheel python3-venv || exit 1
    has_tools "$python" || die "$python still lacks setuptools, wheel or venv"
fi
# A venv that sees the interpreter's setuptools and wheel, for pip's --no-build-isolation.
if [ ! -x "$work/venv/bin/python" ]; then
    "$python" -m venv --system-site-packages "$work/venv"
fi

# The manylinux tag of a Linux library: the newest GLIBC_ version its symbols need, checked
# to link nothing but what every manylinux system has.
manylinux_tag() { # LIB
    local needed glibc
    needed=$(readelf -d "$1" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
    for lib in $needed; do
        case "$lib" in
            libc.so.6 | libm.so.6 | libgcc_s.so.1 | libpthread.so.0 | libdl.so.2 | librt.so.1 | ld-linux-x86-64.so.2) ;;
            *) die "$1 needs $lib, which a manylinux system need not have" ;;
        esac
    done
    glibc=$(objdump -T "$1" | grep -o 'GLIBC_2\.[0-9]*' | sort -uV | tail -n 1)
    [ -n "$glibc" ] || die "no glibc symbol versions in $1"
    echo "manylinux_2_${glibc#GLIBC_2.}_x86_64"
}

mkdir -p "$out"
for platform in "${platforms[@]}"; do
    case "$platform" in
        linux)
            scripts/release-lib.sh >/dev/null
            library=target/release/libmppoint.so
            tag=$(manylinux_tag "$library")
            ;;
        win64) library=dist/windows/x64/mppoint.dll tag=win_amd64 ;;
        win32) library=dist/windows/x86-win7/mppoint.dll tag=win32 ;;
        *) die "unknown platform $platform (linux, win64, win32)" ;;
    esac
    [ -f "$library" ] || die "$library not found: build it first (make dist-windows for the DLLs)"
    src=$work/$platform
    rm -rf "$src"
    mkdir -p "$src"
    cp -r bindings/python/mppoint bindings/python/pyproject.toml bindings/python/setup.py \
        bindings/python/README.md "$src/"
    rm -rf "$src/mppoint/__pycache__"
    cp "$library" "$src/mppoint/"
    # The Linux build keeps its symbol table (for make install); a wheel needs none.
    [ "$platform" = linux ] && strip --strip-unneeded "$src/mppoint/libmppoint.so"
    version=$("$python" -c 'import sys; sys.path.insert(0, sys.argv[1]); import _abi; print(_abi.VERSION)' "$src/mppoint")
    rm -f "$out/mppoint-$version-py3-none-$tag.whl"
    MPPOINT_WHEEL_PLATFORM=$tag "$work/venv/bin/python" -m pip wheel --quiet --no-build-isolation \
        --no-deps --no-index --disable-pip-version-check -w "$out" "$src" >&2
    wheel=$out/mppoint-$version-py3-none-$tag.whl
    [ -f "$wheel" ] || die "pip wheel made no $wheel"
    echo "$wheel"
done
