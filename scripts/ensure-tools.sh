#!/usr/bin/env bash
# Makes sure the C-side tools the test suite needs exist: gcc (with the C library headers),
# make and valgrind. Installs the missing ones with apt-get when run as root; otherwise names
# the packages to install and fails. Safe to run repeatedly: it does nothing when all is there.
set -euo pipefail

missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
# gcc installed without recommends has no libc headers.
if command -v gcc >/dev/null 2>&1 &&
    ! printf '#include <stdio.h>\nint main(void) { return 0; }\n' |
        gcc -x c -o /dev/null - >/dev/null 2>&1; then
    missing+=(libc6-dev)
fi

if [ "${#missing[@]}" -gt 0 ]; then
    "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" ensure-tools "${missing[@]}"
fi

# The Rust toolchain is not an apt package worth using here (Debian's is too old).
if ! command -v cargo >/dev/null 2>&1; then
    echo "ensure-tools: cargo not found; install a Rust toolchain (https://rustup.rs)" >&2
    exit 1
fi
for component in fmt clippy; do
    if ! cargo "$component" --version >/dev/null 2>&1; then
        echo "ensure-tools: 'cargo $component' not found; run: rustup component add ${component/fmt/rustfmt}" >&2
        exit 1
    fi
done
