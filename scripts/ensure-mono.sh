#!/usr/bin/env bash
# Makes sure the Mono C# compiler (mcs) and runtime (mono) exist for the .NET binding's tests.
# Installs them with apt-get when run as root; otherwise names the packages and fails. Safe to
# run repeatedly: it does nothing when both are there. (No .NET SDK is needed: the binding is
# one C# 7.3 file that mcs compiles and Mono runs.)
set -euo pipefail

packages=(mono-mcs mono-runtime)

have_tools() {
    command -v mcs >/dev/null 2>&1 && command -v mono >/dev/null 2>&1
}

if have_tools; then
    exit 0
fi

"$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" ensure-mono "${packages[@]}"

if ! have_tools; then
    echo "ensure-mono: ${packages[*]} installed but mcs or mono is still not on PATH" >&2
    exit 1
fi
