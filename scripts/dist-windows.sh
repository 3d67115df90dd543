#!/usr/bin/env bash
# Builds the Windows DLLs into dist/windows/<flavour>/ (run through `make dist-windows`):
#
#   x64       x86_64-pc-windows-gnu   64-bit Windows 10/11
#   x86       i686-pc-windows-gnu     32-bit processes on Windows 10/11
#   x86-win7  i686-win7-windows-gnu   32-bit processes on Windows 7 / POSReady 7 and later
#                                     (tier 3: nightly, -Zbuild-std)
#
# Each folder gets mppoint.dll (cdylib only, so fat LTO applies; stripped), mppoint.def (its
# exports, for MSVC's `lib /def:mppoint.def`), libmppoint.dll.a (GNU import library) and
# mppoint.exe, the technician tool (built on the Rust core: it does not need the DLL).
# On 32-bit every function also has its stdcall twin NAME_std; the import library declares
# those decorated (NAME_std@N), so mingw C code can call them as __stdcall. The .def files are
# generated from the ABI manifest (include/windows/, `make generate`).
#
#   scripts/dist-windows.sh [FLAVOUR...]    (default: all three)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
NIGHTLY=${MPPOINT_NIGHTLY:-nightly}
CARGO=${CARGO:-cargo}
flavours=("$@")
[ "${#flavours[@]}" -gt 0 ] || flavours=(x64 x86 x86-win7)

for flavour in "${flavours[@]}"; do
    toolchain=()
    extra=()
    case "$flavour" in
        x64) target=x86_64-pc-windows-gnu prefix=x86_64-w64-mingw32 ;;
        x86) target=i686-pc-windows-gnu prefix=i686-w64-mingw32 ;;
        x86-win7)
            target=i686-win7-windows-gnu prefix=i686-w64-mingw32
            toolchain=("+$NIGHTLY")
            extra=(-Zbuild-std=std,panic_unwind)
            ;;
        *)
            echo "dist-windows: unknown flavour $flavour (x64, x86, x86-win7)" >&2
            exit 2
            ;;
    esac
    echo "dist-windows: building $flavour ($target)" >&2
    start=$SECONDS
    # `cargo rustc --crate-type cdylib` builds the DLL alone: with the rlib too, LTO is dropped.
    "$CARGO" "${toolchain[@]}" rustc -p mppoint --lib --crate-type cdylib --profile dist \
        --target "$target" "${extra[@]}"
    out=dist/windows/$flavour
    rm -rf "$out"
    mkdir -p "$out"
    cp "target/$target/dist/mppoint.dll" "$out/mppoint.dll"

    # The .def lists the exports as the DLL has them: undecorated. The import library is made
    # from the one with the stdcall twins decorated (-k imports them by the undecorated name).
    if [ "$prefix" = i686-w64-mingw32 ]; then
        cp include/windows/mppoint-x86.def "$out/mppoint.def"
        "$prefix-dlltool" -k -d include/windows/mppoint-x86-implib.def -D mppoint.dll -l "$out/libmppoint.dll.a"
    else
        cp include/windows/mppoint-x64.def "$out/mppoint.def"
        "$prefix-dlltool" -d "$out/mppoint.def" -D mppoint.dll -l "$out/libmppoint.dll.a"
    fi
    "$CARGO" "${toolchain[@]}" build -p mppoint-cli --bin mppoint --profile dist \
        --target "$target" "${extra[@]}"
    cp "target/$target/dist/mppoint.exe" "$out/mppoint.exe"
    echo "dist-windows: $out/mppoint.dll $(stat -c %s "$out/mppoint.dll") bytes, mppoint.exe $(stat -c %s "$out/mppoint.exe") bytes ($((SECONDS - start)) s)" >&2
done
mkdir -p dist/windows
cp include/point.h dist/windows/point.h
