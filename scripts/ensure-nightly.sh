#!/usr/bin/env bash
# Makes sure the nightly Rust toolchain the project uses is installed, with the given
# components (e.g. rust-src). Safe to run repeatedly: it does nothing when all is there.
#
#   scripts/ensure-nightly.sh [COMPONENT...]
#
# Nightly builds the Windows 7 DLL (tier 3 target, -Zbuild-std; scripts/ensure-windows-tools.sh)
# and the fuzz targets (sanitizer flags; scripts/fuzz.sh). MPPOINT_NIGHTLY overrides which
# (e.g. a dated nightly-YYYY-MM-DD); the name of the toolchain is printed on stdout.
set -euo pipefail

NIGHTLY=${MPPOINT_NIGHTLY:-nightly}

say() { echo "ensure-nightly: $*" >&2; }
die() {
    say "ERROR: $*"
    exit 1
}

command -v rustup >/dev/null 2>&1 || die "rustup not found; install a Rust toolchain with rustup (https://rustup.rs)"
if ! rustup run "$NIGHTLY" rustc --version >/dev/null 2>&1; then
    say "installing Rust $NIGHTLY (minimal profile)"
    rustup toolchain install "$NIGHTLY" --profile minimal || die "rustup toolchain install $NIGHTLY failed"
fi
for component in "$@"; do
    if ! rustup component list --toolchain "$NIGHTLY" --installed 2>/dev/null | grep -q "^$component"; then
        say "adding $component to $NIGHTLY"
        rustup component add "$component" --toolchain "$NIGHTLY" || die "rustup component add $component failed"
    fi
done
echo "$NIGHTLY"
