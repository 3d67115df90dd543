#!/usr/bin/env bash
# Makes sure headless Chromium and its WebDriver server exist for tests/browser.rs: Debian's
# `chromium` (/usr/bin/chromium) and `chromium-driver` (/usr/bin/chromedriver). Installs the
# missing ones with apt-get when run as root; otherwise names the packages and fails.
# Safe to run repeatedly: it does nothing when both are there and start.
set -euo pipefail

need=()
chromium_works() { command -v chromium >/dev/null 2>&1 && chromium --version >/dev/null 2>&1; }
driver_works() { command -v chromedriver >/dev/null 2>&1 && chromedriver --version >/dev/null 2>&1; }
chromium_works || need+=(chromium)
driver_works || need+=(chromium-driver)

if [ "${#need[@]}" -eq 0 ]; then
    exit 0
fi

install_hint="apt-get install -y --no-install-recommends ${need[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-chromium: missing packages: ${need[*]}" >&2
    echo "ensure-chromium: run this script as root, or: sudo $install_hint" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: missing ${need[*]} and apt-get is not available on this system" >&2
    echo "ensure-chromium: install Chromium and a matching chromedriver by other means" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Package lists are often empty in fresh containers: refresh them once, only when apt does
# not know a candidate for one of the packages.
for package in "${need[@]}"; do
    if ! apt-cache policy "$package" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        echo "ensure-chromium: refreshing the package lists (apt-get update)" >&2
        if ! apt-get update; then
            echo "ensure-chromium: apt-get update failed; cannot install ${need[*]}" >&2
            exit 1
        fi
        break
    fi
done

echo "ensure-chromium: installing ${need[*]}" >&2
if ! apt-get install -y --no-install-recommends "${need[@]}"; then
    echo "ensure-chromium: '$install_hint' failed; the browser test cannot run" >&2
    exit 1
fi

if ! chromium_works || ! driver_works; then
    echo "ensure-chromium: installed ${need[*]}, but 'chromium --version' or" \
        "'chromedriver --version' still fails" >&2
    exit 1
fi
echo "ensure-chromium: $(chromium --version); $(chromedriver --version | head -n 1)" >&2
