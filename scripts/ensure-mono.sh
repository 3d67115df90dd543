#!/usr/bin/env bash
# Makes sure the Mono C# compiler (mcs) and runtime (mono) exist for the .NET binding's tests.
# Installs them with apt-get when run as root; otherwise names the packages and fails. Safe to
# run repeatedly: it does nothing when both are there. (No .NET SDK is needed: the binding is
# two C# 7.3 files that mcs compiles and Mono runs.)
#
#   scripts/ensure-mono.sh          mcs and mono
#   scripts/ensure-mono.sh net462   also the .NET Framework 4.6.2 reference assemblies
#                                   (/usr/lib/mono/4.6.2-api, Debian's mono-devel: ~140
#                                   packages, ~40 s), which the NuGet package is compiled against
set -euo pipefail

packages=(mono-mcs mono-runtime)
refs=/usr/lib/mono/4.6.2-api/mscorlib.dll
if [ "${1:-}" = net462 ]; then
    packages+=(mono-devel)
fi

have_tools() {
    command -v mcs >/dev/null 2>&1 && command -v mono >/dev/null 2>&1 &&
        { [ "${1:-}" != net462 ] || [ -f "$refs" ]; }
}

if have_tools "${1:-}"; then
    exit 0
fi

"$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" ensure-mono "${packages[@]}"

if ! have_tools "${1:-}"; then
    echo "ensure-mono: ${packages[*]} installed but mcs, mono or $refs is still missing" >&2
    exit 1
fi
