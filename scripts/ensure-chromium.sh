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

if ! "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" ensure-chromium "${need[@]}"; then
    echo "ensure-chromium: without ${need[*]} the browser test cannot run" >&2
    exit 1
fi

if ! chromium_works || ! driver_works; then
    echo "ensure-chromium: installed ${need[*]}, but 'chromium --version' or" \
        "'chromedriver --version' still fails" >&2
    exit 1
fi
echo "ensure-chromium: $(chromium --version); $(chromedriver --version | head -n 1)" >&2
