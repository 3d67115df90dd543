#!/usr/bin/env bash
# Makes sure the tools for the Windows DLLs exist, installing what is missing. Safe to run
# repeatedly: it does nothing when everything is there.
#
#   scripts/ensure-windows-tools.sh build   mingw-w64 cross compilers and binutils, the Rust
#                                           targets x86_64/i686-pc-windows-gnu, and nightly
#                                           with rust-src (for the i686-win7-windows-gnu DLL)
#   scripts/ensure-windows-tools.sh wine64  Wine for the 64-bit tests (Debian wine64)
#   scripts/ensure-windows-tools.sh wine32  Wine for the 32-bit tests (wine32:i386; adds the
#                                           i386 architecture to dpkg)
#
# Debian packages are installed with apt-get when run as root; otherwise the script names
# them and fails. Any install that fails makes the script print apt's own error and exit
# non-zero: a missing tool never turns into a skipped test.
set -euo pipefail

# The nightly for the Windows 7 DLL (tier 3 target, built with -Zbuild-std) is installed by
# scripts/ensure-nightly.sh (MPPOINT_NIGHTLY overrides which).
APT_OPTS=(-y --no-install-recommends -o DPkg::Lock::Timeout=600)

say() { echo "ensure-windows-tools: $*" >&2; }
die() {
    say "ERROR: $*"
    exit 1
}

# Debian packages (names may carry an :arch), through the project's one apt helper.
apt_helper=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/apt-install.sh
apt_install() { "$apt_helper" ensure-windows-tools "$@" || exit 1; }
apt_update() { "$apt_helper" ensure-windows-tools --update; }

ensure_rust_target() {
    local toolchain=$1 target=$2
    if ! rustup target list --toolchain "$toolchain" --installed 2>/dev/null | grep -qx "$target"; then
        say "adding Rust target $target ($toolchain)"
        rustup target add --toolchain "$toolchain" "$target" || die "rustup target add $target failed"
    fi
}

ensure_build() {
    command -v rustup >/dev/null 2>&1 || die "rustup not found; install a Rust toolchain with rustup (https://rustup.rs)"
    apt_install gcc-mingw-w64-x86-64-win32 gcc-mingw-w64-i686-win32 binutils-mingw-w64-x86-64 \
        binutils-mingw-w64-i686
    local stable
    stable=$(rustup show active-toolchain | awk '{print $1}')
    ensure_rust_target "$stable" x86_64-pc-windows-gnu
    ensure_rust_target "$stable" i686-pc-windows-gnu
    "$(dirname "${BASH_SOURCE[0]}")/ensure-nightly.sh" rust-src >/dev/null || exit 1
}

ensure_wine64() {
    apt_install wine wine64
    [ -x /usr/lib/wine/wine64 ] || die "wine64 is installed but /usr/lib/wine/wine64 is missing"
}

ensure_wine32() {
    local added_i386=0
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
        [ "$(id -u)" -eq 0 ] || die "the 32-bit tests need wine32:i386; as root run: dpkg --add-architecture i386 && apt-get update && apt-get install ${APT_OPTS[*]} wine32:i386"
        say "adding the i386 architecture to dpkg (for wine32)"
        dpkg --add-architecture i386
        added_i386=1
        apt_update
    fi
    if ! (apt_install wine wine32:i386); then
        # Leave the machine as it was: with i386 added, every later apt-get update would keep
        # failing on the same broken i386 index.
        if [ "$added_i386" -eq 1 ] && [ -z "$(dpkg-query -W -f='${Package}:${Architecture}\n' 2>/dev/null | grep ':i386$')" ]; then
            dpkg --remove-architecture i386 && say "removed the i386 architecture again"
        fi
        die "wine32:i386 could not be installed, so the 32-bit DLLs (x86, x86-win7) cannot be tested here (apt's error is above)"
    fi
    [ -x /usr/lib/wine/wine ] || die "wine32 is installed but /usr/lib/wine/wine is missing"
}

if [ "$#" -eq 0 ]; then
    echo "usage: $0 build|wine64|wine32..." >&2
    exit 2
fi
for part in "$@"; do
    case "$part" in
        build) ensure_build ;;
        wine64) ensure_wine64 ;;
        wine32) ensure_wine32 ;;
        *)
            echo "usage: $0 build|wine64|wine32..." >&2
            exit 2
            ;;
    esac
done
