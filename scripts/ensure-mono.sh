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

if [ "${EUID:-$(id -u)}" -ne 0 ]; then
    echo "ensure-mono: mcs and mono are not installed, and installing them needs root." >&2
    echo "ensure-mono: run as root: apt-get install -y --no-install-recommends ${packages[*]}" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-mono: no apt-get here; install Mono (${packages[*]}) with this system's package manager" >&2
    exit 1
fi

echo "ensure-mono: installing ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Other jobs may run apt at the same time: wait for the lock instead of failing.
install() {
    apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "${packages[@]}"
}
if ! install; then
    # An image with empty or stale package lists: refresh them once and try again.
    apt-get update -o DPkg::Lock::Timeout=600
    install
fi

if ! have_tools; then
    echo "ensure-mono: ${packages[*]} installed but mcs or mono is still not on PATH" >&2
    exit 1
fi
