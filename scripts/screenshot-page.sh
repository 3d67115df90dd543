#!/usr/bin/env bash
# Regenerates docs/virtual-terminal.png: the simulator's virtual terminal page during a sale
# (one terminal showing a 15.00 payment intent ON_TERMINAL, the others idle), taken with
# headless Chromium by the ignored test in tests/browser.rs.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/ensure-chromium.sh
cargo test --test browser -- --ignored --exact screenshot_of_a_sale_on_the_terminal
ls -l docs/virtual-terminal.png
